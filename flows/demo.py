"""What `make run` shows for now: one activity of each type, registered in the store through the
schedule flow (dates computed by the activity's own flow of milestone tasks), then read back.

Idempotent: run it again and it finds the activities it registered before instead of adding more.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import select

from flows.schedule_activity import schedule_activity
from models.checks import onsite_warnings
from models.records import Activity, LocalAuthority, StaffMember
from models.templates import ActivityTemplate, activity_types
from models.timeline import template_in_force
from services.settings import calendar_in_force
from services.store.database import transaction
from services.store.reference_data import load_fictional_demo_people
from services.tracking.unit_of_work import UnitOfWork

LEAD_WORKING_DAYS = 15  # far enough ahead that every pre-fieldwork milestone is still to come
DEMO_REGION = "London"


def first_usual_day(template: ActivityTemplate, after: date) -> date:
    """The first working day, LEAD_WORKING_DAYS or more after `after`, that draws no warning: the usual
    weekday, no bank holiday inside fieldwork, outside the periods the type avoids."""
    calendar = calendar_in_force()
    day = calendar.add_working_days(after, LEAD_WORKING_DAYS)
    while onsite_warnings(template, day, calendar):
        day = calendar.next_working_day(day)
    return day


def _demo_cast(engine: Engine) -> tuple[list[str], list[str]]:
    """The demo region's LAs (one per activity type) and its fictional lead inspectors."""
    with transaction(engine) as session:
        las = session.exec(
            select(LocalAuthority.ons_code)
            .where(LocalAuthority.ofsted_region == DEMO_REGION, LocalAuthority.status == "current")
            .order_by(LocalAuthority.ons_code)
        ).all()
        leads = session.exec(
            select(StaffMember.name).where(
                StaffMember.ofsted_region == DEMO_REGION, StaffMember.role == "lead_inspector"
            )
        ).all()
    return list(las), list(leads)


def demonstration(engine: Engine, now: datetime) -> Iterator[tuple[ActivityTemplate, int]]:
    """Register (once) and yield one activity of each type, each at its own London LA."""
    with UnitOfWork(engine) as uow:
        load_fictional_demo_people(uow.session)
    calendar = calendar_in_force()
    las, leads = _demo_cast(engine)
    today = now.date()
    for number, activity_type in enumerate(activity_types()):
        probe = template_in_force(activity_type, calendar.roll_forward(today), calendar=calendar)
        onsite = first_usual_day(probe, today)
        template = template_in_force(activity_type, onsite, calendar=calendar)
        la_code, lead = las[number % len(las)], leads[number % len(leads)]
        with transaction(engine) as session:
            existing = session.exec(
                select(Activity.id)
                .join(LocalAuthority)
                .where(LocalAuthority.ons_code == la_code, Activity.activity_type == activity_type)
            ).first()
        activity_id = existing or schedule_activity(
            activity_type=activity_type,
            la_code=la_code,
            onsite=onsite,
            lead=lead,
            flags=[],
            override="",
            actor="make run (demonstration)",
            now=now,
        )
        yield template, activity_id
