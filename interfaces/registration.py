"""`ilacs schedule`'s registration, and the local service taking it over a socket.

With a Prefect server up, a registration is a run of the `schedule-activity` flow. Run in the command,
it first imports Prefect and the store (about 1.5 s before the run starts), so when the local service
(`ilacs serve`, which has both imported) is running on this machine with the same store, the command
hands the registration to it through a socket in ILACS_HOME readable by its owner only, and prints
what comes back. The service runs the very same function, `register_as_flow_run`; where no service
answers, or it serves another store, key, calendar or Prefect server, the command runs it itself.
"""

from __future__ import annotations

import contextvars
import dataclasses
import hashlib
import json
import logging
import os
import socket
import socketserver
import threading
from datetime import date, datetime
from pathlib import Path

from services.settings import Settings

log = logging.getLogger("ilacs.service")

SOCKET_NAME = "service.sock"
ANSWER_WITHIN = 120.0  # seconds: a flow run against a busy server, not a service that hangs for ever
MAYBE = ": it may have registered the activity (scheduling it again is refused as a clash if it did)"


@dataclasses.dataclass(frozen=True)
class Registration:
    """What `ilacs schedule` asks for, its input already checked by the command."""

    activity_type: str
    la_code: str
    onsite: date
    lead: str
    flags: tuple[str, ...]
    override: str
    actor: str
    now: datetime
    with_milestones: bool  # --json: the stored milestones come back too

    def who_where_when(self) -> dict:
        """The arguments the flow and the service function take alike."""
        return {
            "la_code": self.la_code,
            "lead": self.lead,
            "override": self.override,
            "actor": self.actor,
            "now": self.now,
        }

    def to_json(self) -> dict:
        return dataclasses.asdict(self) | {"onsite": self.onsite.isoformat(), "now": self.now.isoformat()}

    @classmethod
    def from_json(cls, data: dict) -> Registration:
        return cls(
            **data
            | {
                "onsite": date.fromisoformat(data["onsite"]),
                "now": datetime.fromisoformat(data["now"]),
                "flags": tuple(data["flags"]),
            }
        )


