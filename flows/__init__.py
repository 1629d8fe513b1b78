"""Prefect flows: each activity type's milestone DAG, and later the sweeps."""
