"""The compliance report in each format: table, json, csv, html (with charts) and xlsx. Every format
states whether the audit chain verifies, and over how many entries.

People read the table, the page and the workbook: headline figures first, milestone titles and plain
headings. Programs read json and csv: milestone keys and field names, every count."""

from __future__ import annotations

import html
import io
import json
from datetime import date

from interfaces.spreadsheets import ROW_END, append_row, write_csv
from models.compliance import Tally
from services.reports.compliance import DRIFT_ACTIVITIES, DRIFT_DAYS, Drift, Report

OWNERS = {"ofsted": "Ofsted", "la": "LA"}
# A milestone's row as people read it: heading, and the value from its tally
READABLE = (
    ("Due", lambda t: t.due),
    ("On time", lambda t: t.met),
    ("Late", lambda t: t.late),
    ("Overdue", lambda t: t.overdue),
    ("Not yet due", lambda t: t.pending),
    ("Not counted", lambda t: t.not_applicable + t.waived + t.unknown),
    ("On-time rate", lambda t: t.on_time_rate),
    ("Median working days late", lambda t: t.as_dict()["median_working_days_late"]),
    ("90th percentile working days late", lambda t: t.as_dict()["p90_working_days_late"]),
)
RATES = {"On-time rate"}
NOT_COUNTED = "Not counted: not applicable, waived, or past with no record (imported history)."


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _shown(heading: str, value, rates: set[str] = RATES) -> str:
    """A figure as people read it: a rate as a percentage, a count with thousands separated."""
    if heading in rates:
        return _pct(value)
    return f"{value:,}" if isinstance(value, int) else _num(value)


def _first_of(month: str) -> date:
    """The first day of a month given as "2025-04"."""
    return date.fromisoformat(month + "-01")


def _month(text: str) -> str:
    """A month given as "2025-04", as "April 2025"."""
    return f"{_first_of(text):%B %Y}"


def integrity_line(report: Report) -> str:
    return str(report.integrity)


def headline(report: Report) -> list[str]:
    """One sentence an owner: the rate out of the milestones that fell due, and the rate counting
    justified variances as on time; those not yet due are said apart, never counted as due."""
    owners = dict(report.by_owner())
    lines = []
    for owner, name in OWNERS.items():
        tally = owners.get((owner,))
        if tally is None:
            continue
        if not tally.due:
            lines.append(
                f"{name}: none of its {tally.in_period:,} milestones counts towards a rate "
                f"({tally.pending:,} not yet due; the rest not applicable, waived or with no record)"
            )
            continue
        lines.append(
            f"{name}: {tally.met:,} of {tally.due:,} due on time ({_pct(tally.on_time_rate)}); "
            f"{_pct(tally.on_time_rate_with_justified)} counting justified variances; "
            f"{tally.late:,} late, {tally.overdue:,} overdue, {tally.pending:,} not yet due"
        )
    return lines or ["No milestone has a target in the period."]


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
        "milestones": [
            {"title": report.titles[row["key"]], **row} for row in rows(report.by_key(), ("owner", "key"))
        ],
        "by_region": rows(report.by_region(), ("region", "owner")),
        "by_month": rows(report.by_month(), ("month", "owner")),
        "drift": [_drift_json(d) for d in report.drift],
        "rules": report.rules(),
    }


def _drift_json(d: Drift) -> dict:
    return {
        "activity_types": list(d.activity_types),
        "key": d.key,
        "year": d.year,
        "activities": d.activities,
        "rule_working_days": d.rule_working_days,
        "median_working_days": d.median_working_days,
        "difference": d.difference,
        "drift": d.drifted,
    }


def _kinds(d: Drift) -> str:
    """ "short-inspection", "standard-inspection" as "short and standard inspections"."""
    words = [t.replace("-", " ") for t in d.activity_types]
    if len(words) == 1:
        return words[0]
    last = words[-1].split(" ")[-1] + "s"
    return " and ".join(w.rsplit(" ", 1)[0] for w in words) + " " + last


