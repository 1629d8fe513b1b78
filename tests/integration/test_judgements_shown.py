"""Each inspection's judgements by its edition's labels, on the LA page and /las: a post-reform
inspection (April 2026 edition: four judgements, no overall grade) shows its four, imported from the
reference data with `ilacs import judgements`. Liverpool's re-inspection (fieldwork Monday 11 to
Friday 22 May 2026): impact of leaders good, help and protection good, children in care good, care
leavers requires improvement, which is pathway 1 by the edition's reading (leaders good and two of
the three practice judgements good or better)."""

from __future__ import annotations

import json
import shlex

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from interfaces.cli import main
from models.records import Activity, Judgement, LocalAuthority
from services.store.database import transaction
from tests.dashboard import sign_in

pytestmark = pytest.mark.slow  # sign-ins check argon2 hashes

POST_REFORM = "models/reference_data/post-reform-judgements.csv"
LEADERS = "The impact of leaders on practice with children and families"
CARE_LEAVERS = "The experiences and progress of care leavers"


@pytest.fixture
def site(staff_and_inspection, database_url, monkeypatch):
    from interfaces.web.app import create_app

    monkeypatch.setenv("ILACS_SECRET_KEY", "test-secret-key-for-the-dashboard-tests")
    with TestClient(create_app(database_url=database_url, loopback=True)) as client:
        sign_in(client, "vic")
        yield client


def imported(capsys, path: str) -> str:
    assert main(shlex.split(f"import judgements {path} --as-of 2026-09-01")) == 0
    return capsys.readouterr().out


def test_the_import_records_each_inspection_with_its_four_judgements_once(store, capsys):
    assert imported(capsys, POST_REFORM) == f"imported 11 past activities from {POST_REFORM}\n"
    assert "skipped 11 rows already in the store" in imported(capsys, POST_REFORM)
    with transaction(store) as session:
        liverpool = session.exec(
            select(Activity)
            .join(LocalAuthority, Activity.la_id == LocalAuthority.id)
            .where(LocalAuthority.ons_code == "E08000012")
        ).all()
        assert [(a.activity_type, str(a.onsite), a.edition) for a in liverpool] == [
            ("standard-inspection", "2026-05-11", "2026-04")
        ]
        assert session.exec(select(func.count()).select_from(Judgement)).one() == 44
        grades = {
            j.area: j.grade
            for j in session.exec(select(Judgement).where(Judgement.activity_id == liverpool[0].id))
        }
    assert grades == {
        "impact_of_leaders": "good",
        "help_and_protection": "good",
        "children_in_care": "good",
        "care_leavers": "requires_improvement",
    }


def test_show_gives_the_judgements_in_100_columns_and_by_area_in_json(store, capsys):
    """Brent's short inspection (on site Monday 27 April 2026), the file's first row: activity 1."""
    imported(capsys, POST_REFORM)
    assert main(["show", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == [
        "#1 short-inspection at Brent (E09000005, London)",
        "on site Monday 27 April 2026 to Friday 01 May 2026",
        "lead inspector (imported)",
        "judged good for the impact of leaders on practice with children and families; good for the",
    ]
    assert max(len(line) for line in lines[3:6]) <= 100 and lines[6].startswith("Milestone")
    assert lines[5] == "progress of children in care; good for the experiences and progress of care leavers"
    assert main(["show", "1", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["judgements"]
    assert [(j["area"], j["grade"]) for j in shown] == [
        ("impact_of_leaders", "good"),
        ("help_and_protection", "good"),
        ("children_in_care", "good"),
        ("care_leavers", "good"),
    ]
    assert shown[0]["label"] == LEADERS


def test_a_published_grade_that_is_not_on_the_scale_is_refused_naming_its_line(store, capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "ofsted_urn,ons_code,name,inspection_type,fieldwork_start,fieldwork_end,overall_effectiveness\n"
        "80491,E09000007,Camden,short,2025-03-03,2025-03-07,excellent\n"
    )
    assert main(shlex.split(f"import judgements {bad}")) == 2
    assert capsys.readouterr().err == (
        "ilacs: error: bad.csv: line 2: overall_effectiveness 'excellent' is not one of outstanding, "
        "good, requires improvement, inadequate\n"
    )
    with transaction(store) as session:
        assert session.exec(select(func.count()).select_from(Activity)).one() == 0


def test_the_la_page_shows_a_post_reform_inspections_four_judgements(site, store, capsys):
    imported(capsys, POST_REFORM)
    page = site.get("/la/E08000012").text
    assert "Pathway 1: last graded standard inspection ended Friday 22 May 2026, judged good for the " in page
    assert "requires improvement for the experiences and progress of care leavers." in page
    assert f"{LEADERS}: good<br>" in page and f"{CARE_LEAVERS}: requires improvement</td>" in page
    assert "Overall effectiveness" not in page


def test_the_la_page_shows_an_overall_grade_as_the_grade(site):
    """Activity 1 at Barking and Dagenham judged good at its outcome (2018 edition: overall grade)."""
    with transaction(site.app.state.engine) as session:
        session.add(Judgement(activity_id=1, area="overall_effectiveness", grade="good"))
    page = site.get("/la/E09000002").text
    assert '<th scope="col" class="govuk-table__header">Judgements</th>' in page
    assert '<td class="govuk-table__cell">Good</td>' in page


def test_las_gives_a_post_reform_las_latest_judgements(site, capsys):
    """From the shipped reference data at first, then from the store once imported: the same row."""
    rows = []
    for _ in range(2):
        page = site.get("/las?region=North+West").text
        rows.append(page.split("Liverpool</a>")[1].split("</tr>")[0])
        imported(capsys, POST_REFORM)
    assert rows[0] == rows[1]
    assert "Pathway 1" in rows[0] and f"{LEADERS}: good<br>" in rows[0]
    assert f"{CARE_LEAVERS}: requires improvement" in rows[0] and "overall" not in rows[0].lower()
