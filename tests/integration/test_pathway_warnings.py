"""Registering an activity the LA's published pathway does not hold [003 ¶13-23] warns, naming the rule
and the judgement it reads; the activity is registered all the same. Latest judgements from the shipped
reference data (models/reference_data): Camden outstanding (short inspection ended Friday 7 March
2025), Harrow inadequate (short, Friday 24 January 2025), Havering inadequate (standard, Friday 22
December 2023), Trafford under the post-reform edition (standard, Friday 19 June 2026: impact of
leaders and help and protection inadequate)."""

from __future__ import annotations

import re
import shlex

from sqlmodel import select

from interfaces.cli import main
from models.records import AuditEntry
from services.store.database import transaction

RULE = "(framework paragraphs 13-23; pathway_activities, models/programme.toml)"
PATHWAY_1 = "pathway 1 holds short inspection, focused visit, annual engagement"
PATHWAY_3 = "pathway 3 holds action planning visit, monitoring visit, standard inspection, annual engagement"


def run(capsys, command: str) -> tuple[int, str, str]:
    status = main(shlex.split(command))
    out, err = capsys.readouterr()
    return status, out, err


def test_a_monitoring_visit_at_an_outstanding_la_warns_and_is_registered(store, capsys):
    """Tuesday 3 February 2026 at Camden, whose latest judgement is outstanding: pathway 1."""
    status, out, err = run(
        capsys, "schedule monitoring-visit --la E09000007 --lead Ann --as-of 2026-01-05 --onsite 2026-02-03"
    )
    assert (status, out) == (0, "1\n")
    warning = (
        "a monitoring visit is not in Camden's pathway 1: its latest short inspection (fieldwork ended "
        f"2025-03-07) judged outstanding for overall effectiveness; {PATHWAY_1} {RULE}"
    )
    assert err == f"ilacs: warning: {warning}\n"
    with transaction(store) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "schedule")).one()
    assert entry.after["warnings"] == [warning]


def test_a_standard_inspection_at_an_outstanding_la_warns_as_it_needs_concerns(store, capsys):
    """Kensington and Chelsea, outstanding at its short inspection ended Friday 15 November 2024: a
    standard inspection on Monday 2 February 2026 is pathway 1's only with concerns [003 ¶19]."""
    status, _, err = run(
        capsys,
        "schedule standard-inspection --la E09000020 --lead Ann --as-of 2026-01-05 --onsite 2026-02-02",
    )
    assert status == 0
    assert err == (
        "ilacs: warning: a standard inspection is not in Kensington and Chelsea's pathway 1: its latest "
        "short inspection (fieldwork ended 2024-11-15) judged outstanding for overall effectiveness; "
        f"{PATHWAY_1} {RULE}\n"
    )


def test_a_short_inspection_at_an_inadequate_la_warns_a_monitoring_visit_does_not(store, capsys):
    """Havering and Harrow are inadequate (pathway 3): a short inspection on Monday 2 February 2026
    contradicts it; monitoring visits on Tuesday 3 February 2026 fit it."""
    status, _, err = run(
        capsys, "schedule short-inspection --la E09000016 --lead Ann --as-of 2026-01-05 --onsite 2026-02-02"
    )
    assert status == 0
    assert err == (
        "ilacs: warning: a short inspection is not in Havering's pathway 3: its latest standard "
        f"inspection (fieldwork ended 2023-12-22) judged inadequate for overall effectiveness; {PATHWAY_3} "
        f"{RULE}\n"
    )
    for la in ("E09000016", "E09000015"):
        visit = f"schedule monitoring-visit --la {la} --lead Ann --as-of 2026-01-05 --onsite 2026-05-05"
        assert run(capsys, visit)[::2] == (0, "")