def _drift_rows(report: Report) -> list[list]:
    """Practice beside the rule, for each group large enough to judge; flagged ones say so."""
    return [
        [
            _kinds(d),
            d.title,
            d.year,
            d.activities,
            d.rule_working_days,
            d.median_working_days,
            "yes" if d.drifted else "",
        ]
        for d in report.drift
        if d.activities >= DRIFT_ACTIVITIES
    ]


DRIFT_HEADINGS = [
    "Activities of type",
    "Milestone",
    "Year",
    "Activities",
    "Rule (working days)",
    "Practice: median working days",
    "Drift",
]
DRIFT_NOTE = (
    f"Working days from the rule's anchor (the first or last day on site, or the milestone it follows) "
    f"to what happened. Drift: the median differs from the rule by {DRIFT_DAYS} working days or more "
    f"over {DRIFT_ACTIVITIES} activities or more."
)


def _milestone_rows(report: Report) -> list[list]:
    return [
        [report.titles[key], OWNERS[owner], *(get(t) for _, get in READABLE)]
        for (owner, key), t in report.by_key()
    ]


def _side_by_side(groups: list[tuple[tuple, Tally]], label) -> list[list]:
    """One row a region or month: Ofsted's due and rate, then the LA's."""
    table: dict[str, dict[str, Tally]] = {}
    for (name, owner), tally in groups:
        table.setdefault(name, {})[owner] = tally
    rows = []
    for name, owners in table.items():
        row = [label(name)]
        for owner in OWNERS:
            tally = owners.get(owner, Tally())
            row += [tally.due, tally.on_time_rate, tally.on_time_rate_with_justified]
        rows.append(row)
    return rows


SIDE_HEADINGS = [
    f"{name} {what}"
    for name in OWNERS.values()
    for what in ("due", "on-time rate", "on-time rate counting justified variances")
]


