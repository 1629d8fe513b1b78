"""What the tracking store keeps: SQLModel tables. Data only; the rules that change it are elsewhere.

Times are stored in UTC (naive UTC on SQLite, timestamptz on PostgreSQL) and come back aware UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, DateTime, Index, TypeDecorator, UniqueConstraint, text
from sqlmodel import AutoString, Field, SQLModel

from models.states import ActivityStatus, MilestoneStatus, OutboxStatus

CONTACT_ROLES = (
    "dcs",
    "link_person",
    "most_senior_manager",
    "chief_executive",
    "lead_member",
    "analyst",
    "delegated_third_party",  # where statutory functions are delegated: copied the final report [003 ¶224]
    "cicc_chair",  # Chair of the Children in Care Council [003 ¶224]
    "cicc_support_worker",  # the worker who supports the council [003 ¶224]
    "commissioner",  # appointed by the Secretary of State [003 ¶203-205]
)
# Recipients outside Ofsted and any one LA: the DfE's inspections and interventions team [003 ¶118,
# ¶126, ¶204, ¶224] and the partner inspectorates [003 ¶233].
NATIONAL_ROLES = ("dfe_inspections_team", "partner_inspectorate")
STAFF_ROLES = (
    "lead_inspector",
    "team_inspector",
    "qa_manager",
    "senior_hmi",
    "regional_director",
    "national_director",
    "analytical_officer",
    "business_support",
)
OFSTED_REGIONS = (  # Ofsted's eight regions; it joins North East with Yorkshire and the Humber
    "East Midlands",
    "East of England",
    "London",
    "North East, Yorkshire and the Humber",
    "North West",
    "South East",
    "South West",
    "West Midlands",
)
LA_STATUSES = ("current", "defunct")  # a defunct LA is kept so that its history can be joined


class UTCDateTime(TypeDecorator):
    """An aware datetime, kept as UTC on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a time zone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_field(*, nullable: bool = True, index: bool = False):
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class StateName(TypeDecorator):
    """A state (a StrEnum of models.states) kept as its plain string, as it always was, and read back as
    the enum; a string that names no state is refused rather than stored."""

    impl = AutoString
    cache_ok = True

    def __init__(self, states: type[StrEnum]) -> None:
        super().__init__()
        self.states = states

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else self.states(value).value

    def process_result_value(self, value: str | None, dialect) -> StrEnum | None:
        return None if value is None else self.states(value)


def state_field(states: type[StrEnum], default: StrEnum | None = None, *, index: bool = False):
    column = Column(StateName(states), nullable=False, index=index)
    return Field(sa_column=column) if default is None else Field(default=default, sa_column=column)


class LocalAuthority(SQLModel, table=True):
    __tablename__ = "local_authority"
    id: int | None = Field(default=None, primary_key=True)
    ons_code: str = Field(unique=True, index=True)
    name: str
    ofsted_urn: str | None = None
    dfe_la_code: str | None = None
    ons_region: str | None = None
    ofsted_region: str = Field(index=True)
    la_type: str | None = None
    status: str = "current"


class Contact(SQLModel, table=True):
    __tablename__ = "la_contact"
    id: int | None = Field(default=None, primary_key=True)
    la_id: int = Field(foreign_key="local_authority.id", index=True)
    role: str
    name: str
    email: str
    valid_from: date
    valid_to: date | None = None


class NationalContact(SQLModel, table=True):
    """A recipient outside Ofsted and the LAs, by role, valid from/to a day like the LA contacts."""

    __tablename__ = "national_contact"
    id: int | None = Field(default=None, primary_key=True)
    role: str
    organisation: str
    name: str
    email: str
    valid_from: date
    valid_to: date | None = None


class StaffMember(SQLModel, table=True):
    __tablename__ = "ofsted_staff"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    role: str
    email: str
    ofsted_region: str | None = None


class Activity(SQLModel, table=True):
    __tablename__ = "activity"
    id: int | None = Field(default=None, primary_key=True)
    activity_type: str = Field(index=True)
    la_id: int = Field(foreign_key="local_authority.id", index=True)
    onsite: date
    fieldwork_end: date
    variant: str = ""
    status: ActivityStatus = state_field(ActivityStatus, ActivityStatus.PLANNED)
    lead_inspector: str
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    edition: str
    calendar_version: str
    override_reason: str = ""
    created_at: datetime | None = utc_field(nullable=False)
    cancelled_reason: str = ""  # why it was cancelled: kept, and shown beside the compliance report
    cancelled_by: str = ""
    cancelled_at: datetime | None = utc_field()


class ActivityNote(SQLModel, table=True):
    """A note staff wrote on an activity: audited, and shown in the activity's history."""

    __tablename__ = "activity_note"
    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    written_at: datetime | None = utc_field(nullable=False)
    written_by: str
    text: str


OPEN = "status = 'planned' AND actual IS NULL"  # an open milestone, as the dashboard's lists count them


