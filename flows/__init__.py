"""Prefect flows: each activity type's milestone DAG (`activity_timeline`), registering an activity
(`schedule_activity`), the daily sweep, the outbox sender and the digest (`reminders`), and the
demonstration's activities (`demo`)."""
