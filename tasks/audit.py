"""The audit log's daily checkpoint, kept as a Prefect artifact as well as in its file."""

from __future__ import annotations

from datetime import datetime

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from services.store import audit, open_store
from services.store.database import transaction


@task(name="checkpoint-audit-chain", cache_policy=NO_CACHE)
def checkpoint_audit_chain(as_of: datetime) -> dict:
    """Verify the chain and anchor it; a broken chain is reported, never anchored (the run fails)."""
    with transaction(open_store()) as session:
        point = audit.checkpoint(session, now=as_of)
    create_markdown_artifact(
        key="audit-checkpoint",
        markdown=(
            f"**Audit chain checkpoint** of {point.when}\n\n"
            f"| entries | last entry | head hash | signature |\n|---|---|---|---|\n"
            f"| {point.entries} | {point.head_id} | `{point.head}` | `{point.signature}` |\n\n"
            f"Kept in `{audit.checkpoint_file()}`."
        ),
        description="The signed checkpoint of the audit chain: its count and head hash",
    )
    return {"audit_entries": point.entries}
