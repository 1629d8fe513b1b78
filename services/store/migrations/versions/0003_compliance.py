"""Compliance: how precisely an actual is known, variance reasons, waivers.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "actual_precision", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="time"
            )
        )
        batch_op.add_column(
            sa.Column(
                "variance_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
            )
        )
        batch_op.add_column(
            sa.Column("waived_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("waived_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_column("waived_by")
        batch_op.drop_column("waived_reason")
        batch_op.drop_column("variance_reason")
        batch_op.drop_column("actual_precision")
