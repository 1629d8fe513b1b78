"""Every command given a user's mistake: exit status 2, one line on stderr naming the problem, nothing on
stdout, and the store exactly as it was (every table's rows, and the audit chain's verdict).

One table of probes, run against one populated store per backend (SQLite and PostgreSQL). Each probe is
a mistake made on a command that succeeds as written without it, so a check that goes missing shows up
as a changed store or a zero exit status, not only as a different message."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shlex
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlmodel import SQLModel

from interfaces.cli import main
from services.store import audit, open_store
from services.store.database import transaction

pytestmark = pytest.mark.slow  # hundreds of commands, each checked against a snapshot of the store

BIG = "99999999999999999999999"
# Each base command would succeed (or fail only for the rules, not the input) on the populated store.
SCHEDULE = "schedule focused-visit --la E09000003 --onsite 2025-03-04 --lead Ann --as-of 2025-02-20"
DONE = "done 1 draft_report_sent --at 2025-02-10T11:00 --by Ann --as-of 2025-02-10T12:00"
UNDO = "undo 1 notification --by Ann --reason typo --as-of 2025-01-07"
DEFER = "defer 1 --to 2025-01-20 --reason weather --by Bea --as-of 2025-01-02"
OUTCOME = "outcome 1 --overall good --by Ann --as-of 2025-01-27"
REQUEST = "request add 1 --by Ann --type general --what files --why check --required-by 2025-01-16T12:00"
ANSWER = "request answer 1 1 --response sent --by Dee --at 2025-01-15T10:00 --as-of 2025-01-15T11:00"
REPORT = "compliance report --from 2025-01-01 --to 2025-12-31"
VARIANCE = "variance 1 notification --reason severe-weather --by Ann"
WAIVE = "waive 1 notification --reason agreed --by Ann"
PLAN = "programme plan --from 2026-11-23 --years 1 --region London"
ACCEPT = "programme accept --from 2026-11-23 --years 1 --region London --by Ann"
COMPARE = "programme compare --from 2026-11-23 --years 1 --region London"

NAMES = {  # what must not pass for a person's name: (value, what the one line says)
    "empty": ("", "is blank"),
    "spaces": ("   ", "is blank"),
    "tab": ("\t", "is blank"),
    "zero-width space": ("\u200b", "is blank"),
    "punctuation": ("...", "is blank"),
    "NUL": ("Ann\x00", "contains a control character"),
    "escape": ("Ann\x1b[2J", "contains a control character"),
    "new line": ("Ann\nBea", "contains a control character"),
    "undecodable": ("Ann\udcff", "is not valid text"),
}
TEXTS = {  # what must not pass for a reason, note, request or response
    "empty": ("", "is blank"),
    "spaces": ("  ", "is blank"),
    "NUL": ("typo\x00", "contains a control character"),
    "undecodable": ("\udcff", "is not valid text"),
}
MOMENTS = {  # what must not pass for --as-of or --at
    "empty": ("", "is empty"),
    "spring gap": ("2025-03-30T01:30", "does not exist in London: the clocks go forward from 01:00 to 02:00"),
    "year 9999": ("9999-12-31", "outside the calendar (2000-2060)"),
    "year 1900": ("1900-01-01T10:00", "outside the calendar (2000-2060)"),
    "offset past 2060": ("2060-12-31T23:30-05:00", "2061-01-01 is outside the calendar"),
    "words": ("next tuesday", "is not an ISO date-time"),
    "year only": ("2025", "is not an ISO date-time"),
    "NUL": ("2025-02-10T12:00\x00", "is not an ISO date-time"),
}
IDS = {
    "beyond 64 bits": (BIG, f"no activity {BIG}"),
    "2**63": ("9223372036854775808", "no activity 9223372036854775808"),
    "2**31": ("2147483648", "no activity 2147483648"),
    "2**31 - 1, none such": ("2147483647", "no activity 2147483647"),
    "zero": ("0", "no activity 0"),
    "negative": ("-1", "no activity -1"),
    "words": ("one", "no activity 'one'"),
    "empty": ("", "no activity ''"),
    "fraction": ("1.5", "no activity '1.5'"),
}
AS_OF = {  # commands taking --as-of, each as it would succeed without the mistake
    "schedule": SCHEDULE.rsplit(" --as-of", 1)[0],
    "done": DONE.rsplit(" --as-of", 1)[0],
    "undo": UNDO.rsplit(" --as-of", 1)[0],
    "defer": DEFER.rsplit(" --as-of", 1)[0],
    "due": "due",
    "overdue": "overdue",
    "outcome": OUTCOME.rsplit(" --as-of", 1)[0],
    "request add": REQUEST,
    "request answer": ANSWER.rsplit(" --as-of", 1)[0],
    "calendar apply": "calendar apply --by Ann",
    "sweep": "sweep",
    "send": "send",
    "email preview": "email preview 1 setup_call due",
    "compliance report": REPORT,
    "variance": VARIANCE,
    "waive": WAIVE,
    "programme accept": ACCEPT,
}


def probe(name: str, command: str, says: str, *extra: str):
    """A probe: `command` (shell words) and `extra` (verbatim arguments), and what its one line says."""
    return pytest.param(shlex.split(command) + list(extra), says, id=name)


def _arguments():
    yield probe("no command", "", "the following arguments are required: command")
    yield probe("unknown command", "bogus", "invalid choice: 'bogus'")
    yield probe("unknown option", "due --bogus", "unrecognized arguments: --bogus")
    yield probe("audit without subcommand", "audit", "the following arguments are required")
    yield probe("audit unknown subcommand", "audit bogus", "invalid choice: 'bogus'")
    yield probe("audit verify extra", "audit verify extra", "unrecognized arguments: extra")
    yield probe("audit checkpoint extra", "audit checkpoint extra", "unrecognized arguments: extra")
    yield probe("import unknown kind", "import bogus x.csv", "invalid choice: 'bogus'")
    yield probe("import missing file", "import las /no/such/file.csv", "cannot read /no/such/file.csv")
    yield probe("import a folder", "import contacts /tmp", "cannot read /tmp")
    yield probe("import national missing file", "import national /no/such/file.csv", "cannot read /no/such")
    yield probe("editions without subcommand", "editions", "the following arguments are required")
    yield probe("editions check missing file", "editions check /no/such/edition.toml", "edition.toml: ")
    yield probe("editions check a folder", "editions check /tmp", "tmp: ")
    yield probe("editions check extra", "editions check a.toml extra", "unrecognized arguments: extra")
    yield probe("import --by empty", "import las /no/such/file.csv --by ''", "argument --by: '' is blank")
    yield probe("calendar apply --by empty", "calendar apply --by ''", "argument --by: '' is blank")
    yield probe("calendar unknown subcommand", "calendar bogus", "invalid choice: 'bogus'")
    yield probe("calendar check unknown option", "calendar check --bogus", "unrecognized arguments: --bogus")
    yield probe("email preview bad key", "email preview 1 Notification letter", "not a milestone key")
    yield probe("email preview bad stage", "email preview 1 setup_call bogus", "no reminder stage 'bogus'")
    yield probe("user add without name", "user add bob --role viewer", "the following arguments are required")
    yield probe("user password without user", "user password", "the following arguments are required")
    yield probe("user role --by empty", "user role ann --role viewer --by ''", "argument --by: '' is blank")
    yield probe("user unlock --by empty", "user unlock ann --by ''", "argument --by: '' is blank")
    yield probe("demo --as-of empty", "demo --as-of ''", "is not a date")  # refused before anything starts
    yield probe("demo --as-of 1900", "demo --as-of 1900-01-01", "outside the calendar")
    for option in ("--prefect-port 0", "--sink-port 65536", "--web-port x"):
        yield probe(f"serve {option}", f"serve {option}", "65535")
    yield probe("web --port", "web --port 99999", "99999 is too large (at most 65535)")
    yield probe("where extra", "where extra", "unrecognized arguments: extra")


def _timeline():
    preview = "timeline standard-inspection --onsite 2025-01-13"
    yield probe(
        "timeline unknown type", "timeline alien --onsite 2025-01-13", "unknown activity type 'alien'"
    )
    yield probe("timeline misspelt type", preview.replace("inspection", "inspectoin"), "did you mean")
    yield probe(
        "timeline unknown flag", f"{preview} --flag bogus", "unknown standard-inspection flag 'bogus'"
    )
    yield probe("timeline another type's flag", f"{preview} --flag first_of_series", "flag 'first_of_series'")
    visit = "timeline monitoring-visit --onsite 2025-01-14 --flag first_of_sereis"
    yield probe("timeline misspelt flag", visit, "(did you mean 'first_of_series'?)")
    for onsite, says in (("''", "is not a date"), ("1900-01-01", "outside"), ("9999-12-31", "outside")):
        yield probe(f"timeline --onsite {onsite}", f"timeline standard-inspection --onsite {onsite}", says)
    for name, (value, says) in MOMENTS.items():
        yield probe(f"timeline --actual {name}", preview, says, "--actual", f"notification={value}")
    yield probe("timeline --actual without key", f"{preview} --actual =2025-01-06", "use KEY=ISO_DATETIME")
    yield probe(
        "timeline --actual bad key", f"{preview} --actual Notification=2025-01-06", "not a milestone key"
    )
    yield probe(
        "timeline --actual unknown key", f"{preview} --actual launch=2025-01-06", "no milestone 'launch'"
    )


def _schedule():
    yield probe("schedule unknown type", SCHEDULE.replace("focused-visit", "alien"), "unknown activity type")
    yield probe("schedule bogus flag", f"{SCHEDULE} --flag bogus", "unknown focused-visit flag 'bogus'")
    yield probe("schedule misspelt flag", f"{SCHEDULE} --flag by_agreemnt", "did you mean 'by_agreement'")
    yield probe(
        "schedule --la X1", SCHEDULE.replace("E09000003", "X1"), "'X1' is not a known local authority"
    )
    yield probe("schedule --la unknown", SCHEDULE.replace("E09000003", "E09999999"), "no local authority")
    yield probe("schedule --la empty", SCHEDULE.replace("E09000003", "''"), "is not a known local authority")
    yield probe(
        "schedule --onsite 2061", SCHEDULE.replace("2025-03-04", "2061-01-04"), "outside the calendar"
    )
    for name, (value, says) in NAMES.items():
        yield probe(f"schedule --lead {name}", SCHEDULE.replace(" --lead Ann", ""), says, "--lead", value)
        yield probe(f"schedule --by {name}", SCHEDULE, says, "--by", value)
    yield probe("schedule --override blank", SCHEDULE, "is blank", "--override", " ")


def _ids():
    commands = (
        "done @ notification --by Ann",
        "undo @ notification --by Ann --reason x",
        "show @",
        "defer @ --to 2025-01-20 --reason weather --by Bea",
        "outcome @ --overall good --by Ann",
        "request list @",
        "request answer @ 1 --response x --by Dee",
        f"{REQUEST.replace(' 1 ', ' @ ')}",
        "email preview @ notification letter",
        "variance @ notification --reason severe-weather --by Ann",
        "waive @ notification --reason agreed --by Ann",
        "cancel @ --reason clash --by Bea",
    )
    for (name, (value, says)), command in itertools.product(IDS.items(), commands):
        argv = [value if word == "@" else word for word in shlex.split(command)]
        yield pytest.param(
            argv, says, id=f"{' '.join(argv[: 2 if argv[0] in ('request', 'email') else 1])} id {name}"
        )
    for number, says in (
        ("0", "not a whole number of 1 or more"),
        ("x", "not a whole number of 1 or more"),
        (BIG, f"{BIG} is too large (at most 2147483647)"),
    ):
        answer = ("--response", "x", "--by", "Dee")
        yield probe(f"request answer number {number}", "request answer 1", says, number, *answer)
    for key in ("Notification", "draft report", "", "key\x00"):
        yield probe(f"done key {key!r}", "done 1", "is not a milestone key", key, "--by", "Ann")


def _changes():
    for name, (value, says) in NAMES.items():
        yield probe(f"done --by {name}", DONE.replace(" --by Ann", ""), says, "--by", value)
        yield probe(f"undo --by {name}", UNDO.replace(" --by Ann", ""), says, "--by", value)
        yield probe(f"defer --by {name}", DEFER.replace(" --by Bea", ""), says, "--by", value)
        yield probe(f"cancel --by {name}", "cancel 1 --reason clash", says, "--by", value)
    for name, (value, says) in TEXTS.items():
        yield probe(f"done --note {name}", DONE, says, "--note", value)
        yield probe(f"undo --reason {name}", UNDO.replace(" --reason typo", ""), says, "--reason", value)
        yield probe(f"defer --override {name}", DEFER, says, "--override", value)
        yield probe(f"cancel --reason {name}", "cancel 1 --by Bea", says, "--reason", value)
    for name, (value, says) in MOMENTS.items():
        yield probe(f"done --at {name}", DONE.replace(" --at 2025-02-10T11:00", ""), says, "--at", value)
    yield probe("done unknown key", "done 1 launch --by Ann", "has no milestone 'launch'")
    yield probe("undo nothing recorded", "undo 1 draft_report_sent --by Ann --reason x", "no recorded actual")
    yield probe("defer --to empty", DEFER.replace("2025-01-20", "''"), "is not a date")
    yield probe("defer --to 9999", DEFER.replace("2025-01-20", "9999-12-31"), "outside the calendar")
    yield probe("defer --reason bogus", DEFER.replace("weather", "bogus"), "is not one of weather")


def _filters():
    for command, (option, value, says) in itertools.product(
        ("due", "overdue"),
        (
            ("--region", "Atlantis", "unknown region 'Atlantis'; valid: East Midlands | "),
            ("--region", "londn", "did you mean 'London'?"),
            ("--region", "", "unknown region ''"),
            ("--owner", "Bob", "unknown owner 'Bob'; valid: DCS | LA | Ofsted | RD | SHMI"),
            ("--owner", "", "unknown owner ''"),
            ("--type", "alien", "unknown activity type 'alien'"),
            ("--type", "", "unknown activity type ''"),
            ("--la", "X1", "'X1' is not a known local authority"),
            ("--la", "E09999999", "'E09999999' is not a known local authority"),
            ("--la", "", "'' is not a known local authority"),
            ("--la", "E09000002\x00", "is not a known local authority"),
        ),
    ):
        yield probe(f"{command} {option} {value!r}", command, says, option, value)
    for within in ("-1", "x", "", BIG):
        says = "is too large" if within == BIG else "is not a whole number of 0 or more"
        yield probe(f"due --within {within!r}", "due", says, "--within", within)


def _outcomes_and_requests():
    for name, (value, says) in NAMES.items():
        yield probe(f"outcome --by {name}", OUTCOME.replace(" --by Ann", ""), says, "--by", value)
        yield probe(f"request add --by {name}", REQUEST.replace(" --by Ann", ""), says, "--by", value)
        yield probe(f"request answer --by {name}", ANSWER.replace(" --by Dee", ""), says, "--by", value)
    for name, (value, says) in TEXTS.items():
        yield probe(f"outcome --note {name}", OUTCOME, says, "--note", value)
        yield probe(f"request add --what {name}", REQUEST.replace(" --what files", ""), says, "--what", value)
        yield probe(f"request add --why {name}", REQUEST.replace(" --why check", ""), says, "--why", value)
        without = ANSWER.replace(" --response sent", "")
        yield probe(f"request answer --response {name}", without, says, "--response", value)
    for name, (value, says) in MOMENTS.items():
        without = REQUEST.replace(" --required-by 2025-01-16T12:00", "")
        yield probe(f"request add --required-by {name}", without, says, "--required-by", value)
        without = ANSWER.replace(" --at 2025-01-15T10:00", "")
        yield probe(f"request answer --at {name}", without, says, "--at", value)
    yield probe("outcome bad grade", OUTCOME.replace("good", "bogus"), "grade 'bogus' is not one of")
    yield probe("outcome nothing to record", "outcome 1 --by Ann", "give at least one judgement")
    yield probe("request add bad type", REQUEST.replace("general", "gossip"), "request type 'gossip'")


def _compliance():
    for dates, says in (
        ("--from 1900-01-01 --to 9999-12-31", "--from: 1900-01-01 is outside the calendar (2000-2060)"),
        ("--from 2025-01-01 --to 9999-12-31", "--to: 9999-12-31 is outside the calendar (2000-2060)"),
        ("--from 2025-12-31 --to 2025-01-01", "--to 2025-01-01 is before --from 2025-12-31"),
        ("--from '' --to 2025-01-01", "is not a date"),
    ):
        yield probe(f"compliance report {dates}", f"compliance report {dates}", says)
    for options, says in (
        ("--region Atlantis", "unknown region 'Atlantis'"),
        ("--type alien", "unknown activity type 'alien'"),
        ("--owner bogus", "invalid choice: 'bogus'"),
        ("--format bogus", "invalid choice: 'bogus'"),
        ("--format xlsx", "--format xlsx needs --output FILE.xlsx"),
        ("--output /no/such/folder/report.csv", "there is no folder /no/such/folder"),
        ("--output /tmp", "/tmp is a folder"),
        ("--output ''", "'' is not a file name"),
        (f"--output /tmp/{'x' * 300}.csv", "File name too long"),
    ):
        yield probe(f"compliance report {options[:40]}", f"{REPORT} {options}", says)
    for name, (value, says) in NAMES.items():
        yield probe(f"variance --by {name}", VARIANCE.replace(" --by Ann", ""), says, "--by", value)
        yield probe(f"waive --by {name}", WAIVE.replace(" --by Ann", ""), says, "--by", value)
    for name, (value, says) in TEXTS.items():
        yield probe(f"waive --reason {name}", WAIVE.replace(" --reason agreed", ""), says, "--reason", value)
    yield probe("variance unknown reason", VARIANCE.replace("severe-weather", "traffic"), "reason 'traffic'")
    yield probe("variance bad key", VARIANCE.replace("notification", "Notification"), "not a milestone key")


SEND_FILES = (  # --send FILE.csv contents, and what is wrong with them
    ("la,start,end\nE09000002,2027-01-04,2027-01-08\n", "line 1: missing column(s) la_code"),
    ("la_code,start,end\nE09999999,2027-01-04,2027-01-08\n", "line 2: la_code 'E09999999' is not a known"),
    ("la_code,start,end\nE09000002,2027-01-04,soon\n", "line 2: end: 'soon' is not a date"),
    ("la_code,start,end\nE09000002,2027-01-04,9999-01-08\n", "line 2: end: 9999-01-08 is outside"),
    ("la_code,start,end\nE09000002,2027-01-08,2027-01-04\n", "end 2027-01-04 is before start 2027-01-08"),
)


def _programme():
    for (name, command), (change, says) in itertools.product(
        (("plan", PLAN), ("accept", ACCEPT), ("compare", COMPARE)),
        (
            (("--from 2026-11-23", "--from ''"), "is not a date"),
            (("--from 2026-11-23", "--from 1900-01-01"), "outside the calendar"),
            (("--from 2026-11-23", "--from 2060-06-01"), "runs past the calendar's last year, 2060"),
            (("--years 1", "--years 0"), "'0' is not a whole number of 1 or more"),
            (("--years 1", "--years -1"), "is not a whole number of 1 or more"),
            (("--years 1", f"--years {BIG}"), "is too large"),
            (("--region London", "--region Atlantis"), "unknown region 'Atlantis'"),
            (("--region London", "--region ''"), "unknown region ''"),
            (("", "--capacity Atlantis=3"), "unknown --capacity region 'Atlantis'"),
            (("", "--capacity Londn=3"), "did you mean 'London'?"),
            (("", "--capacity London=x"), "use REGION=N"),
            (("", "--capacity London=-1"), "use REGION=N"),
            (("", "--capacity London"), "use REGION=N"),
            (("", "--capacity =3"), "use REGION=N"),
            (("", "--capacity London=3 --capacity London=4"), "--capacity London: given twice"),
            (("", "--deteriorating X1"), "'X1' is not a known local authority"),
            (
                ("", "--deteriorating E09999999"),
                "--deteriorating: 'E09999999' is not a known local authority",
            ),
            (("", "--jtai E09999999"), "--jtai: 'E09999999' is not a known local authority"),
            (("", "--send /no/such/send.csv"), "cannot read /no/such/send.csv"),
        ),
    ):
        changed = command.replace(*change) if change[0] else f"{command} {change[1]}"
        yield probe(f"programme {name} {change[1]}", changed, says)
    for (name, command), (rows, says) in itertools.product(
        (("plan", PLAN), ("accept", ACCEPT), ("compare", COMPARE)), SEND_FILES
    ):
        yield probe(f"programme {name} --send with {says[:24]}", command, says, "--send", rows)
    for name, (value, says) in NAMES.items():
        yield probe(f"programme accept --by {name}", ACCEPT.replace(" --by Ann", ""), says, "--by", value)


def _as_of():
    for (command, base), (name, (value, says)) in itertools.product(AS_OF.items(), MOMENTS.items()):
        yield probe(f"{command} --as-of {name}", base, says, "--as-of", value)


PROBES = [
    *_arguments(),
    *_timeline(),
    *_schedule(),
    *_ids(),
    *_changes(),
    *_filters(),
    *_outcomes_and_requests(),
    *_compliance(),
    *_programme(),
    *_as_of(),
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def populated(request, tmp_path_factory):
    """One store per backend for the whole table: an inspection with a recorded notification and an
    Annex B request, and a focused visit at another LA."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('probes') / 'ilacs.db'}"
    else:
        server = request.getfixturevalue("postgres_url")
        name = f"ilacs_probes_{os.getpid()}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = server.rsplit("/", 1)[0] + f"/{name}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ILACS_DATABASE_URL", url)
        env.setenv("PREFECT_LOGGING_LEVEL", "WARNING")  # `demo` sets it if absent; keep it to this module
        engine = open_store(url)
        for command in (
            "schedule standard-inspection --la E09000002 --onsite 2025-01-13 --lead Ann --as-of 2025-01-02",
            "done 1 notification --at 2025-01-06T09:30 --by Ann --as-of 2025-01-06T10:00",
            f"{REQUEST} --as-of 2025-01-14T10:00",
            "schedule focused-visit --la E09000003 --onsite 2025-02-04 --lead Bea --as-of 2025-01-02",
        ):
            assert main(shlex.split(command)) == 0, command
        yield engine
        engine.dispose()


