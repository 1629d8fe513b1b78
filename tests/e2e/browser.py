"""What every browser test shares: Debian's Chromium under Playwright, and `check_page`, which saves a
screenshot into test-output/ and runs axe-core (installed from npm by the Makefile) on the page as it
stands, asserting no WCAG 2.0/2.1/2.2 A or AA violation."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / ".web" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-output"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch(playwright):
    assert Path(CHROMIUM).exists(), "Debian's chromium is needed (make test installs it)"
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)


def check_page(page, name: str) -> None:
    """Screenshot the page as `test-output/<name>.png`, then fail on any axe-core WCAG A/AA violation,
    naming each rule and the elements it found."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert AXE.exists(), "axe-core is needed (make install puts it in .web/node_modules)"
    # Injected as a script element with the page's nonce would fight the Content-Security-Policy;
    # evaluating the library's source in the page's main world is not subject to it.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations.map("
        "v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})))",
        WCAG_TAGS,
    )
    assert result == [], f"axe-core on {name}: " + json.dumps(result, indent=1)


def fill_date(page, name: str, day_: str, month: str, year: str) -> None:
    """Types a date into the GOV.UK date input `name`'s three fields."""
    page.fill(f"#{name}-day", day_)
    page.fill(f"#{name}-month", month)
    page.fill(f"#{name}-year", year)