class Milestone(SQLModel, table=True):
    __tablename__ = "milestone"
    __table_args__ = (
        UniqueConstraint("activity_id", "key"),
        # Today's sections count and page open milestones by target and by forecast: these partial
        # indexes hold only the open ones, so a count reads the index, not the table (issue 12)
        Index(
            "ix_milestone_open_target",
            "target",
            "activity_id",
            "position",
            "owner",
            "status",
            sqlite_where=text("actual IS NULL"),
            postgresql_where=text("actual IS NULL"),
        ),
        Index(
            "ix_milestone_open_forecast",
            "forecast",
            "activity_id",
            sqlite_where=text(OPEN),
            postgresql_where=text(OPEN),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    position: int
    key: str
    title: str
    owner: str
    source: str = ""
    target: datetime | None = utc_field(index=True)
    forecast: datetime | None = utc_field(index=True)
    actual: datetime | None = utc_field()
    status: MilestoneStatus = state_field(MilestoneStatus)
    provisional: bool = False
    calendar_version: str = ""
    rule: str = ""
    recorded_by: str = ""
    note: str = ""
    origin: str = "template"  # or "annex_b": a further-information request, dated by its request
    actual_precision: str = "time"  # "day" when only the date is known (imported history): judged by day
    variance_reason: str = ""  # why it was late, from models/variance-reasons.toml
    waived_reason: str = ""
    waived_by: str = ""


class Judgement(SQLModel, table=True):
    __tablename__ = "judgement"
    __table_args__ = (UniqueConstraint("activity_id", "area"),)
    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    area: str
    grade: str


class FurtherInformationRequest(SQLModel, table=True):
    """Annex B: a request the lead inspector logs during an inspection [003 ¶165-168]."""

    __tablename__ = "further_information_request"
    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    milestone_key: str
    requested_by: str
    request_type: str  # case information, general, line of enquiry, other
    request: str
    reason: str
    required_by: datetime | None = utc_field(nullable=False)
    response: str = ""
    responded_at: datetime | None = utc_field()


class Deferral(SQLModel, table=True):
    __tablename__ = "deferral"
    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    old_onsite: date
    new_onsite: date
    reason: str
    deferred_by: str
    deferred_at: datetime | None = utc_field(nullable=False)


class AuditEntry(SQLModel, table=True):
    """Append-only; each entry's hash covers its content and the previous entry's hash."""

    __tablename__ = "audit_entry"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime | None = utc_field(nullable=False)
    actor: str
    action: str
    activity_id: int | None = Field(default=None, index=True)
    subject: str = ""
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))
    reason: str = ""
    prev_hash: str = Field(unique=True)
    hash: str = Field(unique=True)
    seal: str = Field(default="hmac-sha256", sa_column_kwargs={"server_default": "legacy-sha256"})


class OutboxMessage(SQLModel, table=True):
    """An email the system has decided to send: written in the same transaction as the decision, then
    delivered (and marked) by the sender. The idempotency key makes each decision happen once."""

    __tablename__ = "outbox_message"
    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True)  # activity, milestone, stage, recipient
    activity_id: int | None = Field(default=None, foreign_key="activity.id", index=True)
    milestone_key: str = ""
    stage: str
    recipient_email: str
    recipient_name: str
    recipient_role: str
    recipient_la_facing: bool = False  # a contact of the local authority, not Ofsted's staff
    cc: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    subject: str
    body_text: str
    body_html: str
    ics: str | None = None
    embargoed: bool = False
    not_before: datetime | None = utc_field(nullable=False, index=True)
    status: OutboxStatus = state_field(OutboxStatus, OutboxStatus.QUEUED, index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = utc_field()
    last_error: str = ""
    escalated: bool = False
    created_at: datetime | None = utc_field(nullable=False)
    sent_at: datetime | None = utc_field()


class User(SQLModel, table=True):
    """A local account for the dashboard. Roles: business_support (edit all), inspector (edit the
    activities they lead), viewer (read only)."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True)
    name: str
    role: str
    password_hash: str
    created_at: datetime | None = utc_field(nullable=False)


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins counted for one account name or one client address, and the lock-out they earned:
    kept in the store so every worker and process sees the same count."""

    __tablename__ = "sign_in_throttle"
    __table_args__ = (UniqueConstraint("scope", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    scope: str  # "account" (the username as typed) or "address" (the client's IP address)
    key: str
    failures: int = 0
    last_failure_at: datetime | None = utc_field(nullable=False)
    locked_until: datetime | None = utc_field()


class WebSession(SQLModel, table=True):
    """A signed-in browser: its cookie carries a random id whose SHA-256 is `token_hash`, so the session
    ends when this row says so (sign-out, password or role change), not when the cookie does."""

    __tablename__ = "web_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime | None = utc_field(nullable=False)
    last_seen_at: datetime | None = utc_field(nullable=False)
    expires_at: datetime | None = utc_field(nullable=False)
    revoked_at: datetime | None = utc_field()
    revoked_reason: str = ""


class Assignment(SQLModel, table=True):
    """The officer who looks after an activity (`milestone_key` "") or one of its milestones: one each,
    reassigned in place; the audit log keeps who had it before."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("activity_id", "milestone_key"),)
    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    milestone_key: str = ""
    user_id: int = Field(foreign_key="app_user.id", index=True)
    assigned_by: str
    assigned_at: datetime | None = utc_field(nullable=False)


class CalendarFeed(SQLModel, table=True):
    """How many times a subscribable calendar's token has been regenerated: the token is derived from
    the secret key, the feed and this number, so regenerating it ends every copy of the old link."""

    __tablename__ = "calendar_feed"
    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(unique=True)  # a region's name, or "inspector:USERNAME"
    version: int = 0
    regenerated_by: str
    regenerated_at: datetime | None = utc_field(nullable=False)


class SweepRun(SQLModel, table=True):
    """A daily sweep and how far it got: what a later sweep the same day need not do again
    (services/mail/sweep.py). Written in the transaction of each batch it commits."""

    __tablename__ = "sweep_run"
    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)  # the London day swept
    as_of: datetime | None = utc_field(nullable=False)
    audit_id: int  # the newest audit entry when it began: activities changed after it are swept again
    inputs: str  # digest of what every activity's answer also depends on (people, policy, calendar)
    through: int = 0  # every planned activity with an id up to this is swept, as of `audit_id`
    finished: bool = False
