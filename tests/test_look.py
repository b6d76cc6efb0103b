"""The shipped seeds' issue (--date 2016-08-31) as a reader sees it, in real headless Chromium.

At 600 px (the column's width) and 375 px (a phone), with the head <style> and without it
(Gmail drops <style> for non-Google accounts): no horizontal scrolling, text at least
14 px, and the masthead, lead, "I'm hearing" and events on screen. A failing case saves a
screenshot under test-artifacts/screenshots/; the styled 600 and 375 px views are always
saved there too (seed-issue-600.png, seed-issue-375.png), to look at.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from shellkit import on_store

from newsletter import config as config_module
from newsletter import pipeline

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# Each landmark: a selector and text it must show.
LANDMARKS = {
    "masthead": (".masthead", "31st August 2016"),
    "lead": (".section-lead", "News and Comment from Roy Lilley"),
    "hearing": (".section-hearing", ">>"),
    "events": (".section-events", "Ed Smith"),
}
FACTS = """(landmarks) => {
    const where = (el) => {
        const box = el.getBoundingClientRect(), style = getComputedStyle(el);
        if (!box.width || !box.height || style.visibility === "hidden" || style.display === "none") return "hidden";
        return box.left < 0 || box.right > window.innerWidth + 0.5 ? "cut off" : "ok";
    };
    const sizes = [...document.querySelectorAll("p")].filter((p) => where(p) === "ok")
        .map((p) => [parseFloat(getComputedStyle(p).fontSize), p.textContent.trim().slice(0, 40)]);
    const seen = {};
    for (const [name, [selector, text]] of Object.entries(landmarks)) {
        const el = document.querySelector(selector);
        const shown = el && el.innerText.toLowerCase().includes(text.toLowerCase());  // headings are upper-cased
        seen[name] = !el ? "missing" : !shown ? `without "${text}"` : where(el);
    }
    const column = document.querySelector(".container").getBoundingClientRect();
    return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, sizes, seen,
            column: [column.left, column.width]};
}"""


@pytest.fixture(scope="module")
def seed_issue(tmp_path_factory) -> Path:
    """The folder of issue 1 built from a copy of the shipped seeds and config."""
    project = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "seeds", project / "seeds")
    shutil.copy(ROOT / "config.toml", project / "config.toml")
    config = config_module.load(project / "config.toml")
    # Built the evening before, so the undated documents count as first seen before the dated lead.
    result = on_store(
        pipeline.build,
        config,
        date=dt.date(2016, 8, 31),
        now=dt.datetime(2016, 8, 30, 18, tzinfo=config.zone),
        no_fetch=True,
    )
    assert [f for f in result.findings if f.level == "error"] == []
    return project / "out" / "issue-0001"


def look(browser, html: Path, width: int, *, styles: bool, name: str) -> dict:
    """What the page shows at `width`; a screenshot of it is saved as `name` when a check fails."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(html.as_uri())
        if not styles:
            page.evaluate("document.querySelectorAll('style').forEach((s) => s.remove())")
        facts = page.evaluate(FACTS, {k: list(v) for k, v in LANDMARKS.items()})
        facts["problems"] = problems(facts)
        if facts["problems"] or (styles and width in (600, 375)):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shot = SCREENSHOTS / (f"FAILED-{name}.png" if facts["problems"] else f"seed-issue-{width}.png")
            page.screenshot(path=str(shot), full_page=True)
            facts["screenshot"] = shot
        return facts
    finally:
        page.close()


def problems(facts: dict) -> list[str]:
    found = []
    if facts["scrollWidth"] > facts["innerWidth"]:
        found.append(f"scrolls sideways: {facts['scrollWidth']} px of content in {facts['innerWidth']} px")
    found += [f"{size:g} px text: {text!r}" for size, text in facts["sizes"] if size < 14]
    found += [f"{landmark} is {state}" for landmark, state in facts["seen"].items() if state != "ok"]
    return found


@pytest.mark.parametrize("styles", [True, False], ids=["styled", "without-style-element"])
@pytest.mark.parametrize("width", [600, 375])
def test_the_issue_reads_without_sideways_scrolling_and_shows_every_section(browser, seed_issue, width, styles):
    name = f"seed-issue-{width}-{'styled' if styles else 'no-style'}"
    facts = look(browser, seed_issue / "issue.html", width, styles=styles, name=name)
    assert facts["problems"] == [], f"{facts['problems']}; screenshot: {facts.get('screenshot')}"
    assert facts["sizes"], "no paragraph is visible"


@pytest.mark.parametrize("styles", [True, False], ids=["styled", "without-style-element"])
def test_on_a_wide_screen_the_column_is_600px_and_centred(browser, seed_issue, styles):
    facts = look(browser, seed_issue / "issue.html", 1000, styles=styles, name=f"seed-issue-1000-{styles}")
    assert facts["problems"] == [], f"{facts['problems']}; screenshot: {facts.get('screenshot')}"
    assert facts["column"] == [200, 600]


def test_the_seed_issue_text_part_matches_its_golden_file(seed_issue, golden):
    golden("seed-issue.txt", (seed_issue / "issue.txt").read_text(encoding="utf-8"))
