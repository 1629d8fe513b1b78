"""Reference data: local authorities and their contacts, imported from CSV, all or nothing.

A bad row is reported with its line number and reason, and nothing of that file is imported. Every
import adds or updates by what each row stands for, so the same file can be imported twice.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Hashable, Iterable
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from models.records import (
    CONTACT_ROLES,
    LA_STATUSES,
    NATIONAL_ROLES,
    OFSTED_REGIONS,
    STAFF_ROLES,
    Contact,
    LocalAuthority,
    NationalContact,
    StaffMember,
)
from services.store import audit
from services.store.database import transaction
from services.validation import one_of

ONS_CODE = re.compile(r"^E(06|07|08|09|10)\d{6}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LA_COLUMNS = ("ons_code", "name", "ofsted_region")
CONTACT_COLUMNS = ("la_code", "role", "name", "email", "valid_from")
STAFF_COLUMNS = ("name", "role", "email")
NATIONAL_COLUMNS = ("role", "organisation", "name", "email", "valid_from")


class CsvImportError(ValueError):
    """A CSV file that cannot be imported; the message names the line."""


def csv_rows(text: str, required: Iterable[str], source: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise CsvImportError(f"{source}: line 1: missing column(s) {', '.join(missing)}")
    return [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}) for row in reader]


class Repeats:
    """The rows of one file by what each stands for: a second row for the same thing is refused naming
    both lines, as storing both would count it twice (or break a unique index)."""

    def __init__(self, source: str) -> None:
        self.source, self.seen = source, {}

    def check(self, line: int, row: dict[str, str], key: Hashable, what: str) -> None:
        if key in self.seen:
            first, first_row = self.seen[key]
            if row == first_row:
                raise CsvImportError(f"{self.source}: line {line} repeats line {first}")
            raise CsvImportError(f"{self.source}: line {line}: {what} is already on line {first}; keep one")
        self.seen[key] = line, row


def _parse_all(
    rows, parse: Callable[[dict[str, str]], object], source: str, *, key: Callable, what: Callable
) -> list:
    """Every row parsed by `parse`, or the first bad or repeated one refused naming its line."""
    parsed, repeats = [], Repeats(source)
    for line, row in rows:
        try:
            item = parse(row)
        except (ValueError, KeyError) as exc:
            raise CsvImportError(f"{source}: line {line}: {exc}") from None
        repeats.check(line, row, key(item), what(row))
        parsed.append(item)
    return parsed


def _name(row: dict[str, str], column: str) -> str:
    if not row[column]:  # blank: every value is stripped
        raise ValueError(f"{column} is empty")
    return row[column]


def _email(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError(f"email {value!r} is not an email address")
    return value


def _day(row: dict[str, str], column: str) -> date:
    try:
        return date.fromisoformat(row[column])
    except ValueError:
        raise ValueError(f"{column} {row[column]!r} is not a date; use YYYY-MM-DD") from None


def _local_authority(row: dict[str, str]) -> LocalAuthority:
    if not ONS_CODE.match(row["ons_code"]):
        raise ValueError(f"ons_code {row['ons_code']!r} is not an English LA code like E09000002")
    status = one_of(row.get("status") or "current", LA_STATUSES, "status")
    return LocalAuthority(
        ons_code=row["ons_code"],
        name=_name(row, "name"),
        ofsted_urn=row.get("ofsted_urn") or None,
        dfe_la_code=row.get("dfe_la_code") or None,
        ons_region=row.get("ons_region") or None,
        ofsted_region=one_of(row["ofsted_region"], OFSTED_REGIONS, "ofsted_region"),
        la_type=row.get("la_type") or None,
        status=status,
    )


def import_local_authorities(session: Session, text: str, *, source: str) -> int:
    """Add or update LAs by ONS code. Returns how many rows were read."""
    authorities = _parse_all(
        csv_rows(text, LA_COLUMNS, source),
        _local_authority,
        source,
        key=lambda la: la.ons_code,
        what=lambda row: f"ons_code {row['ons_code']}",
    )
    fields = [name for name in LocalAuthority.model_fields if name != "id"]
    return _upsert(session, LocalAuthority, authorities, key=lambda la: la.ons_code, fields=fields)


def _upsert(session: Session, model: type, rows: list, *, key: Callable, fields: Iterable[str]) -> int:
    """Store each parsed row: one already stored under the same key takes the row's `fields`, a new
    one is added; so an import can be run twice. Returns how many rows were read."""
    existing = {key(stored): stored for stored in session.exec(select(model))}
    fields = tuple(fields)
    for row in rows:
        current = existing.get(key(row))
        if current is None:
            session.add(row)
            continue
        for name in fields:
            setattr(current, name, getattr(row, name))
    return len(rows)


def _contact_key(contact: Contact) -> tuple:
    """A contact is one person (by email) in one role at one LA from one day."""
    return contact.la_id, contact.role, contact.email.lower(), contact.valid_from


def import_contacts(session: Session, text: str, *, source: str) -> int:
    """Add or update LA contacts; every row must name a known LA, a known role and a valid email
    address. A contact already stored (see `_contact_key`) takes the row's name, email and end date."""
    las = {la.ons_code: la.id for la in session.exec(select(LocalAuthority))}

    def contact(row: dict[str, str]) -> Contact:
        if row["la_code"] not in las:
            raise ValueError(f"no local authority with ONS code {row['la_code']!r}")
        if row["role"] not in CONTACT_ROLES:
            raise ValueError(f"role {row['role']!r} is not one of {', '.join(CONTACT_ROLES)}")
        email, name, valid_from = _email(row["email"]), _name(row, "name"), _day(row, "valid_from")
        valid_to = _day(row, "valid_to") if row.get("valid_to") else None
        if valid_to and valid_to < valid_from:
            raise ValueError(f"valid_to {valid_to} is before valid_from {valid_from}")
        return Contact(
            la_id=las[row["la_code"]],
            role=row["role"],
            name=name,
            email=email,
            valid_from=valid_from,
            valid_to=valid_to,
        )

    contacts = _parse_all(
        csv_rows(text, CONTACT_COLUMNS, source),
        contact,
        source,
        key=_contact_key,
        what=lambda row: f"the {row['role']} {row['email']} at {row['la_code']} from {row['valid_from']}",
    )
    return _upsert(session, Contact, contacts, key=_contact_key, fields=("name", "email", "valid_to"))