def to_table(report: Report) -> str:
    lines = [
        f"Milestone compliance, targets from {report.start:%d %B %Y} to {report.end:%d %B %Y} "
        f"(as of {report.as_of:%d %B %Y %H:%M})",
        integrity_line(report),
        "",
        *headline(report),
    ]
    headings = ["Milestone", "Owner", *(h for h, _ in READABLE[:7]), "Median late"]
    table = [headings] + [
        [row[0], row[1], *(_shown(h, v) for (h, _), v in zip(READABLE[:8], row[2:10], strict=True))]
        for row in _milestone_rows(report)
    ]
    if len(table) > 1:
        widths = [max(len(r[i]) for r in table) for i in range(len(headings))]
        lines += [
            "",
            *("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in table),
        ]
        lines.append(NOT_COUNTED)
    for title, groups, label in (
        ("By region", report.by_region(), str),
        ("By month", report.by_month(), _month),
    ):
        if not groups:
            continue
        lines += ["", title]
        for row in _side_by_side(groups, label):
            lines.append(
                f"  {row[0]:<40} Ofsted due {row[1]:<6,} on time {_pct(row[2]):<5} "
                f"LA due {row[4]:<6,} on time {_pct(row[5])}"
            )
    drifted = [d for d in report.drift if d.drifted]
    if drifted:
        lines += ["", "Practice drifting from the rules"]
        for d in drifted:
            lines.append(
                f"  {d.title} ({_kinds(d)}), {d.year}: median "
                f"{d.median_working_days:g} working days against the rule's {d.rule_working_days}, "
                f"over {d.activities} activities"
            )
    if report.rules():
        lines.append("")
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


COLOURS = {"Ofsted": "#1d70b8", "LA": "#f47738"}  # GOV.UK blue and orange


def _svg_bars(
    title: str, alt: str, labels: list[str], series: dict[str, list[float | None]], *, top: float, unit: str
) -> str:
    """A bar chart drawn as inline SVG (sharp when printed, no plotting library to load): one group of
    bars a label, one bar a series, none where a value is None; its title and text alternative are
    the SVG's own, so a screen reader announces them."""
    esc = html.escape
    width, height, left, bottom, right = 720, 260, 48, 56, 10
    plot_w, plot_h = width - left - right, height - bottom - 20
    group = plot_w / max(1, len(labels))
    bar = group * 0.8 / max(1, len(series))
    every = max(1, round(len(labels) / 24))  # at most about 24 labels
    ticks = [top * i / 4 for i in range(5)]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" aria-label="{esc(title)}">',
        f"<title>{esc(title)}</title><desc>{esc(alt)}</desc>",
    ]
    for tick in ticks:
        y = 20 + plot_h - tick / top * plot_h
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#b1b4b6"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{tick:g}{unit}</text>'
        )
    for i, label in enumerate(labels):
        for j, (name, values) in enumerate(series.items()):
            value = values[i]
            if value is None:
                continue
            h = value / top * plot_h
            x = left + i * group + group * 0.1 + j * bar
            parts.append(
                f'<rect x="{x:.1f}" y="{20 + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS.get(name, "#1d70b8")}"/>'
            )
        if i % every == 0:
            x = left + (i + 0.5) * group
            parts.append(
                f'<text x="{x:.1f}" y="{height - bottom + 14}" font-size="11" text-anchor="end" '
                f'transform="rotate(-40 {x:.1f} {height - bottom + 14})">{esc(label)}</text>'
            )
    if len(series) > 1:
        for j, name in enumerate(series):
            x = left + 10 + j * 90
            parts.append(
                f'<rect x="{x}" y="2" width="12" height="12" fill="{COLOURS.get(name, "#1d70b8")}"/>'
                f'<text x="{x + 16}" y="12" font-size="12">{esc(name)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def charts(report: Report) -> list[tuple[str, str]]:
    """The charts, each its title and SVG with a text alternative that says what it shows: the
    on-time rate by month (one label a month; no bar where nothing fell due), and how late late
    milestones were (only drawn when something was late)."""
    pictures = []
    months = _side_by_side(report.by_month(), _month)
    if months:
        described = "; ".join(f"{row[0]}: Ofsted {_pct(row[2])}, LA {_pct(row[5])}" for row in months)
        title = "On-time rate by month"
        alt = (
            f"Bar chart of the share of milestones due each month that were met on time, Ofsted's and "
            f"the LA's side by side ({described}; – where none fell due). The table below gives the figures."
        )
        rates = {
            name: [None if row[i] is None else row[i] * 100 for row in months]
            for name, i in (("Ofsted", 2), ("LA", 5))
        }
        labels = [row[0] for row in _side_by_side(report.by_month(), lambda m: f"{_first_of(m):%b %Y}")]
        pictures.append((title, _svg_bars(title, alt, labels, rates, top=100, unit="%")))
    lateness = _lateness_rows(report)
    if lateness:
        days = dict(lateness)
        most = max(days, key=days.get)
        title = "How late the late milestones were"
        alt = (
            f"Histogram of the {sum(days.values()):,} late milestones by working days late, from "
            f"{min(days)} to {max(days)}, most often {most}. The table below gives the figures."
        )
        span = list(range(1, max(days) + 1))
        counts = [days.get(n) for n in span]
        top = max(4, -(-max(days.values()) // 4) * 4)  # a round top, so the ticks are whole numbers
        pictures.append(
            (title, _svg_bars(title, alt, [str(n) for n in span], {"Milestones": counts}, top=top, unit=""))
        )
    return pictures


def _lateness_rows(report: Report) -> list[list]:
    """How many milestones were late by each number of working days, counted over the array."""
    import numpy as np

    if not report.columns:
        return []
    days = report.columns["days_late"]
    late, counts = np.unique(days[days > 0], return_counts=True)
    return [[n, count] for n, count in zip(late.tolist(), counts.tolist(), strict=True)]


STYLE = """
body{font-family:Arial,sans-serif;color:#0b0c0c;margin:30px;max-width:60em;line-height:1.4}
h1{font-size:2em}h2{margin-top:1.6em}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.95em}
caption{text-align:left;font-weight:bold;padding:0.3em 0}
td,th{border-bottom:1px solid #b1b4b6;padding:6px 10px;text-align:left;vertical-align:top}
th{font-weight:bold}td.n,th.n{text-align:right}
.headline{font-size:1.2em;border-left:5px solid #1d70b8;padding-left:15px}
figure{margin:0 0 1em}svg{height:auto}
.audit-broken{color:#d4351c;font-weight:bold}
@media print{
  @page{size:A4;margin:15mm}
  body{margin:0;max-width:none;font-size:10pt}
  h2{break-after:avoid}table,figure{break-inside:auto}tr{break-inside:avoid}
  thead{display:table-header-group}
  td,th{padding:3px 6px}
}
"""


def _html_table(caption: str, headings: list[str], rows: list[list], rates: set[str] = RATES) -> str:
    """An accessible table (caption, column and row headers), or nothing when it has no rows."""
    esc = html.escape
    if not rows:
        return ""

    def cell(heading: str, value, *, first: bool) -> str:
        numeric = not isinstance(value, str)
        text = _shown(heading, value, rates) if numeric else value
        tag = "th scope='row'" if first else "td"
        return f"<{tag}{' class=n' if numeric else ''}>{esc(text)}</{tag.split()[0]}>"

    head = "".join(f"<th scope='col'{' class=n' if i else ''}>{esc(h)}</th>" for i, h in enumerate(headings))
    body = "".join(
        "<tr>"
        + "".join(cell(h, v, first=i == 0) for i, (h, v) in enumerate(zip(headings, row, strict=True)))
        + "</tr>"
        for row in rows
    )
    return (
        f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _html_body(report: Report) -> list[str]:
    """The region, month and milestone tables, the charts with their figures, and drift."""
    esc = html.escape
    parts: list[str] = []
    side_rates = {h for h in SIDE_HEADINGS if "rate" in h}
    parts += [
        "<h2>By region</h2>",
        _html_table(
            "Milestones due and on time, by region",
            ["Region", *SIDE_HEADINGS],
            _side_by_side(report.by_region(), str),
            side_rates,
        ),
    ]
    pictures = dict(charts(report))

    def figure(title: str) -> str:
        return f"<figure>{pictures[title]}</figure>"

    parts.append("<h2>By month of the target</h2>")
    if "On-time rate by month" in pictures:  # the chart, then its figures
        parts.append(figure("On-time rate by month"))
    parts.append(
        _html_table(
            "Milestones due and on time, by month",
            ["Month", *SIDE_HEADINGS],
            _side_by_side(report.by_month(), _month),
            side_rates,
        )
    )
    late = "How late the late milestones were"
    if late in pictures:
        parts += [
            f"<h2>{late}</h2>",
            figure(late),
            _html_table(f"{late}: the figures", ["Working days late", "Milestones"], _lateness_rows(report)),
        ]
    else:
        parts.append("<p>No milestone in the period was late.</p>")
    parts += [
        "<h2>By milestone</h2>",
        _html_table(
            "Each milestone's record",
            ["Milestone", "Owner", *(h for h, _ in READABLE)],
            _milestone_rows(report),
        ),
        f"<p>{esc(NOT_COUNTED)}</p>",
    ]
    drift = _drift_rows(report)
    if drift:
        parts += [
            "<h2>Practice against the rules</h2>",
            f"<p>{esc(DRIFT_NOTE)}</p>",
            _html_table("Observed practice beside each rule, by year", DRIFT_HEADINGS, drift, set()),
        ]
    return parts


def to_html(report: Report) -> str:
    esc = html.escape
    status = "verifies" if report.integrity.verified else "is BROKEN"
    audit_class = "audit" if report.integrity.verified else "audit audit-broken"
    filters = ", ".join(f"{k} {v}" for k, v in report.filters.items() if v) or "all regions, types and owners"
    parts = [
        f"<h1>Milestone compliance: {report.start:%d %B %Y} to {report.end:%d %B %Y}</h1>",
        f"<p>Milestones whose target falls in the period ({esc(filters)}), as of "
        f"{report.as_of:%d %B %Y %H:%M}. A rate is out of the milestones that fell due: "
        "met, late or overdue.</p>",
        f'<p class="{audit_class}">The audit chain {status} ({esc(integrity_line(report))}).</p>',
        "<h2>Headline figures</h2>",
        *(f'<p class="headline">{esc(line)}</p>' for line in headline(report)),
    ]
    owners = dict(report.by_owner())
    if owners:
        parts.append(
            _html_table(
                "Headline figures by owner",
                ["Owner", *(h for h, _ in READABLE[:7]), "On-time rate counting justified variances"],
                [
                    [
                        name,
                        *(get(owners[(o,)]) for _, get in READABLE[:7]),
                        owners[(o,)].on_time_rate_with_justified,
                    ]
                    for o, name in OWNERS.items()
                    if (o,) in owners
                ],
                rates=RATES | {"On-time rate counting justified variances"},
            )
        )
    if report.columns:  # the tables and charts, when any milestone falls in the period
        parts += _html_body(report)
    if report.rules():
        parts.append("<h2>Not applicable and waived</h2><ul>")
        parts += [f"<li>{esc(what)}: {esc(why)}</li>" for what, why in report.rules().items()]
        parts.append("</ul>")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Milestone compliance, {report.start:%d %B %Y} to {report.end:%d %B %Y}</title>"
        f"<style>{STYLE}</style></head><body><main>{''.join(parts)}</main></body></html>"
    )


def to_xlsx(report: Report) -> bytes:
    """Named sheets with readable headings, rates as percentages, months as real dates, widths set,
    the header frozen and filtered."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    about = book.active
    about.title = "About"
    for row in (
        ["Milestone compliance"],
        ["Audit chain", integrity_line(report)],
        ["Targets from", report.start],
        ["Targets to", report.end],
        ["As of", report.as_of.replace(tzinfo=None)],
        *([line] for line in headline(report)),
        [NOT_COUNTED],
    ):
        append_row(about, row)
    about["A1"].font = Font(bold=True, size=14)
    for cell in ("B3", "B4"):
        about[cell].number_format = "d mmmm yyyy"
    about["B5"].number_format = "d mmmm yyyy hh:mm"
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 60

    def sheet(
        title: str, headings: list[str], rows: list[list], rates: set[str], dates: set[str] = frozenset()
    ):
        page = book.create_sheet(title)
        append_row(page, headings)
        for row in rows:
            append_row(page, row)
        for column, heading in enumerate(headings, start=1):
            letter = page.cell(row=1, column=column).column_letter
            page.cell(row=1, column=column).font = Font(bold=True)
            longest = max([len(heading)] + [len(str(r[column - 1])) for r in rows[:200]])
            page.column_dimensions[letter].width = min(60, max(10, longest + 2))
            for r in range(2, len(rows) + 2):
                if heading in rates:
                    page.cell(row=r, column=column).number_format = "0%"
                elif heading in dates:
                    page.cell(row=r, column=column).number_format = "mmmm yyyy"
        page.freeze_panes = "A2"
        page.auto_filter.ref = page.dimensions

    side_rates = {h for h in SIDE_HEADINGS if "rate" in h}
    sheet("Milestones", ["Milestone", "Owner", *(h for h, _ in READABLE)], _milestone_rows(report), RATES)
    sheet("By region", ["Region", *SIDE_HEADINGS], _side_by_side(report.by_region(), str), side_rates)
    sheet(
        "By month",
        ["Month", *SIDE_HEADINGS],
        _side_by_side(report.by_month(), _first_of),
        side_rates,
        {"Month"},
    )
    sheet("Lateness", ["Working days late", "Milestones"], _lateness_rows(report), set())
    sheet("Practice against rules", DRIFT_HEADINGS, _drift_rows(report), set())
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
