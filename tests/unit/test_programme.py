"""The national programme (spec section 4): pathways, constraints and infeasible demands. Dates are
worked out by hand from the rules in models/programme.toml."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from calendars import england_calendar
from models.programme import Booking, LocalAuthorityState, compare, load_rules, plan_programme
from tests.helpers import day

RULES = load_rules()


def la(
    code="E09000002",
    *,
    grade="good",
    last="Friday 2023-09-15",
    kind="short-inspection",
    region="London",
    **kw,
):
    return LocalAuthorityState(
        code=code, name=f"LA {code}", region=region, last_type=kind, last_end=day(last), grade=grade, **kw
    )


def plan(states, start="Monday 2026-01-05", years=3, rules=RULES, **kw):
    first = day(start)
    return plan_programme(
        states,
        start=first,
        end=date(first.year + years, first.month, first.day),
        rules=rules,
        calendar=england_calendar(),
        **kw,
    )


def dated(programme) -> list[tuple[str, str, date]]:
    return [(p.code, p.activity_type, p.onsite) for p in programme.planned]


def test_pathway_1_a_short_inspection_at_the_three_year_anniversary():
    result = plan([la()])
    assert dated(result) == [("E09000002", "short-inspection", day("Monday 2026-09-14"))]
    assert (
        "pathway 1" in result.planned[0].reasons[0]
        and "anniversary 2026-09-15" in result.planned[0].reasons[0]
    )
    (note,) = result.notes  # its focused visit fell due in 2025, before the plan starts
    assert "focused visit was due by 2025-06-07" in note and "does not say whether it happened" in note


def test_pathway_1_with_significant_deterioration_is_a_standard_inspection():
    result = plan([la(deteriorating=True)])
    assert dated(result) == [("E09000002", "standard-inspection", day("Monday 2026-09-14"))]
    assert "(framework paragraph 19)" in result.planned[0].reasons[0]


def test_pathway_2_two_focused_visits_then_a_standard_inspection():
    result = plan(
        [la(grade="requires_improvement", last="Friday 2025-01-24", kind="standard-inspection")],
        start="Monday 2025-02-03",
    )
    assert dated(result) == [
        ("E09000002", "focused-visit", day("Tuesday 2026-01-20")),  # 12 months: Saturday 24 January's week
        ("E09000002", "focused-visit", day("Tuesday 2027-01-19")),  # 24 months
        ("E09000002", "standard-inspection", day("Monday 2028-01-24")),  # the anniversary
    ]


def test_pathway_3_monitoring_visits_until_re_inspection_no_gap_over_about_four_months():
    """003 ¶128: the first visit within three months of the action plan deadline, "three or four" a
    year, "between four and six" before re-inspection; 002: re-inspection within 24 months of the
    action plan. E = Friday 24 January 2025; final report 18 working days later, Wednesday 19 February;
    the action plan 70 working days after that, Tuesday 3 June 2025; the first visit by Wednesday
    3 September; re-inspection by Thursday 3 June 2027, ideally 12 weeks before (Thursday 11 March).
    From the first visit's ideal day (Sunday 3 August 2025, a month before its deadline) to 11 March
    2027 is 585 days, 4.8 spans of four months: five visits 117 days apart (3 August, 28 November,
    25 March, 20 July, 14 November), each on the Tuesday of its week."""
    result = plan(
        [la(grade="inadequate", last="Friday 2025-01-24", kind="standard-inspection")],
        start="Monday 2025-02-03",
    )
    assert dated(result) == [
        ("E09000002", "action-planning-visit", day("Wednesday 2025-02-19")),
        ("E09000002", "monitoring-visit", day("Tuesday 2025-07-29")),
        ("E09000002", "monitoring-visit", day("Tuesday 2025-11-25")),
        ("E09000002", "monitoring-visit", day("Tuesday 2026-03-24")),
        ("E09000002", "monitoring-visit", day("Tuesday 2026-07-21")),
        ("E09000002", "monitoring-visit", day("Tuesday 2026-11-10")),
        ("E09000002", "standard-inspection", day("Monday 2027-03-08")),
    ]
    assert result.planned[1].flags == ("first_of_series",) and result.planned[2].flags == ()
    assert "monitoring visit 1 of 5; action plan due 2025-06-03" in result.planned[1].reasons[0]
    assert "first visit no later than 2025-09-03" in result.planned[1].reasons[0]


def test_pathway_3_takes_the_action_plan_and_first_visit_dates_from_the_store_when_it_has_them():
    """The store re-based the action plan on a final report received early: Tuesday 27 May 2025, the
    first visit by Wednesday 27 August. The first visit's ideal day is then Sunday 27 July (Tuesday
    22 July's week); re-inspection by Thursday 27 May 2027, ideally 12 weeks before (Thursday 4 March)."""
    state = la(grade="inadequate", last="Friday 2025-01-24", kind="standard-inspection")
    rebased = replace(
        state, action_plan_due=day("Tuesday 2025-05-27"), first_visit_by=day("Wednesday 2025-08-27")
    )
    result = plan([rebased], start="Monday 2025-02-03")
    visits = [p for p in result.planned if p.activity_type != "action-planning-visit"]
    assert (visits[0].activity_type, visits[0].onsite) == ("monitoring-visit", day("Tuesday 2025-07-22"))
    assert (visits[-1].activity_type, visits[-1].onsite) == ("standard-inspection", day("Monday 2027-03-01"))
    assert "action plan due 2025-05-27, first visit no later than 2025-08-27" in visits[0].reasons[0]


