"""An index of the open milestones by target, holding what the overdue lists count (activity, owner,
status), so that `ilacs overdue` and the dashboard count 100,000s of them from the index alone.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_milestone_open_target",
        "milestone",
        ["target", "activity_id", "position", "owner", "status"],
        sqlite_where=sa.text("actual IS NULL"),
        postgresql_where=sa.text("actual IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_milestone_open_target", table_name="milestone")