def register_as_flow_run(registration: Registration) -> dict:
    """Check the registration (a refusal starts no flow run), run `schedule-activity`, and say what was
    stored: the activity's id, the programme's warnings and, if asked, its milestones."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from flows.schedule_activity import schedule_activity
    from services.store import open_store
    from services.store.database import transaction
    from services.tracking import lifecycle

    template, timeline = _planned(registration)
    engine = open_store()
    with transaction(engine) as session:
        lifecycle.check_registration(
            session,
            timeline=timeline,
            template=template,
            la_code=registration.la_code,
            flags=frozenset(registration.flags),
            override=registration.override,
        )
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # the id, not a log line per task
    # A run of well under a second needs no crash-detection heartbeat, whose thread costs ~1 s to join.
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        activity_id = schedule_activity(
            activity_type=registration.activity_type,
            onsite=registration.onsite,
            flags=list(registration.flags),
            **registration.who_where_when(),
        )
    return stored(engine, activity_id, with_milestones=registration.with_milestones)


def register_in_process(registration: Registration) -> dict:
    """The same registration through the service function directly: no Prefect server is up."""
    from services.store import open_store
    from services.tracking import lifecycle
    from services.tracking.unit_of_work import UnitOfWork

    template, timeline = _planned(registration)
    engine = open_store()
    with UnitOfWork(engine) as uow:
        activity_id = lifecycle.register(
            uow.session,
            timeline=timeline,
            template=template,
            flags=frozenset(registration.flags),
            **registration.who_where_when(),
        ).id
    return stored(engine, activity_id, with_milestones=registration.with_milestones)


def _planned(registration: Registration):
    from models.timeline import preview
    from services.settings import calendar_in_force

    return preview(
        registration.activity_type,
        registration.onsite,
        flags=frozenset(registration.flags),
        calendar=calendar_in_force(),
    )


def stored(engine, activity_id: int, *, with_milestones: bool) -> dict:
    from interfaces.render import milestone_json
    from services.reports import queries
    from services.store.database import transaction
    from services.tracking import lifecycle

    with transaction(engine) as session:
        warnings = lifecycle.programme_warnings(session, lifecycle.activity(session, activity_id))
        milestones = None
        if with_milestones:
            milestones = [milestone_json(m) for m in queries.show(session, activity_id)[2]]
    return {"id": activity_id, "warnings": warnings, "milestones": milestones}


def socket_path(settings: Settings) -> Path:
    return settings.home / SOCKET_NAME


def identity(settings: Settings) -> str:
    """A digest of the settings that decide where and how a registration is written and run (the store,
    the audit key, the closures, the Prefect server): the service takes only a command's that match."""
    key = settings.audit_key.get_secret_value() if settings.audit_key else ""
    parts = (settings.store_url, key, str(settings.closures_file), settings.prefect_api_url or "")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def hand_over(registration: Registration, settings: Settings) -> dict | None:
    """The local service's answer, or None where none is running for these settings. A refusal is the
    ValueError the service raised; a service that fails or stops before answering is a RuntimeError,
    never a second try here (it may have registered)."""
    path = socket_path(settings)
    if not path.exists():
        return None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        try:
            connection.settimeout(2.0)
            connection.connect(str(path))
        except OSError:  # left behind by a service that is gone, or a path too long for a socket
            return None
        request = {"identity": identity(settings), "registration": registration.to_json()}
        connection.settimeout(ANSWER_WITHIN)
        try:
            connection.sendall(json.dumps(request).encode() + b"\n")
            with connection.makefile("rb") as answers:
                line = answers.readline()
        except TimeoutError:
            waited = f"the local service did not answer within {ANSWER_WITHIN:.0f} s"
            raise RuntimeError(waited + MAYBE) from None
    if not line:
        raise RuntimeError(f"the local service stopped before answering{MAYBE}")
    answer = json.loads(line)
    if "refused" in answer:
        raise ValueError(answer["refused"])
    if "failed" in answer:
        raise RuntimeError(f"the local service could not register it: {answer['failed']}")
    return answer.get("outcome")  # None: it serves other settings


class _Desk(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.server.context.copy().run(self._answer)

    def _answer(self) -> None:
        try:
            request = json.loads(self.rfile.readline())
            if request.get("identity") != self.server.identity:
                answer: dict = {"declined": "this service runs with other settings"}
            else:
                answer = {"outcome": register_as_flow_run(Registration.from_json(request["registration"]))}
        except ValueError as exc:
            answer = {"refused": str(exc)}
        except Exception as exc:
            log.exception("a registration handed over by `ilacs schedule` failed")
            answer = {"failed": f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"}
        self.wfile.write(json.dumps(answer).encode() + b"\n")


class _Server(socketserver.ThreadingUnixStreamServer):
    """Each registration in a thread of its own, run in the settings context the desk started in (a
    new thread would otherwise start from an empty one)."""

    daemon_threads = True
    context = contextvars.Context()
    identity = ""  # of the settings the service started with


def start_desk(settings: Settings) -> _Server | None:
    """Take registrations on ILACS_HOME/service.sock, each in a thread of its own, or None (logged) if
    another service already answers there or the path is too long for a socket."""
    path = socket_path(settings)
    if path.exists():
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(path))
                log.warning("another service answers on %s: `ilacs schedule` will not hand over here", path)
                return None
            except OSError:
                path.unlink()
    old = os.umask(0o177)  # the socket is its owner's alone, from the moment it exists
    try:
        server = _Server(str(path), _Desk)
        server.context, server.identity = contextvars.copy_context(), identity(settings)
    except OSError as exc:
        log.warning("cannot listen on %s (%s): `ilacs schedule` will run its own flow runs", path, exc)
        return None
    finally:
        os.umask(old)
    import flows.schedule_activity  # noqa: F401  now, so that the first registration is as quick as the next

    threading.Thread(target=server.serve_forever, name="registration desk", daemon=True).start()
    return server


def stop_desk(server: _Server | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()
        Path(server.server_address).unlink(missing_ok=True)
