"""The programme from the command line, over the shipped reference data and the store."""

from __future__ import annotations

import json

import pytest

from tests.integration.test_store_commands import run

pytestmark = pytest.mark.slow  # programmes planned years ahead over every LA

PLAN = "programme plan --from 2026-11-23 --years 3"


def four(grade: str) -> str:
    """The April 2026 edition's four judgements, all `grade` (an inspection notified from then on)."""
    return " ".join(
        f"--{area} {grade}"
        for area in ("impact-of-leaders", "help-and-protection", "children-in-care", "care-leavers")
    )


def planned_for(data: dict, code: str) -> list[tuple[str, str]]:
    return [(p["activity_type"], p["onsite"]) for p in data["planned"] if p["la"] == code]


def test_a_three_year_national_plan_from_the_published_judgements_explains_every_activity(store, capsys):
    status, out, _ = run(capsys, f"{PLAN} --json")
    data = json.loads(out)
    assert status == 0 and len({p["la"] for p in data["planned"]}) >= 140
    assert all(p["reasons"][0].startswith("pathway ") for p in data["planned"])
    # Barnet: short inspection, good, fieldwork ended Friday 14 June 2024 -> short inspection by June 2027
    assert planned_for(data, "E09000003")[-1] == ("short-inspection", "2027-06-14")
    assert any("does not say whether it happened" in note for note in data["notes"])


def test_recording_an_outcome_moves_the_la_to_its_new_pathway(store, capsys):
    before = planned_for(json.loads(run(capsys, f"{PLAN} --json")[1]), "E09000003")
    assert [kind for kind, _ in before] == ["short-inspection"]
    run(capsys, "schedule short-inspection --la E09000003 --onsite 2026-12-07 --lead Ann --as-of 2026-11-23")
    run(capsys, f"outcome 1 {four('requires_improvement')} --by Ann --as-of 2026-12-11")
    after = planned_for(json.loads(run(capsys, f"{PLAN} --json")[1]), "E09000003")
    # pathway 2 from Friday 11 December 2026: focused visits about 12 and 24 months on, then a standard
    # inspection at the 3-year anniversary, Monday 11 December 2029 being beyond the 3 years planned
    assert [kind for kind, _ in after] == ["focused-visit", "focused-visit"]
    assert after[0][1] == "2027-12-07"


def test_accepting_registers_the_plan_and_it_is_not_planned_twice(store, capsys):
    status, out, _ = run(capsys, "programme accept --from 2026-11-23 --years 1 --region London --by Bea")
    count = int(out.split()[1])
    assert status == 0 and count > 10
    again = json.loads(run(capsys, "programme plan --from 2026-11-23 --years 1 --region London --json")[1])
    assert again["planned"] == []
    assert run(capsys, "audit verify")[1].startswith(f"audit chain verifies over {count} entries; it holds")


def test_what_if_one_region_has_fewer_inspectors(store, capsys):
    status, out, _ = run(
        capsys, "programme compare --from 2026-11-23 --years 1 --region London --capacity London=4"
    )
    assert status == 0 and " moves from " in out


def test_csv_output_has_a_row_per_activity_with_its_reasons(store, capsys):
    out = run(capsys, "programme plan --from 2026-11-23 --years 1 --region London --csv")[1].splitlines()
    assert out[0] == "la_code,name,region,activity_type,onsite,window_from,window_to,why"
    assert len(out) > 10 and all("pathway" in line for line in out[1:])


def test_bookings_that_are_not_inspections_or_visits_take_no_inspectors(store, capsys):
    run(capsys, "schedule annual-engagement --la E09000003 --onsite 2026-12-10 --lead Ann --as-of 2026-11-23")
    run(
        capsys,
        "schedule action-planning-visit --la E09000004 --onsite 2026-12-10 --lead Ann --as-of 2026-11-23",
    )
    status, out, err = run(capsys, f"{PLAN} --region London --json")
    assert status == 0, err
    assert planned_for(json.loads(out), "E09000003")[-1] == ("short-inspection", "2027-06-14")


@pytest.mark.parametrize(
    ("grade", "expected"),
    [
        # each from a short inspection on site Monday 7 December 2026, fieldwork ending Friday 11 December,
        # under the April 2026 edition: the four judgements all given the grade
        ("outstanding", ["focused-visit"]),  # pathway 1: a focused visit at 18 months (June 2028)
        ("requires_improvement", ["focused-visit", "focused-visit"]),  # pathway 2: at 12 and 24 months
        # pathway 3 [003 ¶128]: final report Monday 11 January 2027 (E + 18 working days over Christmas),
        # action plan Wednesday 21 April 2027 (+ 70, Easter included), first visit by 21 July 2027;
        # 586 days from 21 June 2027 to the re-inspection's ideal 27 January 2029: five visits. The
        # action planning visit is a milestone of the stored inspection, so not planned again.
        ("inadequate", ["monitoring-visit"] * 5 + ["standard-inspection"]),
    ],
)
def test_each_outcome_moves_the_la_to_its_pathway(store, capsys, grade, expected):
    run(capsys, "schedule short-inspection --la E09000003 --onsite 2026-12-07 --lead Ann --as-of 2026-11-23")
    run(capsys, f"outcome 1 {four(grade)} --by Ann --as-of 2026-12-11")
    after = planned_for(json.loads(run(capsys, f"{PLAN} --json")[1]), "E09000003")
    assert [kind for kind, _ in after] == expected


