"""Helpers the commands share: 'now', whole-file output, JSON output, the moves a change made."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from datetime import UTC, datetime, time
from pathlib import Path

import pendulum

from calendars import LONDON
from interfaces.parsing import UsageError, parse_day, parse_moment


def now_or_as_of(args: argparse.Namespace) -> datetime:
    """`--as-of` (a bare date: the start of that day in London), else the clock; an empty one is refused."""
    if getattr(args, "as_of", None) is None:
        return pendulum.now(UTC)
    if len(args.as_of) == 10:
        return datetime.combine(parse_day(args.as_of, "--as-of"), time(0, 0), tzinfo=LONDON)
    return parse_moment(args.as_of, "--as-of")


def write_whole_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` all at once: into a temporary file beside it, then renamed over it, so a
    failure leaves no half-written file (and an existing one untouched). Like any temporary file it
    is readable by its owner only."""
    temporary = None
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as out:
            temporary = Path(out.name)
            out.write(data)
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def london_iso(value: str | datetime | None) -> str | None:
    """A stored time (UTC, or its ISO text) as London time, which is what staff read."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(LONDON).isoformat()


def print_moves(moved: list) -> None:
    if not moved:
        print("no dates moved")
    for row, before in moved:
        actual = f"; actual {london_iso(row.actual)}" if row.actual else ""
        print(
            f"{row.key}: target {london_iso(before['target'])} -> {london_iso(row.target)}; "
            f"forecast {london_iso(before['forecast'])} -> {london_iso(row.forecast)}{actual}"
        )
