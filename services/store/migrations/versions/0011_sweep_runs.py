"""The daily sweep's runs: a repeat sweep the same day sweeps only the activities changed since, and a
sweep killed part-way resumes after the last batch it committed (issue 12).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sweep_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("inputs", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("through", sa.Integer(), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sweep_run_day", "sweep_run", ["day"])


def downgrade() -> None:
    op.drop_index("ix_sweep_run_day", table_name="sweep_run")
    op.drop_table("sweep_run")