def test_pathway_3_plans_the_action_planning_visit_of_a_recent_inadequate_inspection():
    """003 ¶116-118: about 30 working days after the final report. E = Friday 24 January 2025, final
    report Wednesday 19 February (its day is the action planning visit's D), the visit Wednesday 2 April
    2025 (30 working days: 8 in February, 21 in March, 1 in April)."""
    result = plan(
        [la(grade="inadequate", last="Friday 2025-01-24", kind="standard-inspection")],
        start="Monday 2025-02-03",
    )
    (apv,) = [p for p in result.planned if p.activity_type == "action-planning-visit"]
    assert apv.onsite == day("Wednesday 2025-02-19")
    assert "action planning visit on 2025-04-02" in apv.reasons[0]


def test_an_action_planning_visit_that_would_fall_in_august_is_moved_out_of_it_and_the_plan_says_so():
    """003 ¶116 and ¶14. E = Friday 13 June 2025; the final report 18 working days later, Wednesday
    9 July; 30 working days after that is Wednesday 20 August (2 in July's second week, then 5, 5, 4,
    1 to 1 August, 5, 5 and 3). Thursday 31 July is 14 working days earlier, Monday 1 September (25
    August is the summer bank holiday) 7 later: the visit is on 1 September."""
    result = plan(
        [la(grade="inadequate", last="Friday 2025-06-13", kind="standard-inspection")],
        start="Monday 2025-06-16",
    )
    (apv,) = [p for p in result.planned if p.activity_type == "action-planning-visit"]
    assert apv.onsite == day("Wednesday 2025-07-09")
    assert "action planning visit on 2025-09-01" in apv.reasons[0]
    assert "moved out of August from 2025-08-20 (framework paragraph 14)" in apv.reasons[0]


@pytest.mark.parametrize(
    ("last", "onsite"),
    [
        # Winter: anniversary Monday 11 January 2027, notified Monday 4 January, inside Christmas and
        # New Year (18 December - 5 January): a week later, notified Monday 11 January.
        ("Thursday 2024-01-11", "Monday 2027-01-18"),
        # Summer: anniversary Monday 7 September 2026; Monday 31 August is the summer bank holiday, so
        # D - 5 is Friday 28 August: a week later, notified Monday 7 September.
        ("Thursday 2023-09-07", "Monday 2026-09-14"),
    ],
)
def test_the_programme_avoids_seasons_over_the_lead_up_days_as_the_edition_says(last, onsite):
    result = plan([la(last=last)])
    assert dated(result) == [("E09000002", "short-inspection", day(onsite))]
    assert "(Notification call to the DCS) falls in the" in result.planned[0].reasons[1]


def test_august_is_left_to_monitoring_visits():
    result = plan([la(last="Friday 2023-08-11")])  # anniversary Tuesday 11 August 2026
    assert dated(result) == [("E09000002", "short-inspection", day("Monday 2026-07-27"))]
    assert "August" in result.planned[0].reasons[1]


