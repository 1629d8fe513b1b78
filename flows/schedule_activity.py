"""Registering an activity: its milestone DAG is dated by the activity's own flow, then stored."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from prefect import Flow
from pydantic_core import to_jsonable_python

from flows.activity_timeline import date_every_milestone
from tasks.store import save_new_activity


class PlainParametersFlow(Flow):
    """A flow whose parameters are plain values (text, dates, lists of text), recorded by pydantic's
    encoder: Prefect's default, FastAPI's, imports FastAPI's whole application stack, about 0.2 s of
    CPU that `ilacs schedule` would pay on every call for four dates and some text."""

    def serialize_parameters(self, parameters: dict[str, Any]) -> dict[str, Any]:
        return to_jsonable_python(parameters)


def _schedule_activity(
    activity_type: str,
    la_code: str,
    onsite: date,
    lead: str,
    flags: list[str],
    override: str,
    actor: str,
    now: datetime,
) -> int:
    """Date every milestone (a task each, as in the activity's own flow), then store the activity in one
    transaction; returns its id."""
    timeline = date_every_milestone(activity_type, onsite, {}, frozenset(flags))
    return save_new_activity(
        timeline, la_code=la_code, lead=lead, flags=flags, override=override, actor=actor, now=now
    )


schedule_activity = PlainParametersFlow(_schedule_activity, name="schedule-activity")
