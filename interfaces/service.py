"""`ilacs serve` (what `make run` starts): one supervised service on this machine.

It starts a local Prefect server (SQLite, loopback) and a local mail sink (an SMTP server on loopback
that writes each message it receives to ILACS_HOME/mail-sink/ as an .eml file), then the service proper
in a child process (`run_service`: the demonstration, the dashboard, the served deployments and the
socket that takes `ilacs schedule`'s registrations) whose environment points the system's mail at the
sink and Prefect at the local server. This process's own environment is never changed: the child, and
the flow runs it starts, read their settings from the explicit environment they were given. Ctrl-C stops
everything: each child runs in its own process group, which is ended on the way out (and is told to stop
if this process dies first).
"""

from __future__ import annotations

import ctypes
import dataclasses
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from email import message_from_bytes, policy
from pathlib import Path

from services.settings import MailTransport, Secret, Settings, child_environment, get_settings

log = logging.getLogger("ilacs.service")


class MailSink:
    """An aiosmtpd handler that keeps every message as a numbered .eml file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:
        number = len(list(self.directory.glob("*.eml"))) + 1
        target = self.directory / f"{number:05d}.eml"
        partial = target.with_suffix(".partial")
        partial.write_bytes(envelope.original_content)
        partial.replace(target)
        return "250 OK"

    def messages(self) -> list[tuple[str, str, str]]:
        """(file, To, Subject) of every message in the sink."""
        out = []
        for path in sorted(self.directory.glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            out.append((path.name, str(message["To"]), str(message["Subject"]).strip()))
        return out


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM it if this service dies without cleaning up."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    os.setpgrp()


def start_prefect_server(port: int, log_file: Path, env: dict[str, str]) -> subprocess.Popen:
    prefect = Path(sys.executable).with_name("prefect")
    handle = log_file.open("ab")
    process = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=handle,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
        env={**env, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false"},
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Prefect server stopped at start; see {log_file}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.5)
    stop_process_group(process)
    raise RuntimeError(f"the Prefect server did not answer within 120 s; see {log_file}")


def stop_process_group(process: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM the child's whole process group, then SIGKILL whatever is left after `grace` seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def start_dashboard(port: int):
    """The dashboard on loopback, in a thread of this process (plain http, so no Secure cookies)."""
    import threading

    import uvicorn

    from interfaces.web.app import create_app

    server = uvicorn.Server(
        uvicorn.Config(create_app(loopback=True), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="dashboard", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    return server, thread


def local_settings(settings: Settings) -> Settings:
    """The service proper's settings: the system's mail goes to the sink, Prefect to the local server."""
    return dataclasses.replace(
        settings,
        prefect_api_url=f"http://127.0.0.1:{settings.prefect_port}/api",
        mail_transport=MailTransport.SMTP,
        smtp_host="127.0.0.1",
        smtp_port=settings.sink_port,
        smtp_starttls=False,
        smtp_user="",
        smtp_password=Secret(""),
    )


def _stop(_signum, _frame) -> None:
    raise KeyboardInterrupt  # the same clean-up for Ctrl-C and SIGTERM


def serve(settings: Settings, *, demo: bool, ready_file: Path | None = None) -> int:
    from aiosmtpd.controller import Controller

    # Installed even where SIGINT was inherited as ignored (a shell's background job), so that an
    # interrupt sent to the process group still stops everything.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    home = settings.home
    home.mkdir(parents=True, exist_ok=True)
    sink = MailSink(settings.mail_sink_directory)
    controller = Controller(sink, hostname="127.0.0.1", port=settings.sink_port)
    local = local_settings(settings)
    log_file = home / "prefect-server.log"
    server = start_prefect_server(settings.prefect_port, log_file, child_environment(settings))
    controller.start()
    print(
        f"Prefect server: {local.prefect_api_url} (pid {server.pid}); "
        f"mail sink: smtp://127.0.0.1:{settings.sink_port} -> {sink.directory}",
        flush=True,
    )
    options = ["--demo"] if demo else []
    if ready_file:
        options += ["--ready-file", str(ready_file), "--server-pid", str(server.pid)]
    service = subprocess.Popen(
        [sys.executable, "-m", "interfaces.service", *options],
        env=child_environment(local),
        preexec_fn=_die_with_parent,
    )
    status = 0
    try:
        status = service.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop_process_group(service)
        controller.stop()
        stop_process_group(server)
        print("Stopped.", flush=True)
    return status


def ready_message(settings: Settings, sink: MailSink, *, demo: bool) -> str:
    """What `make run` ends with: what a business support officer needs to start work."""
    lines = [
        "",
        "The local service is running. Ctrl-C stops it.",
        f"  Dashboard:    http://127.0.0.1:{settings.web_port}/",
    ]
    if demo:
        password = settings.home / "demo-password"
        lines.append(f"  Sign in as:   support (password in {password})")
    lines += [
        f"  Mail:         every email goes to the local mail sink, one .eml file each, in {sink.directory}",
        "  Command line: .venv/bin/ilacs due --within 5",
        "  Running:      the daily sweep (07:00), the outbox sender and the digest (07:30)",
    ]
    return "\n".join(lines)


def run_service(*, demo: bool, ready_file: Path | None, server_pid: int | None) -> int:
    """The service proper, in the child `serve` starts: its settings come from the environment given."""
    signal.signal(signal.SIGTERM, _stop)  # until Prefect's runner installs its own clean exit
    settings = get_settings()
    sink = MailSink(settings.mail_sink_directory)
    dashboard = desk = None
    try:
        from prefect import serve as prefect_serve

        from deployments.local import local_deployments
        from interfaces.registration import start_desk, stop_desk

        desk = start_desk(settings)
        if demo:
            from interfaces.demo_day import run_demo

            run_demo(sink)
        dashboard, _ = start_dashboard(settings.web_port)
        if demo:
            from interfaces.demo_day import demo_account

            demo_account()
        print(ready_message(settings, sink, demo=demo), flush=True)
        if ready_file:
            ready_file.write_text(str(server_pid))
        prefect_serve(
            *local_deployments(settings.sender_interval_seconds),
            pause_on_shutdown=False,
            print_starting_message=False,  # ready_message says what a user needs instead
        )
    except KeyboardInterrupt:
        pass
    finally:
        if dashboard is not None:
            dashboard.should_exit = True
        stop_desk(desk)
    return 0


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="the service proper; `ilacs serve` starts it")
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--ready-file", type=Path)
    parser.add_argument("--server-pid", type=int)
    args = parser.parse_args()
    sys.exit(run_service(demo=args.demo, ready_file=args.ready_file, server_pid=args.server_pid))
