"""The demonstration picks dates a planner would: usual weekday, no holiday in fieldwork, no Christmas."""

from __future__ import annotations

import pytest

from flows.demo import LEAD_WORKING_DAYS, first_usual_day
from models.checks import onsite_warnings
from models.templates import activity_types
from models.timeline import template_in_force
from tests.helpers import day


@pytest.mark.parametrize("activity_type", activity_types())
def test_the_demo_start_draws_no_warning_even_before_christmas(calendar, activity_type):
    as_of = day("Monday 2026-11-23")
    template = template_in_force(activity_type, as_of, calendar=calendar)
    onsite = first_usual_day(template, as_of)
    assert onsite_warnings(template, onsite, calendar) == []
    assert calendar.working_days_between(as_of, onsite) >= LEAD_WORKING_DAYS


def test_a_standard_inspection_is_not_started_where_its_fieldwork_would_cross_christmas(calendar):
    template = template_in_force("standard-inspection", day("Monday 2026-11-23"), calendar=calendar)
    onsite = first_usual_day(template, day("Monday 2026-11-23"))
    # 14 Dec spans Christmas; 4 Jan is inside the period; 11 Jan is notified on 4 Jan, inside it too
    assert onsite == day("Monday 2027-01-18")
