"""The seasons the programme avoids [003 ¶14], for every activity type and over the lead-up days.

¶14: "Inspections will not usually begin over the Christmas and New Year period. The only activities
that might take place in August would be planned monitoring visits and focused visits by agreement or
if concerns arise." Each date below is counted by hand, weekday included.
"""

from __future__ import annotations

import pytest

from models.checks import onsite_warnings
from models.templates import shipped_editions
from models.timeline import plan, template_in_force
from tests.helpers import day

PERIODS = {name: period for name, (period, _) in shipped_editions()[0].periods.items()}


def season_warnings(
    calendar, activity_type: str, onsite: str, flags: frozenset[str] = frozenset()
) -> list[str]:
    template = template_in_force(activity_type, day(onsite), calendar=calendar)
    return [w for w in onsite_warnings(template, day(onsite), calendar, flags) if "period" in w]


@pytest.mark.parametrize(
    ("activity_type", "onsite", "expected"),
    [
        # Winter: on site Monday 12 January 2026, notified Monday 5 January (D - 5), the last day of
        # Christmas and New Year (18 December - 5 January): the inspection begins in the period.
        (
            "standard-inspection",
            "Monday 2026-01-12",
            "2026-01-05 (Notification call to the DCS) falls in the Christmas",
        ),
        (
            "short-inspection",
            "Monday 2027-01-11",
            "2027-01-04 (Notification call to the DCS) falls in the Christmas",
        ),
        # Summer: on site Monday 1 September 2025; 25 August is the summer bank holiday, so D - 5 is
        # Friday 22 August: notification and the returns fall in August.
        (
            "standard-inspection",
            "Monday 2025-09-01",
            "2025-08-22 (Notification call to the DCS) falls in the August",
        ),
        # A focused visit on Tuesday 2 September 2025 is notified on Tuesday 26 August (D - 5).
        (
            "focused-visit",
            "Tuesday 2025-09-02",
            "2025-08-26 (Notification call to the DCS) falls in the August",
        ),
        # The annual engagement meeting on Tuesday 12 August 2025.
        (
            "annual-engagement",
            "Tuesday 2025-08-12",
            "2025-08-12 (Annual engagement meeting) falls in the August",
        ),
    ],
)
def test_an_activity_that_begins_or_takes_place_in_a_closed_season_is_warned(
    calendar, activity_type, onsite, expected
):
    warnings = season_warnings(calendar, activity_type, onsite)
    assert len(warnings) == 1 and warnings[0].startswith(expected), warnings


@pytest.mark.parametrize(
    ("activity_type", "onsite", "flags"),
    [
        # Planned monitoring visits may take place in August, notification included (Tuesday 12 August
        # 2025, data requested Tuesday 29 July).
        ("monitoring-visit", "Tuesday 2025-08-12", frozenset()),
        # Focused visits by agreement or if concerns arise.
        ("focused-visit", "Tuesday 2025-09-02", frozenset({"by_agreement"})),
        ("focused-visit", "Tuesday 2025-08-12", frozenset({"concerns"})),
        # ¶14's Christmas rule is about inspections; ¶16 says "inspections or visits" when it means
        # both, so visits and meetings over Christmas are not warned: a focused visit on Tuesday
        # 6 January 2026 notified on Monday 22 December 2025, an action planning visit on Monday
        # 22 December 2025 (report received Monday 10 November), an annual engagement meeting on
        # Monday 22 December 2025.
        ("focused-visit", "Tuesday 2026-01-06", frozenset()),
        ("action-planning-visit", "Monday 2025-11-10", frozenset()),
        ("annual-engagement", "Monday 2025-12-22", frozenset()),
        # An inspection notified on Tuesday 6 January 2026, the day after the period, begins after it
        # (on site Tuesday 13 January: D - 5 is Tuesday 6 January).
        ("standard-inspection", "Tuesday 2026-01-13", frozenset()),
        # Fieldwork that began before the period may run into it: it did not begin there (on site
        # Monday 8 December 2025, notified Monday 1 December, E Friday 19 December).
        ("standard-inspection", "Monday 2025-12-08", frozenset()),
    ],
)
def test_what_the_framework_allows_in_a_season_is_not_warned(calendar, activity_type, onsite, flags):
    assert season_warnings(calendar, activity_type, onsite, flags) == []