def _national_key(contact: NationalContact) -> tuple:
    """A national contact is one address in one role from one day."""
    return contact.role, contact.email.lower(), contact.valid_from


def _national_contact(row: dict[str, str]) -> NationalContact:
    """One national recipient from a CSV row or the dashboard's form (the same fields, the same checks)."""
    role = one_of(row["role"], NATIONAL_ROLES, "role")
    valid_from = _day(row, "valid_from")
    valid_to = _day(row, "valid_to") if row.get("valid_to") else None
    if valid_to and valid_to < valid_from:
        raise ValueError(f"valid_to {valid_to} is before valid_from {valid_from}")
    return NationalContact(
        role=role,
        organisation=_name(row, "organisation"),
        name=_name(row, "name"),
        email=_email(row["email"]),
        valid_from=valid_from,
        valid_to=valid_to,
    )


def _national_row(contact: NationalContact) -> dict[str, str]:
    return {
        "role": contact.role,
        "organisation": contact.organisation,
        "name": contact.name,
        "email": contact.email,
        "valid_from": contact.valid_from.isoformat(),
        "valid_to": contact.valid_to.isoformat() if contact.valid_to else "",
    }


def import_national_contacts(
    session: Session, text: str, *, source: str, by: str = "import", now: datetime | None = None
) -> int:
    """Add or update the national recipients (DfE, partner inspectorates), like the LA contacts; the
    import is one audit entry naming who imported what."""
    contacts = _parse_all(
        csv_rows(text, NATIONAL_COLUMNS, source),
        _national_contact,
        source,
        key=_national_key,
        what=lambda row: f"the {row['role']} {row['email']} from {row['valid_from']}",
    )
    return _save_national(session, contacts, by=by, now=now, reason=f"import {source}")