def test_accepting_a_first_monitoring_visit_registers_it_as_the_first_of_its_series(store):
    from datetime import date, datetime

    from calendars import LONDON, england_calendar
    from models.programme import Planned, Programme
    from models.records import Activity
    from services.reports import programme
    from services.store.database import transaction

    visit = Planned(
        "E09000003",
        "Barnet",
        "London",
        "monitoring-visit",
        date(2027, 3, 9),
        (date(2027, 2, 9), date(2027, 4, 9)),
        ["pathway 3"],
        ("first_of_series",),
    )
    with transaction(store) as session:
        now = datetime(2026, 12, 1, tzinfo=LONDON)
        plan = Programme([visit], [], [])
        (activity_id,) = programme.accept(session, plan, actor="Bea", now=now, calendar=england_calendar())
        assert session.get(Activity, activity_id).flags == ["first_of_series"]


def test_the_plan_takes_the_action_plan_deadline_the_store_re_based(store, capsys):
    """One source of truth: the final report of a short inspection judged inadequate (E Friday
    11 December 2026) is received on Wednesday 6 January 2027, three working days before its target
    (Monday 11 January). The action plan is due 70 working days after receipt: 14 weeks to Wednesday
    14 April, plus Good Friday and Easter Monday, Friday 16 April 2027; the first visit by Friday
    16 July 2027. The plan says so, not the 21 April the rules alone give."""
    run(capsys, "schedule short-inspection --la E09000003 --onsite 2026-12-07 --lead Ann --as-of 2026-11-23")
    run(capsys, f"outcome 1 {four('inadequate')} --by Ann --as-of 2026-12-11")
    status, _, err = run(
        capsys, "done 1 final_report_sent --at 2027-01-06T15:00 --by Ann --as-of 2027-01-06T16:00"
    )
    assert status == 0, err
    data = json.loads(run(capsys, f"{PLAN} --json")[1])
    first = next(p for p in data["planned"] if p["la"] == "E09000003")
    assert "action plan due 2027-04-16, first visit no later than 2027-07-16" in first["reasons"][0]


def test_inspections_under_the_april_2026_edition_are_planned_from_their_four_judgements(store, capsys):
    """Liverpool: inadequate in March 2023, re-inspected 11-22 May 2026 under the edition without an
    overall grade (leaders good, help and protection good, children in care good, care leavers
    requires improvement): pathway 1, so a focused visit about 18 months on and a short inspection
    around the third anniversary, 22 May 2029 - not a re-inspection in March 2027. Trafford (leaders
    and help and protection inadequate, June 2026) is pathway 3: monitoring visits."""
    data = json.loads(run(capsys, f"{PLAN} --json")[1])
    liverpool = [p for p in data["planned"] if p["la"] == "E08000012"]
    assert [p["activity_type"] for p in liverpool] == ["focused-visit", "short-inspection"]
    assert liverpool[1]["onsite"].startswith("2029-")
    assert (
        "pathway 1" in liverpool[0]["reasons"][0]
        and "care leavers requires improvement" in liverpool[0]["reasons"][0]
    )
    trafford = [p["activity_type"] for p in data["planned"] if p["la"] == "E08000009"]
    assert trafford[0] == "monitoring-visit" and trafford[-1] == "standard-inspection"


def test_an_outcome_under_the_april_2026_edition_records_its_four_judgements_and_plans_from_them(
    store, capsys
):
    """A short inspection notified after 1 April 2026 is judged by the 2026-04 edition: no overall grade
    (refused, naming the edition's judgements), care leavers recorded; inadequate for help and
    protection brings the section 2.5 milestones (pathway 3) and the programme's monitoring visits."""
    run(capsys, "schedule short-inspection --la E09000003 --onsite 2026-12-07 --lead Ann --as-of 2026-11-23")
    status, _, err = run(capsys, "outcome 1 --overall good --by Ann --as-of 2026-12-11")
    assert status == 2
    assert err.startswith("ilacs: error: 'overall_effectiveness' is not a judgement of edition 2026-04: ")
    mixed = four("good").replace("--help-and-protection good", "--help-and-protection inadequate")
    status, _, err = run(capsys, f"outcome 1 {mixed} --by Ann --as-of 2026-12-11")
    assert status == 0, err
    shown = json.loads(run(capsys, "show 1 --json")[1])
    assert "action_plan_due" in {m["key"] for m in shown["milestones"] if m["status"] != "withdrawn"}
    after = planned_for(json.loads(run(capsys, f"{PLAN} --json")[1]), "E09000003")
    assert [kind for kind, _ in after] == ["monitoring-visit"] * 5 + ["standard-inspection"]


def test_accepting_an_action_planning_visit_that_would_fall_in_august_registers_it_moved(store, capsys):
    """Report received Monday 7 July 2025: 30 working days on is Monday 18 August; the visit is moved to
    Monday 1 September (9 working days later, against 12 back to Thursday 31 July), 10:00 BST, so
    `programme accept` registers it instead of refusing a visit in August [003 ¶14, ¶116]."""
    from datetime import date, datetime

    from calendars import LONDON, england_calendar
    from models.programme import Planned, Programme
    from services.reports import programme
    from services.store.database import transaction
    from services.tracking.lifecycle import milestones

    apv = Planned(
        "E09000003",
        "Barnet",
        "London",
        "action-planning-visit",
        date(2025, 7, 7),
        (date(2025, 7, 7), date(2025, 7, 7)),
        ["pathway 3"],
    )
    with transaction(store) as session:
        now = datetime(2025, 6, 30, tzinfo=LONDON)
        (activity_id,) = programme.accept(
            session, Programme([apv], [], []), actor="Bea", now=now, calendar=england_calendar()
        )
        visit = next(m for m in milestones(session, activity_id) if m.key == "action_planning_visit")
        assert visit.target.astimezone(LONDON).strftime("%Y-%m-%d %H:%M %Z") == "2025-09-01 10:00 BST"
