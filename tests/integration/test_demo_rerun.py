"""`make run` again changes nothing (issue 14, point 2): the demonstration finds what it registered,
even after staff moved it, and no rerun sends mail with dates that no longer hold."""

from __future__ import annotations

from datetime import datetime, timedelta
from email import message_from_bytes, policy

import pytest
from sqlmodel import func, select

from calendars import LONDON
from interfaces.demo_day import run_demo
from interfaces.service import MailSink
from models.records import Activity, LocalAuthority, Milestone
from services.mail.emails import govuk_day
from services.tracking import lifecycle
from services.tracking.unit_of_work import UnitOfWork


def _mail(directory) -> dict[str, tuple[str, str]]:
    """Each .eml file the directory transport wrote: (subject, text)."""
    out = {}
    for path in sorted(directory.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(("plain",)).get_content()
        out[path.name] = (str(message["Subject"]).strip(), body)
    return out


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize(
    "first_run",
    [
        datetime(2026, 6, 16, 10, 0, tzinfo=LONDON),  # Tuesday, British Summer Time
        datetime(2026, 11, 24, 10, 0, tzinfo=LONDON),  # Tuesday, Greenwich Mean Time
    ],
    ids=["summer", "winter"],
)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_rerun_after_a_deferral_registers_nothing_and_sends_nothing_stale(
    store, tmp_path, monkeypatch, calendar, first_run
):
    mail = tmp_path / "mail"
    monkeypatch.setenv("ILACS_MAIL_TRANSPORT", "directory")
    monkeypatch.setenv("ILACS_MAIL_DIR", str(mail))
    sink = MailSink(mail)

    run_demo(sink, now=first_run)
    with UnitOfWork(store) as uow:
        activities = uow.session.exec(select(func.count()).select_from(Activity)).one()
        visit = uow.session.exec(  # the monitoring visit whose data request was made today
            select(Activity)
            .join(Milestone)
            .where(Milestone.key == "data_request", Milestone.actual.is_not(None))
        ).one()
        la = uow.session.get(LocalAuthority, visit.la_id).name
    first_mail = _mail(mail)
    requests = [s for s, _ in first_mail.values() if s.startswith("Information request")]
    assert requests == [f"Information request: monitoring visit of {la}'s children's services"] * len(
        requests
    )
    assert requests, "today's data request goes to the DCS on the first run"

    old_onsite = visit.onsite
    new_onsite = calendar.add_working_days(old_onsite, 5)  # a week later, the same weekday
    deferred_at = first_run + timedelta(minutes=30)
    with UnitOfWork(store) as uow:
        lifecycle.defer(
            uow, activity_id=visit.id, to=new_onsite, reason="weather", by="Business Support", now=deferred_at
        )

    later_that_day = first_run + timedelta(hours=1)
    next_working_day = datetime.combine(calendar.add_working_days(first_run.date(), 1), first_run.timetz())
    for rerun in (later_that_day, next_working_day):
        before = set(_mail(mail))
        run_demo(sink, now=rerun)
        with UnitOfWork(store) as uow:
            assert uow.session.exec(select(func.count()).select_from(Activity)).one() == activities
            assert uow.session.get(Activity, visit.id).onsite == new_onsite
        new = {name: m for name, m in _mail(mail).items() if name not in before}
        for subject, text in new.values():
            assert not subject.startswith("Information request"), subject
            assert govuk_day(old_onsite) not in text.replace("\n", " ") or subject.startswith(
                "Dates changed"
            ), (subject, text)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("today", ["Monday 2026-06-15", "Monday 2026-11-23"], ids=["summer", "winter"])
def test_each_demonstration_activity_goes_to_an_la_on_a_pathway_that_has_it(store, today):
    """London's published judgements: Harrow and Havering inadequate, Barking and Dagenham requires
    improvement, the rest good or outstanding (models/reference_data/latest-ilacs-judgements.csv)."""
    from flows.demo import DEMO_REGION, cast, demo_onsite
    from models.templates import activity_types
    from services.reports.programme import starting_states
    from services.store.database import transaction
    from tests.helpers import day

    with transaction(store) as session:
        states = starting_states(session, region=DEMO_REGION, deteriorating=frozenset())
    on = day(today)
    chosen = cast(states, {k: demo_onsite(k, on) for k in activity_types()}, set(), on)
    grades = {kind: state.grade for kind, state in chosen.items()}
    assert {chosen["monitoring-visit"].name, chosen["action-planning-visit"].name} == {"Harrow", "Havering"}
    assert chosen["standard-inspection"].name == "Barking and Dagenham"  # the only LA requiring improvement
    assert grades["short-inspection"] in ("good", "outstanding")
    assert grades["focused-visit"] in ("good", "outstanding")
    assert len({state.code for state in chosen.values()}) == len(activity_types())