def test_inspector_capacity_per_region_per_week_moves_the_second_inspection():
    rules = load_rules(inspectors_per_region=4)  # one team of four a week
    result = plan([la("E09000002"), la("E09000003")], rules=rules)
    assert dated(result) == [
        ("E09000002", "short-inspection", day("Monday 2026-09-14")),
        ("E09000003", "short-inspection", day("Monday 2026-09-21")),
    ]
    assert (
        "London has no 4 inspectors free in the week of 2026-09-14 (capacity 4)"
        in result.planned[1].reasons[1]
    )
    other_region = plan([la("E09000002"), la("E06000001", region="North West")], rules=rules)
    assert {p.onsite for p in other_region.planned} == {day("Monday 2026-09-14")}


def test_no_ilacs_activity_within_four_weeks_of_an_la_send_inspection():
    send = {"E09000002": [(day("Monday 2026-09-14"), day("Friday 2026-09-18"))]}
    result = plan([la()], send_inspections=send)
    assert dated(result) == [("E09000002", "short-inspection", day("Monday 2026-10-19"))]  # 5 weeks on
    assert "LA SEND inspection" in result.planned[0].reasons[1]


def test_two_ilacs_activities_at_one_la_are_kept_apart():
    booking = Booking("E09000002", "London", "focused-visit", day("Tuesday 2026-08-18"))  # 4 weeks before
    result = plan([la()], bookings=[booking])
    assert dated(result) == [("E09000002", "short-inspection", day("Monday 2026-11-09"))]  # 12 weeks after
    assert "within 12 weeks of another ILACS activity" in result.planned[0].reasons[1]


def test_more_work_than_capacity_is_reported_not_dropped():
    nobody = plan([la("E09000002"), la("E09000003")], rules=load_rules(inspectors_per_region=0))
    assert nobody.planned == [] and [u.code for u in nobody.unplaced] == ["E09000002", "E09000003"]
    assert "no 4 inspectors free" in nobody.unplaced[0].reason
    # One team a week; the window holds the 53 Mondays from 16 March 2026 to 15 March 2027, less August's
    # 6 (3 to 31 August, and 7 September, notified on Friday 28 August as 31 August is a bank holiday),
    # Christmas's 4 (21 and 28 December, 4 January, and 11 January, notified on 4 January) and 3 bank
    # holidays (6 April, 4 and 25 May): 40.
    crowded = plan([la(f"E0900{n:04d}") for n in range(70)], rules=load_rules(inspectors_per_region=4))
    late = [p for p in crowded.planned if any("OUTSIDE its window" in r for r in p.reasons)]
    assert len(crowded.planned) == 70 and len(late) == 70 - 40


def test_what_if_lists_what_moves():
    states = [la("E09000002"), la("E09000003")]
    baseline, fewer = plan(states), plan(states, rules=load_rules(inspectors_per_region=4))
    assert compare(baseline, fewer) == ["LA E09000003: short-inspection moves from 2026-09-14 to 2026-09-21"]


@pytest.mark.parametrize("count", [150])
def test_planning_every_la_gives_each_one_an_activity(count):
    states = [la(f"E0{n:08d}", last=["Friday 2023-09-15", "Friday 2024-03-15"][n % 2]) for n in range(count)]
    result = plan(states, rules=load_rules(inspectors_per_region=40))
    assert {p.code for p in result.planned} | {u.code for u in result.unplaced} == {s.code for s in states}


def test_at_most_ten_jtais_a_year_the_rest_stay_focused_visits():
    # twelve pathway 1 LAs inspected on Friday 13 December 2024, all chosen for a JTAI: the focused visit
    # due 18 months on (13 June 2026) has a window inside 2026, which holds only ten JTAIs
    states = [la(f"E0900{n:04d}", last="Friday 2024-12-13", jtai=True) for n in range(12)]
    result = plan(states, rules=load_rules(inspectors_per_region=40))
    between = [p for p in result.planned if p.activity_type != "short-inspection"]
    assert [p.activity_type for p in between].count("jtai") == 10
    fallback = [p for p in between if p.activity_type == "focused-visit"]
    assert len(fallback) == 2
    assert all("no JTAI fits its window: the 10 JTAIs of 2026 are taken" in p.reasons[0] for p in fallback)