def add_national_contact(session: Session, row: dict[str, str], *, by: str, now: datetime) -> NationalContact:
    """One national recipient, as business support adds it on the dashboard: the import's checks and
    upsert (the same role, email and first day updates the stored one), and its audit entry."""
    contact = _national_contact(row)
    _save_national(session, [contact], by=by, now=now, reason="added on the dashboard")
    return next(
        c for c in session.exec(select(NationalContact)) if _national_key(c) == _national_key(contact)
    )


def end_national_contact(
    session: Session, contact_id: int, valid_to: date, *, by: str, now: datetime
) -> NationalContact:
    """A national recipient's last day: from the next day nobody in that role is copied through it."""
    contact = session.get(NationalContact, contact_id)
    if contact is None:
        raise ValueError(f"no national contact {contact_id}")
    if valid_to < contact.valid_from:
        raise ValueError(f"the last day {valid_to} is before its first day {contact.valid_from}")
    before = _national_row(contact)
    contact.valid_to = valid_to
    session.add(contact)
    audit.append(
        session,
        at=now or datetime.now(UTC),
        actor=by,
        action="national_contact_end",
        subject=f"national contact {contact.id}",
        before=before,
        after=_national_row(contact),
    )
    return contact


def _save_national(
    session: Session, contacts: list[NationalContact], *, by: str, now: datetime | None, reason: str
) -> int:
    count = _upsert(
        session, NationalContact, contacts, key=_national_key, fields=("organisation", "name", "valid_to")
    )
    audit.append(
        session,
        at=now or datetime.now(UTC),
        actor=by,
        action="national_contacts",
        subject="national contacts",
        after={"contacts": [_national_row(c) for c in contacts]},
        reason=reason,
    )
    return count


def import_staff(session: Session, text: str, *, source: str) -> int:
    """Add or update Ofsted staff by name."""

    def member(row: dict[str, str]) -> StaffMember:
        name = _name(row, "name")
        if row["role"] not in STAFF_ROLES:
            raise ValueError(f"role {row['role']!r} is not one of {', '.join(STAFF_ROLES)}")
        region = row.get("ofsted_region")  # none: national, not one region's
        return StaffMember(
            name=name,
            role=row["role"],
            email=_email(row["email"]),
            ofsted_region=one_of(region, OFSTED_REGIONS, "ofsted_region") if region else None,
        )

    staff = _parse_all(
        csv_rows(text, STAFF_COLUMNS, source),
        member,
        source,
        key=lambda m: m.name,
        what=lambda row: f"staff member {row['name']!r}",
    )
    return _upsert(
        session, StaffMember, staff, key=lambda m: m.name, fields=("role", "email", "ofsted_region")
    )


def read_csv_file(path: Path) -> str:
    try:
        return path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CsvImportError(f"cannot read {path}: {exc}") from None


def shipped(name: str) -> str:
    """A reference data file that ships with the project (models/reference_data/)."""
    return resources.files("models").joinpath(f"reference_data/{name}").read_text("utf-8")


def load_fictional_demo_people(session: Session) -> None:
    """The invented contacts and staff of the demonstration, into a store that has no contacts yet."""
    if session.exec(select(func.count()).select_from(Contact)).one():
        return
    import_contacts(session, shipped("fictional-demo-contacts.csv"), source="fictional-demo-contacts.csv")
    import_staff(session, shipped("fictional-demo-staff.csv"), source="fictional-demo-staff.csv")


def ensure_reference_local_authorities(engine: Engine) -> None:
    """Load the shipped LAs into a store that has none (a new database)."""
    with Session(engine) as session:
        if session.exec(select(func.count()).select_from(LocalAuthority)).one():
            return
    with transaction(engine) as session:
        if not session.exec(select(func.count()).select_from(LocalAuthority)).one():
            import_local_authorities(
                session, shipped("local-authorities.csv"), source="local-authorities.csv"
            )
