"""The compliance report in each format: table, json, csv, html (with charts) and xlsx. Every format
states whether the audit chain verifies, and over how many entries."""

from __future__ import annotations

import base64
import html
import io
import json

from interfaces.spreadsheets import ROW_END, append_row, write_csv
from models.compliance import Tally
from services.reports.compliance import Report

OWNERS = {"ofsted": "Ofsted", "la": "LA"}


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def integrity_line(report: Report) -> str:
    return str(report.integrity)


def to_json(report: Report) -> dict:
    def rows(groups: list[tuple[tuple, Tally]], names: tuple[str, ...]) -> list[dict]:
        return [{**dict(zip(names, key, strict=True)), **tally.as_dict()} for key, tally in groups]

    return {
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "as_of": report.as_of.isoformat(),
        "filters": report.filters,
        "audit": {
            "verified": report.integrity.verified,
            "entries": report.integrity.entries,
            "first_broken": report.integrity.first_broken,
            "statement": integrity_line(report),
        },
        "owners": rows(report.by_owner(), ("owner",)),
        "milestones": rows(report.by_key(), ("owner", "key")),
        "by_region": rows(report.by_region(), ("region", "owner")),
        "by_month": rows(report.by_month(), ("month", "owner")),
        "rules": report.rules(),
    }


COLUMNS = ("due", "met", "late", "overdue", "pending", "not_applicable", "waived", "unknown")


def to_table(report: Report) -> str:
    lines = [
        f"Milestone compliance, targets from {report.start:%d %B %Y} to {report.end:%d %B %Y} "
        f"(as of {report.as_of:%d %B %Y %H:%M})",
        integrity_line(report),
        "",
    ]
    owners = dict(report.by_owner())
    side = [
        f"{OWNERS[o]}: on time {_pct(owners[(o,)].on_time_rate)} "
        f"({_pct(owners[(o,)].on_time_rate_with_justified)} with justified variances), "
        f"due {owners[(o,)].due}"
        for o in OWNERS
        if (o,) in owners
    ]
    lines.append("   |   ".join(side) or "no milestones fall due in the period")
    header = ("owner", "milestone", *COLUMNS, "median late", "p90 late", "on time")
    table = [header]
    for (owner, key), tally in report.by_key():
        d = tally.as_dict()
        table.append(
            (
                OWNERS[owner],
                key,
                *(str(d[c]) for c in COLUMNS),
                _num(d["median_working_days_late"]),
                _num(d["p90_working_days_late"]),
                _pct(tally.on_time_rate),
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines += ["", *("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in table)]
    for title, groups in (("By region", report.by_region()), ("By month", report.by_month())):
        lines += ["", title]
        for (name, owner), tally in groups:
            lines.append(
                f"  {name:<40} {OWNERS[owner]:<7} due {tally.due:<4} on time {_pct(tally.on_time_rate)}"
            )
    for what, why in report.rules().items():
        lines.append(f"{what}: {why}")
    return "\n".join(lines)


def to_csv(report: Report) -> str:
    """One row per milestone key and owner; the first line states the audit chain's integrity."""
    out = io.StringIO()
    out.write(f"# {integrity_line(report)}{ROW_END}")
    rows = to_json(report)["milestones"]
    fields = list(dict.fromkeys(["owner", "key", *(rows[0].keys() if rows else ())]))
    write_csv(out, [fields, *([row.get(f) for f in fields] for row in rows)])
    return out.getvalue()


def charts(report: Report) -> dict[str, bytes]:
    """PNG charts: on-time rate by month and by milestone, and the distribution of lateness."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pictures = {}

    def save(fig, name: str) -> None:
        buffer = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buffer, format="png", dpi=100)
        plt.close(fig)
        pictures[name] = buffer.getvalue()

    months = report.by_month()
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for offset, owner in ((-0.2, "ofsted"), (0.2, "la")):
        points = [(i, t.on_time_rate or 0) for i, ((m, o), t) in enumerate(months) if o == owner]
        ax.bar([i + offset for i, _ in points], [r * 100 for _, r in points], width=0.4, label=OWNERS[owner])
    ax.set_xticks(range(len(months)), [m for (m, _), _ in months], rotation=45, ha="right")
    ax.set_ylabel("on time (%)")
    ax.set_ylim(0, 100)
    ax.legend()
    save(fig, "On-time rate by month")

    keys = report.by_key()
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.3 * len(keys))))
    ax.barh([f"{k} ({OWNERS[o]})" for (o, k), _ in keys], [(t.on_time_rate or 0) * 100 for _, t in keys])
    ax.set_xlabel("on time (%)")
    ax.set_xlim(0, 100)
    save(fig, "On-time rate by milestone")

    days = [r.verdict.days_late for r in report.rows if r.verdict.category == "late"]
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.hist(days or [0], bins=range(0, max(days or [1]) + 2), color="#1d70b8", rwidth=0.9)
    ax.set_xlabel("working days late")
    ax.set_ylabel("milestones")
    save(fig, "Lateness distribution")
    return pictures


def to_html(report: Report) -> str:
    data = to_json(report)
    esc = html.escape
    head = ["owner", "key", *COLUMNS, "median_working_days_late", "p90_working_days_late", "on_time_rate"]
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(_cell(row[c]))}</td>" for c in head) + "</tr>"
        for row in data["milestones"]
    )
    images = "".join(
        f'<h2>{esc(title)}</h2><img alt="{esc(title)}" src="data:image/png;base64,'
        f'{base64.b64encode(png).decode()}">'
        for title, png in charts(report).items()
    )
    status = "verifies" if report.integrity.verified else "is BROKEN"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Milestone compliance</title>'
        "<style>body{font-family:Arial,sans-serif;color:#0b0c0c;margin:30px}table{border-collapse:collapse}"
        "td,th{border-bottom:1px solid #b1b4b6;padding:6px 12px;text-align:left}</style></head><body>"
        f"<h1>Milestone compliance: {report.start:%d %B %Y} to {report.end:%d %B %Y}</h1>"
        f'<p class="audit">The audit chain {status} ({esc(integrity_line(report))}).</p>'
        "<table><thead><tr>" + "".join(f"<th>{esc(c)}</th>" for c in head) + "</tr></thead>"
        f"<tbody>{body}</tbody></table>{images}</body></html>"
    )


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.0%}" if value <= 1 else f"{value:g}"
    return "–" if value is None else str(value)


def to_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook

    data = to_json(report)
    book = Workbook()
    about = book.active
    about.title = "About"
    append_row(about, ["Milestone compliance", f"{report.start} to {report.end}"])
    append_row(about, ["Audit chain", integrity_line(report)])
    for title, rows in (
        ("Milestones", data["milestones"]),
        ("By region", data["by_region"]),
        ("By month", data["by_month"]),
    ):
        sheet = book.create_sheet(title)
        if rows:
            append_row(sheet, list(rows[0].keys()))
            for row in rows:
                append_row(sheet, list(row.values()))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(report: Report, fmt: str) -> str | bytes:
    return {
        "table": to_table,
        "json": lambda r: json.dumps(to_json(r), indent=2, ensure_ascii=False),
        "csv": to_csv,
        "html": to_html,
        "xlsx": to_xlsx,
    }[fmt](report)
