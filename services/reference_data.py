"""Reference data: local authorities and their contacts, imported from CSV, all or nothing.

A bad row is reported with its line number and reason, and nothing of that file is imported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from datetime import date
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from models.records import CONTACT_ROLES, STAFF_ROLES, Contact, LocalAuthority, StaffMember
from services.database import transaction

ONS_CODE = re.compile(r"^E(06|07|08|09|10)\d{6}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LA_COLUMNS = ("ons_code", "name", "ofsted_region")
CONTACT_COLUMNS = ("la_code", "role", "name", "email", "valid_from")
STAFF_COLUMNS = ("name", "role", "email")


class CsvImportError(ValueError):
    """A CSV file that cannot be imported; the message names the line."""


def csv_rows(text: str, required: Iterable[str], source: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise CsvImportError(f"{source}: line 1: missing column(s) {', '.join(missing)}")
    return [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}) for row in reader]


def _parse_all(rows, parse: Callable[[dict[str, str]], object], source: str) -> list:
    parsed = []
    for line, row in rows:
        try:
            parsed.append(parse(row))
        except (ValueError, KeyError) as exc:
            raise CsvImportError(f"{source}: line {line}: {exc}") from None
    return parsed


def _local_authority(row: dict[str, str]) -> LocalAuthority:
    if not ONS_CODE.match(row["ons_code"]):
        raise ValueError(f"ons_code {row['ons_code']!r} is not an English LA code like E09000002")
    for column in ("name", "ofsted_region"):
        if not row[column]:
            raise ValueError(f"{column} is empty")
    return LocalAuthority(
        ons_code=row["ons_code"],
        name=row["name"],
        ofsted_urn=row.get("ofsted_urn") or None,
        dfe_la_code=row.get("dfe_la_code") or None,
        ons_region=row.get("ons_region") or None,
        ofsted_region=row["ofsted_region"],
        la_type=row.get("la_type") or None,
        status=row.get("status") or "current",
    )


def import_local_authorities(session: Session, text: str, *, source: str) -> int:
    """Add or update LAs by ONS code. Returns how many rows were read."""
    authorities = _parse_all(csv_rows(text, LA_COLUMNS, source), _local_authority, source)
    codes = [la.ons_code for la in authorities]
    if len(set(codes)) != len(codes):
        duplicate = next(c for c in codes if codes.count(c) > 1)
        raise CsvImportError(f"{source}: ons_code {duplicate} appears twice")
    existing = {la.ons_code: la for la in session.exec(select(LocalAuthority))}
    for la in authorities:
        current = existing.get(la.ons_code)
        if current:
            for field in LocalAuthority.model_fields:
                if field != "id":
                    setattr(current, field, getattr(la, field))
        else:
            session.add(la)
    return len(authorities)


def import_contacts(session: Session, text: str, *, source: str) -> int:
    """Add LA contacts; every row must name a known LA, a known role and a valid email address."""
    las = {la.ons_code: la.id for la in session.exec(select(LocalAuthority))}

    def contact(row: dict[str, str]) -> Contact:
        if row["la_code"] not in las:
            raise ValueError(f"no local authority with ONS code {row['la_code']!r}")
        if row["role"] not in CONTACT_ROLES:
            raise ValueError(f"role {row['role']!r} is not one of {', '.join(CONTACT_ROLES)}")
        if not EMAIL.match(row["email"]):
            raise ValueError(f"email {row['email']!r} is not an email address")
        if not row["name"]:
            raise ValueError("name is empty")
        valid_to = date.fromisoformat(row["valid_to"]) if row.get("valid_to") else None
        return Contact(
            la_id=las[row["la_code"]], role=row["role"], name=row["name"], email=row["email"],
            valid_from=date.fromisoformat(row["valid_from"]), valid_to=valid_to,
        )  # fmt: skip

    contacts = _parse_all(csv_rows(text, CONTACT_COLUMNS, source), contact, source)
    session.add_all(contacts)
    return len(contacts)


def import_staff(session: Session, text: str, *, source: str) -> int:
    """Add or update Ofsted staff by name."""

    def member(row: dict[str, str]) -> StaffMember:
        if not row["name"]:
            raise ValueError("name is empty")
        if row["role"] not in STAFF_ROLES:
            raise ValueError(f"role {row['role']!r} is not one of {', '.join(STAFF_ROLES)}")
        if not EMAIL.match(row["email"]):
            raise ValueError(f"email {row['email']!r} is not an email address")
        return StaffMember(
            name=row["name"],
            role=row["role"],
            email=row["email"],
            ofsted_region=row.get("ofsted_region") or None,
        )

    staff = _parse_all(csv_rows(text, STAFF_COLUMNS, source), member, source)
    existing = {m.name: m for m in session.exec(select(StaffMember))}
    for m in staff:
        current = existing.get(m.name)
        if current:
            current.role, current.email, current.ofsted_region = m.role, m.email, m.ofsted_region
        else:
            session.add(m)
    return len(staff)


def read_csv_file(path: Path) -> str:
    try:
        return path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CsvImportError(f"cannot read {path}: {exc}") from None


def shipped(name: str) -> str:
    """A reference data file that ships with the project (models/reference_data/)."""
    return resources.files("models").joinpath(f"reference_data/{name}").read_text("utf-8")


def load_fictional_demo_people(engine: Engine) -> None:
    """The invented contacts and staff of the demonstration, into a store that has no contacts yet."""
    with transaction(engine) as session:
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
