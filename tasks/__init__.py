"""Prefect tasks: each does one job."""
