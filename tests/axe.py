"""axe-core (WCAG 2.1 A and AA rules) in a Playwright page: the violations, one line each.

axe.min.js comes from the axe-playwright-python wheel (it bundles axe-core), so the tests need
no network; it is evaluated in the page (the context bypasses CSP, as the public pages forbid
scripts). Frames are not entered: an email shown in a sandboxed frame gets its own run.
"""

from __future__ import annotations

from pathlib import Path

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def violations(page) -> list[str]:
    """axe's violations on what `page` shows now: "rule-id: selector, ..." per rule."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(_source())
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, iframes: false})"
        ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))",
        TAGS,
    )
    return list(found)
