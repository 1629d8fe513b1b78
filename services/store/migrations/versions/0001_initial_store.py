"""Initial store: authorities, contacts, staff, activities, milestones, judgements, Annex B requests,
deferrals, and the append-only audit log (triggers refuse UPDATE and DELETE on it).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hash"),
        sa.UniqueConstraint("prev_hash"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_activity_id"), ["activity_id"], unique=False)

    op.create_table(
        "local_authority",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ons_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("ofsted_urn", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("dfe_la_code", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("ons_region", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("ofsted_region", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("la_type", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("local_authority", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_local_authority_ofsted_region"), ["ofsted_region"], unique=False)
        batch_op.create_index(batch_op.f("ix_local_authority_ons_code"), ["ons_code"], unique=True)

    op.create_table(
        "ofsted_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("ofsted_region", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ofsted_staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ofsted_staff_name"), ["name"], unique=True)

    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_type", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("la_id", sa.Integer(), nullable=False),
        sa.Column("onsite", sa.Date(), nullable=False),
        sa.Column("fieldwork_end", sa.Date(), nullable=False),
        sa.Column("variant", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("lead_inspector", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("edition", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("calendar_version", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("override_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["la_id"],
            ["local_authority.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_activity_type"), ["activity_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_la_id"), ["la_id"], unique=False)

    op.create_table(
        "la_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("la_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["la_id"],
            ["local_authority.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("la_contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_la_contact_la_id"), ["la_id"], unique=False)

    op.create_table(
        "deferral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("old_onsite", sa.Date(), nullable=False),
        sa.Column("new_onsite", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("deferred_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("deferred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("deferral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deferral_activity_id"), ["activity_id"], unique=False)

    op.create_table(
        "further_information_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("milestone_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("request_type", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("request", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("required_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("further_information_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_further_information_request_activity_id"), ["activity_id"], unique=False
        )

    op.create_table(
        "judgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("area", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("activity_id", "area"),
    )
    with op.batch_alter_table("judgement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_judgement_activity_id"), ["activity_id"], unique=False)

    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("target", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forecast", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actual", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("calendar_version", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("activity_id", "key"),
    )
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestone_activity_id"), ["activity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_milestone_forecast"), ["forecast"], unique=False)
        batch_op.create_index(batch_op.f("ix_milestone_target"), ["target"], unique=False)

    _audit_log_is_append_only()


APPEND_ONLY = "the audit log is append-only"


def _audit_log_is_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entry_no_{verb.lower()} BEFORE {verb} ON audit_entry "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION audit_entry_append_only()")
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_target"))
        batch_op.drop_index(batch_op.f("ix_milestone_forecast"))
        batch_op.drop_index(batch_op.f("ix_milestone_activity_id"))

    op.drop_table("milestone")
    with op.batch_alter_table("judgement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_judgement_activity_id"))

    op.drop_table("judgement")
    with op.batch_alter_table("further_information_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_further_information_request_activity_id"))

    op.drop_table("further_information_request")
    with op.batch_alter_table("deferral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deferral_activity_id"))

    op.drop_table("deferral")
    with op.batch_alter_table("la_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_la_contact_la_id"))

    op.drop_table("la_contact")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_la_id"))
        batch_op.drop_index(batch_op.f("ix_activity_activity_type"))

    op.drop_table("activity")
    with op.batch_alter_table("ofsted_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ofsted_staff_name"))

    op.drop_table("ofsted_staff")
    with op.batch_alter_table("local_authority", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_local_authority_ons_code"))
        batch_op.drop_index(batch_op.f("ix_local_authority_ofsted_region"))

    op.drop_table("local_authority")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_activity_id"))

    op.drop_table("audit_entry")