def test_the_post_reform_judgements_are_named_by_their_edition(store, capsys):
    """Trafford, re-inspected under the April 2026 edition (fieldwork ended Friday 19 June 2026) with
    two judgements inadequate: pathway 3 by the edition's mapping, so a short inspection on Monday
    5 October 2026 warns, naming the four judgements; a monitoring visit on Tuesday 2 February 2027 fits."""
    status, _, err = run(
        capsys, "schedule short-inspection --la E08000009 --lead Ann --as-of 2026-07-01 --onsite 2026-10-05"
    )
    assert status == 0
    assert err == (
        "ilacs: warning: a short inspection is not in Trafford's pathway 3: its latest standard "
        "inspection (fieldwork ended 2026-06-19) judged inadequate for the impact of leaders on practice "
        "with children and families; inadequate for the experiences and progress of children who need "
        "help and protection; good for the experiences and progress of children in care; requires "
        f"improvement for the experiences and progress of care leavers; {PATHWAY_3} {RULE}\n"
    )
    visit = "schedule monitoring-visit --la E08000009 --lead Ann --as-of 2026-07-01 --onsite 2027-02-02"
    assert run(capsys, visit)[::2] == (0, "")


def test_an_outcome_recorded_in_the_store_moves_the_pathway(store, capsys):
    """Camden judged inadequate at a standard inspection on site Monday 2 February 2026 (fieldwork to
    Friday 13 February): a monitoring visit on Tuesday 2 June 2026 then fits its pathway 3."""
    inspection = (
        "schedule standard-inspection --la E09000007 --lead Ann --as-of 2026-01-05 --onsite 2026-02-02"
    )
    assert run(capsys, inspection)[0] == 0  # warned: a standard inspection at an outstanding LA
    assert run(capsys, "outcome 1 --overall inadequate --by Ann --as-of 2026-03-20")[0] == 0
    visit = "schedule monitoring-visit --la E09000007 --lead Ann --as-of 2026-05-01 --onsite 2026-06-02"
    assert run(capsys, visit)[::2] == (0, "")


def test_the_register_page_shows_the_warning_as_warning_text_not_an_error(
    staff_and_inspection, database_url, monkeypatch
):
    """A monitoring visit at Barnet (good at its short inspection ended Friday 14 June 2024: pathway
    1) on Tuesday 7 October 2025: the preview warns, and the dates shown can still be registered."""
    from fastapi.testclient import TestClient

    from interfaces.web.app import create_app
    from tests.dashboard import sign_in

    monkeypatch.setenv("ILACS_SECRET_KEY", "test-secret-key-for-the-dashboard-tests")
    form = {"type": "monitoring-visit", "la": "E09000003", "lead": "Ann Lead"}
    form |= {"onsite-day": "7", "onsite-month": "10", "onsite-year": "2025"}
    with TestClient(create_app(database_url=database_url, loopback=True)) as site:
        form["csrf_token"] = sign_in(site, "bea")
        preview = site.post("/activities/new", data=form)
        assert preview.status_code == 200 and "govuk-error-summary" not in preview.text
        warning = preview.text.split('<strong class="govuk-warning-text__text">')[1].split("</strong>")[0]
        assert "A monitoring visit is not in Barnet&#39;s pathway 1" in warning
        assert "judged good for overall effectiveness" in warning
        form["confirm"] = re.search(r'name="confirm" value="([^"]+)"', preview.text).group(1)
        assert site.post("/activities/new", data=form, follow_redirects=False).status_code == 303
    with transaction(staff_and_inspection) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "schedule")).all()[-1]
    assert entry.after["type"] == "monitoring-visit" and "Barnet's pathway 1" in entry.after["warnings"][0]


FOCUSED_VISIT_SINCE = (
    "Camden had a focused visit (fieldwork ended 2026-02-04) since its last annual engagement meeting: "
    "give the flag after_focused_visit so that the updated action plan is asked for with the "
    "self-evaluation (framework paragraph 228)"
)