def snapshot(engine) -> dict:
    """Every table's row count and a digest of its rows, and what `audit verify` says."""
    state = {}
    with transaction(engine) as session:
        for table in SQLModel.metadata.sorted_tables:
            rows = session.connection().execute(select(table).order_by(*table.primary_key.columns)).all()
            state[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        check = audit.verify(session)
    state["audit verify"] = (check.verified, check.entries)
    return state


def _send_file(argv: list[str], folder: Path) -> list[str]:
    """A `--send` value holding CSV rows becomes a file of them."""
    if "--send" in argv and "\n" in argv[argv.index("--send") + 1]:
        at = argv.index("--send") + 1
        path = folder / "send.csv"
        path.write_text(argv[at], encoding="utf-8")
        argv = [*argv[:at], str(path), *argv[at + 1 :]]
    return argv


@pytest.mark.parametrize(("argv", "says"), PROBES)
def test_a_mistake_is_one_line_exit_2_and_changes_nothing(populated, capsys, tmp_path, argv, says):
    argv = _send_file(argv, tmp_path)
    before = snapshot(populated)
    status = main(argv)
    out, err = capsys.readouterr()
    assert (status, out) == (2, ""), err
    assert err.startswith("ilacs: error: ") and err.count("\n") == 1 and err.endswith("\n"), err
    assert says in err
    assert snapshot(populated) == before


def test_the_table_covers_every_command():
    """A new command, or sub-command, must bring its probes."""
    from interfaces.cli import build_parser

    def commands(parser, prefix=()):
        for action in parser._subparsers._group_actions if parser._subparsers else ():
            for name, sub in action.choices.items():
                yield from commands(sub, (*prefix, name)) if sub._subparsers else [(*prefix, name)]

    probed = {tuple(argv[:2]) for argv, _ in (p.values for p in PROBES)} | {
        tuple(argv[:1]) for argv, _ in (p.values for p in PROBES)
    }
    assert [" ".join(c) for c in commands(build_parser()) if c not in probed] == []


def run(capsys, command: str) -> tuple[int, str, str]:
    status = main(shlex.split(command))
    out, err = capsys.readouterr()
    return status, out, err


def test_an_autumn_time_that_happens_twice_is_its_first_occurrence_unless_an_offset_says(store, capsys):
    schedule = "schedule standard-inspection --la E09000002 --onsite 2025-09-29 --lead Ann --as-of 2025-09-15"
    assert run(capsys, schedule)[0] == 0
    assert run(capsys, "done 1 draft_report_sent --at 2025-10-26T01:30 --by Ann --as-of 2025-10-27")[0] == 0
    second = "done 1 factual_accuracy_comments --at 2025-10-26T01:30+00:00 --by Dee --as-of 2025-10-27"
    assert run(capsys, second)[0] == 0
    shown = {m["key"]: m for m in json.loads(run(capsys, "show 1 --json")[1])["milestones"]}
    assert shown["draft_report_sent"]["actual"] == "2025-10-26T01:30:00+01:00"  # BST: 00:30 UTC
    assert shown["factual_accuracy_comments"]["actual"] == "2025-10-26T01:30:00+00:00"  # GMT, an hour later


def test_a_report_that_cannot_be_written_leaves_no_file_and_an_old_one_as_it_was(store, capsys, tmp_path):
    folder = tmp_path / "out"  # apart from the SQLite store's files
    folder.mkdir()
    target = folder / ("r" * 250 + ".csv")  # the temporary file beside it needs a name too long to make
    target.write_text("old", encoding="utf-8")
    status, out, err = run(capsys, f"{REPORT} --format csv --output {target}")
    assert (status, out) == (2, "") and err.count("\n") == 1 and f"cannot write {target}" in err
    assert [p.name for p in folder.iterdir()] == [target.name] and target.read_text("utf-8") == "old"


def test_a_written_report_replaces_the_file_whole(store, capsys, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "report.csv"
    target.write_text("old", encoding="utf-8")
    assert run(capsys, f"{REPORT} --format csv --output {target}")[0] == 0
    assert [p.name for p in folder.iterdir()] == ["report.csv"] and "\nowner,key" in target.read_text("utf-8")


def test_names_are_kept_without_the_spaces_around_them(store, capsys):
    schedule = "schedule short-inspection --la E09000002 --onsite 2025-01-13 --lead '  Ann Example '"
    assert run(capsys, schedule)[0] == 0
    assert "lead inspector Ann Example\n" in run(capsys, "show 1")[1]
