"""The one place every email passes through, when it is queued and again when it is sent.

- Confidentiality [003 ¶52, ¶73]: nothing about a short-notice inspection or visit reaches the local
  authority before its notification is recorded as done. Such emails are dropped, not queued.
- One LA only: an LA-facing email goes only to a contact of the activity's own LA.
- National recipients (the DfE, partner inspectorates) hear nothing of a short-notice activity before
  its notification is recorded either [003 ¶204].
- Embargo [003 ¶224, ¶233]: an email that carries or announces a final report or letter says it is
  under embargo until publication, and goes only to the LA's contacts, Ofsted's staff and the
  national recipients the policy copies it to (the DfE, the partner inspectorates).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.records import Activity
from models.reminders import Policy
from models.templates import template_for_edition
from services.mail.recipients import Person


@dataclass(frozen=True)
class Verdict:
    admitted: bool
    reason: str = ""


def notification_key(activity: Activity) -> str:
    return template_for_edition(activity.activity_type, activity.edition).notification_key


def verdict(
    activity: Activity | None, person: Person, policy: Policy, *, notified: bool, la_emails: set[str]
) -> Verdict:
    """May `person` be sent an email about `activity` now? (None: internal mail about many activities.)
    Judged on facts the caller loaded (`outbox.Known`, for many activities in a few queries): whether
    the notification is recorded, and the emails of the activity's LA's contacts."""
    if person.national and activity and activity.activity_type in policy.short_notice and not notified:
        # the DfE is told once the activity has started (framework paragraph 204)
        return Verdict(admitted=False, reason="confidential: the notification is not recorded yet")
    if not person.la_facing:
        return Verdict(admitted=True)
    if activity is None:
        return Verdict(admitted=False, reason="mail about several activities goes to Ofsted's staff only")
    if activity.activity_type in policy.short_notice and not notified:
        return Verdict(admitted=False, reason="confidential: the notification is not recorded yet")
    if person.email not in la_emails:
        return Verdict(admitted=False, reason=f"{person.email} is not a contact of this activity's LA")
    return Verdict(admitted=True)


def embargo_subject(subject: str) -> str:
    return subject if subject.startswith("EMBARGOED") else f"EMBARGOED: {subject}"