def test_christmas_and_new_year_period_wraps_over_the_year_end():
    christmas = PERIODS["christmas_new_year"]
    inside = ["Thursday 2025-12-18", "Wednesday 2025-12-31", "Thursday 2026-01-01", "Monday 2026-01-05"]
    outside = ["Wednesday 2025-12-17", "Tuesday 2026-01-06"]
    assert all(christmas.contains(day(d)) for d in inside)
    assert not any(christmas.contains(day(d)) for d in outside)


def test_august_period_is_the_whole_month():
    august = PERIODS["august"]
    assert august.contains(day("Friday 2025-08-01")) and august.contains(day("Sunday 2025-08-31"))
    assert not august.contains(day("Thursday 2025-07-31")) and not august.contains(day("Monday 2025-09-01"))


@pytest.mark.parametrize(
    ("received", "visit", "agenda"),
    [
        # Report received Monday 7 July 2025: 30 working days later is Monday 18 August (18 working
        # days left in July, then 1, 5, 5 and 1 in August). The last working day before August,
        # Thursday 31 July, is 12 working days earlier; the first after it, Monday 1 September (25 August
        # is the summer bank holiday), 9 later (19-22, 26-29 August, 1 September): 1 September. The
        # agenda goes out 5 working days before, Friday 22 August.
        ("Monday 2025-07-07", "Monday 2025-09-01", "Friday 2025-08-22"),
        # Report received Monday 23 June 2025: 30 working days later is Monday 4 August (5 in June,
        # 23 in July, 1 and 4 August). Thursday 31 July is 2 working days earlier, Monday 1 September 19
        # later: 31 July, its agenda Thursday 24 July.
        ("Monday 2025-06-23", "Thursday 2025-07-31", "Thursday 2025-07-24"),
        # Winter: ¶14's Christmas rule binds inspections only, so a visit on Monday 22 December 2025
        # (report received Monday 10 November) stays, its agenda Monday 15 December.
        ("Monday 2025-11-10", "Monday 2025-12-22", "Monday 2025-12-15"),
    ],
)
def test_the_action_planning_visit_is_moved_out_of_august_to_the_nearest_working_day(
    calendar, received, visit, agenda
):
    """003 ¶116: about 30 working days after the report; ¶14: not in August. The visit's day follows
    from the report, so it is moved rather than refused, and the activity draws no season warning."""
    template = template_in_force("action-planning-visit", day(received), calendar=calendar)
    timeline = plan(template, day(received), calendar=calendar)
    assert timeline["action_planning_visit"].target.date() == day(visit)
    assert timeline["action_planning_visit"].target.strftime("%H:%M %Z") == (
        "10:00 GMT" if day(visit).month == 12 else "10:00 BST"
    )
    assert timeline["apv_agenda_circulated"].target.date() == day(agenda)
    assert season_warnings(calendar, "action-planning-visit", received) == []


def test_the_action_plan_deadline_still_counts_from_the_report_not_the_moved_visit(calendar):
    """Report received Monday 7 July 2025: the action plan is due 70 working days later, Tuesday
    14 October 2025 (18 in July, 20 in August less the bank holiday, 22 in September, then 1-3, 6-10
    and 13-14 October)."""
    template = template_in_force("action-planning-visit", day("Monday 2025-07-07"), calendar=calendar)
    timeline = plan(template, day("Monday 2025-07-07"), calendar=calendar)
    assert timeline["action_plan_due"].target.date() == day("Tuesday 2025-10-14")
