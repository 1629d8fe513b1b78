"""Assignments: the officer who looks after an activity or one of its milestones; and calendar feeds
whose tokens business support have regenerated.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("milestone_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("activity_id", "milestone_key"),
    )
    op.create_index(op.f("ix_assignment_activity_id"), "assignment", ["activity_id"], unique=False)
    op.create_index(op.f("ix_assignment_user_id"), "assignment", ["user_id"], unique=False)
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("regenerated_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("regenerated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope"),
    )


def downgrade() -> None:
    op.drop_table("calendar_feed")
    op.drop_index(op.f("ix_assignment_user_id"), table_name="assignment")
    op.drop_index(op.f("ix_assignment_activity_id"), table_name="assignment")
    op.drop_table("assignment")
