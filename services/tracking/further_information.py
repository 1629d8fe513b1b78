"""Annex B: requests for further information the lead inspector logs during an inspection
[003 ¶165-168, ¶254]. Each is also a dated milestone owned by the LA, so it is reminded and chased
like any other. Logging one sends the LA the request in writing; answering it stops its reminders."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from models.records import FurtherInformationRequest, Milestone
from models.states import MilestoneStatus
from services.store import audit
from services.tracking.events import ActivityChanged, FurtherInformationRequested
from services.tracking.lifecycle import TrackingError, activity, dates_of, open_activity

if TYPE_CHECKING:
    from services.tracking.unit_of_work import UnitOfWork

REQUEST_TYPES = {  # Annex B's types of request
    "case-information": "case information",
    "general": "general",
    "line-of-enquiry": "line of enquiry",
    "other": "other",
}
SOURCE = "003 ¶165-168, Annex B"


def _key(number: int) -> str:
    return f"further_information_{number}"


def requests(session: Session, activity_id: int) -> list[FurtherInformationRequest]:
    activity(session, activity_id)
    query = select(FurtherInformationRequest).where(FurtherInformationRequest.activity_id == activity_id)
    return list(session.exec(query.order_by(FurtherInformationRequest.id)))


def add_request(
    uow: UnitOfWork,
    *,
    activity_id: int,
    requested_by: str,
    request_type: str,
    request: str,
    reason: str,
    required_by: datetime,
    now: datetime,
) -> FurtherInformationRequest:
    """Log a request and the LA-owned milestone that falls due at `required_by`."""
    session = uow.session
    if request_type not in REQUEST_TYPES:
        raise TrackingError(f"request type {request_type!r} is not one of {', '.join(REQUEST_TYPES)}")
    if not request.strip() or not reason.strip():
        raise TrackingError("say what is requested and why (Annex B records both)")
    found = open_activity(session, activity_id)
    number = len(requests(session, activity_id)) + 1
    positions = session.exec(select(Milestone.position).where(Milestone.activity_id == activity_id)).all()
    logged = FurtherInformationRequest(
        activity_id=activity_id,
        milestone_key=_key(number),
        requested_by=requested_by,
        request_type=REQUEST_TYPES[request_type],
        request=request,
        reason=reason,
        required_by=required_by,
    )
    milestone = Milestone(
        activity_id=activity_id,
        position=max(positions, default=0) + 1,
        key=_key(number),
        title=f"Further information: {request}",
        owner="LA",
        source=SOURCE,
        target=required_by,
        forecast=required_by,
        status=MilestoneStatus.PLANNED,
        origin="annex_b",
        recorded_by=requested_by,
    )
    session.add_all([logged, milestone])
    session.flush()
    audit.append(
        session,
        at=now,
        actor=requested_by,
        action="further_information",
        activity_id=found.id,
        subject=_key(number),
        reason=reason,
        after={"type": logged.request_type, "request": request, "required_by": required_by.isoformat()},
    )
    uow.collect(FurtherInformationRequested(logged.id, now))
    return logged


def answer_request(
    uow: UnitOfWork, *, activity_id: int, number: int, response: str, at: datetime, by: str, now: datetime
) -> FurtherInformationRequest:
    """Record the LA's response: the request's milestone is done at `at`."""
    session = uow.session
    logged = next((r for r in requests(session, activity_id) if r.milestone_key == _key(number)), None)
    if logged is None:
        raise TrackingError(f"activity {activity_id} has no further-information request {number}")
    if at > now:
        raise TrackingError(f"a response cannot be recorded in the future ({at.isoformat()})")
    milestone = session.exec(
        select(Milestone).where(Milestone.activity_id == activity_id, Milestone.key == logged.milestone_key)
    ).one()
    before = {
        "response": logged.response,
        "responded_at": logged.responded_at and logged.responded_at.isoformat(),
    }
    dates_before = dates_of(milestone)
    logged.response, logged.responded_at = response, at
    milestone.actual, milestone.forecast, milestone.recorded_by = at, at, by
    milestone.status = MilestoneStatus.DONE
    session.add_all([logged, milestone])
    after = {"response": response, "responded_at": at.isoformat()}
    audit.append(
        session,
        at=now,
        actor=by,
        action="further_information_answered",
        activity_id=activity_id,
        subject=logged.milestone_key,
        before=before,
        after=after,
    )
    answered = [(milestone, dates_before)]
    uow.collect(ActivityChanged(activity_id, f"{logged.milestone_key} answered", now, answered))
    return logged
