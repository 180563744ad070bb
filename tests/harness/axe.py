"""axe-core (vendored from npm, see vendor/axe-core/README.md) run inside a Playwright page."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SEVERE = ("serious", "critical")


@cache
def _source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def severe_violations(page: Page) -> list[str]:
    """axe's serious and critical violations on the page as it is now, one line each (rule, impact, where).

    The script goes in through the DevTools protocol (page.evaluate), which the page's CSP does not govern, so
    the page under test keeps its strict policy.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_source() + "\n;0")
    results = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [
        f"{item['id']} ({item['impact']}): {item['help']} at {', '.join(item['nodes'])}"
        for item in results
        if item["impact"] in SEVERE
    ]
