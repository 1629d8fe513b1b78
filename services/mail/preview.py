"""`ilacs email preview`: the email a milestone would get at one stage, rendered, never queued."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from calendars import LONDON
from models.records import Activity
from models.reminders import Policy
from models.templates import edition_named
from services.mail import emails
from services.mail.context import milestones_by_key
from services.mail.letters import render_letter
from services.mail.recipients import Person, resolve, resolve_all
from services.mail.reminders import render_reminder


def preview(
    session: Session, activity_id: int, key: str, stage: str, *, now: datetime, policy: Policy
) -> tuple[Person, emails.Rendered]:
    """The email that milestone `key` of the activity would get at `stage` ("letter", "due",
    "before-2", "overdue+1" ...), addressed to the first person of that step. Nothing is queued."""
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise ValueError(f"no activity {activity_id}")
    rows = milestones_by_key(session, activity_id)
    if key not in rows:
        raise ValueError(f"activity {activity_id} has no milestone {key!r}")
    on = now.astimezone(LONDON).date()
    if stage == "letter":
        if key not in policy.letters:
            raise ValueError(f"no letter is sent for {key}; letters: {', '.join(policy.letters)}")
        person = resolve(session, activity, "dcs", on=on)
        if person is None:
            raise ValueError("no DCS, senior manager or chief executive on record for this LA")
        return person, render_letter(session, activity, rows, policy.letters[key].template, person)[0]
    edition_policy = policy.for_edition(edition_named(activity.edition))
    steps = {s.stage: s for s in edition_policy.steps_for(key, rows[key].owner)}
    if stage not in steps:
        raise ValueError(f"{key} has no reminder stage {stage!r}; its stages: {', '.join(steps) or 'none'}")
    people = resolve_all(session, activity, steps[stage].to, on=on, milestone_owner=rows[key].owner)
    if not people:
        raise ValueError(f"nobody holds the role(s) {', '.join(steps[stage].to)} for this activity")
    return people[0], render_reminder(session, activity, rows[key], steps[stage], people[0])
