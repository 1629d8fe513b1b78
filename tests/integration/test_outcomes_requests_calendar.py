"""Outcomes, Annex B requests and calendar changes, through the commands, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlmodel import select

from calendars.england import build_england_calendar
from models.records import AuditEntry
from services.store.database import transaction
from services.tracking import calendar_changes
from services.tracking.unit_of_work import UnitOfWork
from tests.helpers import day
from tests.integration.test_store_commands import SCHEDULE, run


def milestones(capsys, activity: int) -> dict[str, dict]:
    _, out, _ = run(capsys, f"show {activity} --json")
    return {m["key"]: m for m in json.loads(out)["milestones"]}


def test_an_inadequate_judgement_adds_the_action_planning_milestones(store, capsys):
    run(capsys, SCHEDULE)
    status, out, _ = run(capsys, "outcome 1 --overall inadequate --impact-of-leaders inadequate --by Ann")
    assert status == 0 and "action_planning_visit: target None -> 2025-04-02T10:00:00+01:00" in out
    got = milestones(capsys, 1)
    assert got["action_planning_visit"]["target"] == "2025-04-02T10:00:00+01:00"
    assert got["reinspection_by"]["target"] == "2027-06-03T17:00:00+01:00"


def test_correcting_the_judgement_withdraws_those_milestones_but_keeps_them(store, capsys):
    run(capsys, SCHEDULE)
    run(capsys, "outcome 1 --overall inadequate --by Ann")
    run(capsys, "outcome 1 --overall requires_improvement --by Ann")
    got = milestones(capsys, 1)
    assert got["action_planning_visit"]["status"] == "withdrawn"
    assert got["action_plan_due"]["status"] == "planned"
    _, out, _ = run(capsys, "due --within 200 --as-of 2025-03-01 --limit 1000 --json")
    assert "action_planning_visit" not in {d["key"] for d in json.loads(out)["items"]}


def test_only_inspections_are_graded_and_only_on_the_four_point_scale(store, capsys):
    run(capsys, SCHEDULE)
    status, _, err = run(capsys, "outcome 1 --overall satisfactory --by Ann")
    assert status == 2 and "grade 'satisfactory' is not one of outstanding" in err
    run(capsys, "schedule focused-visit --la E09000003 --onsite 2025-02-04 --lead Ann --as-of 2025-01-02")
    status, _, err = run(capsys, "outcome 2 --overall good --by Ann")
    assert status == 2 and "only inspections are graded" in err


def test_an_area_for_priority_action_adds_the_draft_and_full_action_plans(store, capsys):
    run(capsys, "schedule focused-visit --la E09000002 --onsite 2025-02-04 --lead Ann --as-of 2025-01-02")
    assert "draft_action_plan" not in milestones(capsys, 1)
    assert run(capsys, "outcome 1 --priority-action --by Ann --note 'help at the front door'")[0] == 0
    got = milestones(capsys, 1)
    assert got["draft_action_plan"]["target"] == "2025-03-25T17:00:00+00:00"
    assert got["action_plan_due"]["target"] == "2025-06-09T17:00:00+01:00"


def test_an_annex_b_request_is_an_la_milestone_until_answered(store, capsys):
    run(capsys, SCHEDULE)
    add = (
        "request add 1 --by Ann --type case-information --what case-file --why line-of-enquiry-3 "
        "--required-by 2025-01-15T12:00 --as-of 2025-01-14T10:00"
    )
    assert run(capsys, add) == (0, "further_information_1\n", "")
    _, out, _ = run(capsys, "due --within 1 --as-of 2025-01-14T11:00 --owner LA --json")
    assert [d["key"] for d in json.loads(out)["items"]] == ["further_information_1"]
    assert (
        run(
            capsys,
            "request answer 1 1 --response sent --by Link --at 2025-01-15T11:00 --as-of 2025-01-15T11:30",
        )[0]
        == 0
    )
    _, out, _ = run(capsys, "request list 1 --json")
    (logged,) = json.loads(out)
    assert (logged["type"], logged["response"], logged["responded_at"]) == (
        "case information",
        "sent",
        "2025-01-15T11:00:00+00:00",
    )
    assert milestones(capsys, 1)["further_information_1"]["status"] == "done"
    run(capsys, "outcome 1 --overall good --by Ann")  # re-planning keeps Annex B milestones as they are
    assert milestones(capsys, 1)["further_information_1"]["status"] == "done"


def test_an_unknown_request_type_is_refused(store, capsys):
    run(capsys, SCHEDULE)
    status, _, err = run(
        capsys, "request add 1 --by Ann --type gossip --what x --why y --required-by 2025-01-15"
    )
    assert status == 2 and "request type 'gossip' is not one of case-information" in err


def test_a_new_closure_day_is_listed_then_applied_once_with_an_audit_entry(store, capsys):
    run(capsys, SCHEDULE)  # draft report due Friday 7 February 2025
    closed = build_england_calendar({day("Thursday 2025-02-06"): "Ofsted closure (test)"})
    with transaction(store) as session:
        found = calendar_changes.review(session, closed)
    changed = {c.key for c in found.changes}
    assert "draft_report_sent" in changed and "notification" not in changed
    draft = next(c for c in found.changes if c.key == "draft_report_sent")
    assert (draft.old_target.date(), draft.new_target.date()) == (
        day("Friday 2025-02-07"),
        day("Monday 2025-02-10"),
    )
    with UnitOfWork(store, calendar=closed) as uow:
        calendar_changes.apply(uow, by="Bea", now=draft.old_target)
    with transaction(store) as session:
        assert calendar_changes.review(session, closed).changes == []
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "calendar")).one()
    assert entry.after["draft_report_sent"]["target"] == "2025-02-10T17:00:00+00:00"


def test_calendar_check_on_an_unchanged_calendar_lists_nothing(store, capsys):
    run(capsys, SCHEDULE)
    status, out, _ = run(capsys, "calendar check --json")
    assert status == 0 and json.loads(out)["changes"] == []


def test_calendar_apply_from_the_command_line_uses_the_configured_closure_days(
    store, capsys, tmp_path, monkeypatch
):
    from calendars.england import england_calendar

    run(capsys, SCHEDULE)
    closures = tmp_path / "closures.toml"
    closures.write_text('[[closure]]\ndate = 2025-02-06\nname = "Ofsted closure (test)"\n', encoding="utf-8")
    monkeypatch.setenv("ILACS_CLOSURES_FILE", str(closures))
    england_calendar.cache_clear()
    try:
        status, out, _ = run(capsys, "calendar check")
        assert status == 0 and "#1 draft_report_sent" in out
        status, out, _ = run(capsys, "calendar apply --by Bea --as-of 2025-01-03")
        assert status == 0 and "open milestones recomputed" in out
        assert milestones(capsys, 1)["draft_report_sent"]["target"] == "2025-02-10T17:00:00+00:00"
        assert "0 open milestones would change" in run(capsys, "calendar check")[1]
    finally:
        monkeypatch.delenv("ILACS_CLOSURES_FILE")
        england_calendar.cache_clear()
