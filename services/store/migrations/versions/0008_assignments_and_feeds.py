"""Assignments: the officer who looks after an activity or one of its milestones; calendar feeds
whose tokens business support have regenerated; a partial index of the open milestones by forecast,
which Today's sections count and page (the one by target is 0007's).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


OPEN = "status = 'planned' AND actual IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_milestone_open_forecast",
        "milestone",
        ["forecast", "activity_id"],
        unique=False,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
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
    op.drop_index("ix_milestone_open_forecast", table_name="milestone")
    op.drop_table("calendar_feed")
    op.drop_index(op.f("ix_assignment_user_id"), table_name="assignment")
    op.drop_index(op.f("ix_assignment_activity_id"), table_name="assignment")
    op.drop_table("assignment")