def test_an_annual_engagement_after_a_focused_visit_asks_for_the_updated_action_plan_flag(store, capsys):
    """Camden: a focused visit on site Tuesday 3 February 2026 (to Wednesday 4 February, winter), then
    an annual engagement meeting on Tuesday 2 June 2026 (summer): ¶228's updated action plan is due
    with its self-evaluation, so registering the meeting without the flag warns; with it, no warning."""
    visit = "schedule focused-visit --la E09000007 --lead Ann --as-of 2026-01-05 --onsite 2026-02-03"
    assert run(capsys, visit)[::2] == (0, "")
    meeting = "schedule annual-engagement --la E09000007 --lead Ann --as-of 2026-05-01 --onsite 2026-06-02"
    status, _, err = run(capsys, meeting)
    assert (status, err) == (0, f"ilacs: warning: {FOCUSED_VISIT_SINCE}\n")
    with transaction(store) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "schedule")).all()[-1]
    assert entry.after["warnings"] == [FOCUSED_VISIT_SINCE]
    flagged = meeting.replace("2026-06-02", "2026-06-09") + " --flag after_focused_visit"
    assert run(capsys, flagged)[::2] == (0, "")


def test_a_focused_visit_before_the_last_annual_engagement_asks_for_nothing(store, capsys):
    """The focused visit of Tuesday 3 February 2026 was followed by a meeting on Tuesday 3 March 2026:
    the next meeting, Tuesday 2 March 2027, comes after no focused visit; a cancelled focused visit
    counts for nothing either."""
    assert (
        run(
            capsys, "schedule focused-visit --la E09000007 --lead Ann --as-of 2026-01-05 --onsite 2026-02-03"
        )[0]
        == 0
    )
    first = "schedule annual-engagement --la E09000007 --lead Ann --as-of 2026-02-05 --onsite 2026-03-03"
    first += " --flag after_focused_visit"
    assert run(capsys, first)[::2] == (0, "")
    cancelled = "schedule focused-visit --la E09000007 --lead Ann --as-of 2026-06-01 --onsite 2026-10-06"
    assert run(capsys, cancelled)[0] == 0
    assert run(capsys, "cancel 3 --reason 'the LA asked' --by Bea --as-of 2026-06-02")[0] == 0
    second = "schedule annual-engagement --la E09000007 --lead Ann --as-of 2026-11-02 --onsite 2027-03-02"
    assert run(capsys, second)[::2] == (0, "")


def test_a_focused_visit_with_an_area_for_priority_action_asks_for_its_own_action_plan(store, capsys):
    """¶229: a focused visit (Tuesday 3 February 2026) that found an area for priority action has its
    own action plan deadlines, so the meeting of Tuesday 2 June 2026 is not warned of ¶228's flag."""
    visit = "schedule focused-visit --la E09000007 --lead Ann --as-of 2026-01-05 --onsite 2026-02-03"
    assert run(capsys, visit)[0] == 0
    assert run(capsys, "outcome 1 --priority-action --by Ann --as-of 2026-02-20")[0] == 0
    meeting = "schedule annual-engagement --la E09000007 --lead Ann --as-of 2026-05-01 --onsite 2026-06-02"
    assert run(capsys, meeting)[::2] == (0, "")


def test_the_register_page_warns_of_the_flag_until_it_is_given(
    staff_and_inspection, database_url, monkeypatch
):
    """Barnet's focused visit on Tuesday 7 October 2025 (to Wednesday 8 October), then an annual
    engagement meeting on Tuesday 3 March 2026 previewed on the dashboard: the ¶228 warning, gone once
    the flag is typed in."""
    from datetime import date

    from fastapi.testclient import TestClient

    from interfaces.web.app import create_app
    from tests.dashboard import add_activity, sign_in

    add_activity(staff_and_inspection, "focused-visit", "E09000003", date(2025, 10, 7))
    monkeypatch.setenv("ILACS_SECRET_KEY", "test-secret-key-for-the-dashboard-tests")
    form = {"type": "annual-engagement", "la": "E09000003", "lead": "Ann Lead"}
    form |= {"onsite-day": "3", "onsite-month": "3", "onsite-year": "2026"}
    with TestClient(create_app(database_url=database_url, loopback=True)) as site:
        form["csrf_token"] = sign_in(site, "bea")
        warned = site.post("/activities/new", data=form)
        flagged = site.post("/activities/new", data=form | {"flags": "after_focused_visit"})
    assert warned.status_code == flagged.status_code == 200
    assert "Barnet had a focused visit (fieldwork ended 2025-10-08)" in warned.text
    assert "focused visit (fieldwork ended" not in flagged.text
    assert "Updated action plan shared with the self-evaluation" in flagged.text
