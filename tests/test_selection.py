"""An editor's digest, not a dump: built from generated feeds (5,000 rich entries, 20,000 "I'm
hearing" lines, a ten-year backlog, far-future dates, empty and enclosure-only entries), every
issue fits the size budget, the overflow is listed and linked, the next issue takes it, and
nothing scrolls sideways on a phone, with or without <style>."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from collections import Counter
from pathlib import Path

import lxml.html
import pytest
from selection_data import LONG_URL, feeds_config
from shellkit import on_store
from storekit import mark_sent

from newsletter import config as config_module
from newsletter import pipeline
from newsletter.render import anchor
from newsletter.store import Store

ROOT = Path(__file__).resolve().parent.parent
LONDON = config_module.load(ROOT / "config.toml").zone
NOW = dt.datetime(2026, 11, 23, 6, tzinfo=LONDON)
DAY = NOW.date()
ARCHIVE = config_module.load(ROOT / "config.toml").archive_url.rstrip("/")  # the shipped one: <base_url>/archive/


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The shipped config and seeds plus the generated feeds, fetched once (as first seen at NOW)."""
    folder = tmp_path_factory.mktemp("selection")
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    shipped = (ROOT / "config.toml").read_text(encoding="utf-8").split("\n[[feeds]]\n", 1)[0]
    (folder / "feeds").mkdir()
    text = shipped.replace("workers = 0", "workers = 1")
    (folder / "config.toml").write_text(text + feeds_config(folder / "feeds", NOW), encoding="utf-8")
    fetched = on_store(pipeline.fetch, config_module.load(folder / "config.toml"), now=NOW)
    lines = {p.feed.name: p.line for p in fetched.feeds}
    assert "5 were empty (skipped)" in lines["Odd"], lines
    assert fetched.new_items > 28_000 and not [p for p in fetched.feeds if p.warn]
    return folder


def load(project: Path, **compose) -> config_module.Config:
    """The project's config, with [compose] caps changed and, with `compose`, no feed caps."""
    config = config_module.load(project / "config.toml")
    if not compose:
        return config
    feeds = tuple(dataclasses.replace(feed, max_items=0) for feed in config.feeds)
    return dataclasses.replace(config, compose=dataclasses.replace(config.compose, **compose), feeds=feeds)


def size_ok(result) -> None:
    assert result.html_bytes <= 90 * 1024, result.html_bytes
    assert not [f for f in result.findings if f.level == "error"], result.findings


def test_default_caps_make_a_digest_of_the_newest_and_leave_the_rest_waiting(project):
    result = on_store(pipeline.build, load(project), date=DAY, now=NOW, dry_run=True)
    issue = result.issue
    size_ok(result)
    by_source = {}
    for item in issue.items:
        by_source.setdefault(Path(item.source).name, []).append(item)
    assert len(by_source["big.xml"]) == len(by_source["hearing.json"]) == 10  # each feed's max_items
    assert len(issue.pieces) <= 20
    assert all((DAY - i.published.astimezone(LONDON).date()).days <= 14 for i in by_source.get("backlog.xml", ()))
    # The far-future entries count as first seen (now): never the lead, never the subject's.
    assert "Dated" not in issue.subject and not issue.lead.title.startswith("Dated")
    reasons = Counter(why for _, why in result.left)
    assert reasons["cap"] > 20_000 and reasons["window"] > 3000
    assert result.cuts[0].startswith("left ") and "older than [compose] max_age_days" in result.cuts[0]
    episode = next(i for i in issue.items if i.title.startswith("episode-"))
    assert episode.link.startswith("https://cdn.example/episode-") and episode.title.endswith(".mp3")
    html = result.contents["issue.html"].decode()
    assert "Untitled" not in html


@pytest.fixture(scope="module")
def crowded(project):
    """Issue 1 built with caps far too high for one email, so the size budget has to move items out."""
    config = load(project, pieces=400, hearing=2000, max_age_days=3)
    return on_store(pipeline.build, config, date=DAY, now=NOW)


def test_every_issue_fits_the_budget_and_lists_its_overflow_linked_to_the_web_copy(crowded):
    size_ok(crowded)
    issue = crowded.issue
    assert len(issue.overflow) > 100
    moved = next(line for line in crowded.cuts if line.startswith("moved "))
    assert moved.startswith(f"moved {len(issue.overflow)} lowest-ranked item(s)")
    doc = lxml.html.fromstring(crowded.contents["issue.html"])
    links = doc.xpath("//ul[@class='overflow-list']//a/@href")
    assert links == [f"{ARCHIVE}/issue-0001.html#{anchor(i.id)}" for i in issue.overflow[:20]]
    assert doc.xpath("//td[contains(@class, 'section-overflow')]//h2")[0].text_content() == "More in the web edition"
    text = crowded.contents["issue.txt"].decode()
    assert "More in the web edition" in text and f"{ARCHIVE}/issue-0001.html#{anchor(issue.overflow[0].id)}" in text


def test_the_web_copy_holds_everything_and_the_next_issue_takes_the_overflow(project, crowded):
    config = load(project, pieces=400, hearing=2000, max_age_days=3)
    with Store(config.store_url) as store:
        mark_sent(store, 1, NOW)
    on_store(pipeline.publish, config)
    page = lxml.html.fromstring((project / "archive" / "issue-0001.html").read_bytes())
    ids = set(page.xpath("//@id"))
    issue = crowded.issue
    assert {anchor(i.id) for i in issue.items + issue.overflow} <= ids
    # A day later, with the window a day longer, so nothing of issue 1 has aged out.
    later = dataclasses.replace(config, compose=dataclasses.replace(config.compose, max_age_days=4))
    after = on_store(pipeline.build, later, date=DAY + dt.timedelta(days=1), now=NOW + dt.timedelta(days=1))
    size_ok(after)
    taken = {i.id for i in after.issue.items + after.issue.overflow}
    assert {i.id for i in issue.overflow} <= taken
    assert not {i.id for i in issue.items} & taken  # what was in the email is spent


def test_feed_html_reads_as_on_its_site_in_both_parts(project):
    config = dataclasses.replace(
        load(project, pieces=3, max_age_days=10), email=dataclasses.replace(load(project).email, images=True)
    )
    result = on_store(pipeline.build, config, date=DAY, now=NOW, dry_run=True)
    doc = lxml.html.fromstring(result.contents["issue.html"])
    rich = [div for div in doc.xpath("//div[@class='content']") if "opens with" in div.text_content()]
    stories = [re.search(r"Story (\d+) opens", div.text_content())[1] for div in rich]
    content, n = rich[0], stories[0]
    assert (
        content.xpath(f".//a[@href='https://news.example/{n}']")
        and content.xpath(".//ul/li")
        and content.xpath(".//ol[@start='3']/li")
        and content.xpath(".//blockquote")
        and content.xpath(".//pre/code")
        and content.xpath(".//em")
        and content.xpath(".//table//td")
    )
    images = [img for div in rich for img in div.xpath(".//img")]
    assert {img.get("alt") for img in images} == {f"Chart {story}" for story in stories}  # https with alt only
    assert {(img.get("width"), img.get("height")) for img in images} == {("536", "auto")}  # no stretched height
    assert "overflow-wrap:anywhere" in content.get("style").replace(" ", "")
    text = result.contents["issue.txt"].decode()
    number = re.search(rf"Story {n} opens with a link \[(\d+)\]", " ".join(text.split()))[1]
    assert f"[{number}] https://news.example/{n}" in text
    assert f"- First point of {n}" in text and "3. Third" in text and "> A quotation from a minister" in text
    assert f"[image: Chart {n}]" in text and LONG_URL in text
    without = dataclasses.replace(config, email=dataclasses.replace(config.email, images=False))
    plain = on_store(pipeline.build, without, date=DAY, now=NOW, dry_run=True)
    assert b"<img" not in plain.contents["issue.html"] and "[image:" not in plain.contents["issue.txt"].decode()


@pytest.mark.parametrize("styles", [True, False], ids=["styled", "without-style-element"])
def test_at_375px_nothing_scrolls_sideways(browser, crowded, styles, tmp_path):
    """The crowded issue, rich feed HTML, long URLs and words, tables and the overflow list."""
    path = tmp_path / "issue.html"
    path.write_bytes(crowded.contents["issue.html"])
    page = browser.new_page(viewport={"width": 375, "height": 800})
    try:
        page.goto(path.as_uri())
        if not styles:
            page.evaluate("document.querySelectorAll('style').forEach((s) => s.remove())")
        wide = page.evaluate("""() => [document.documentElement.scrollWidth, window.innerWidth,
            [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
              .slice(0, 3).map((el) => el.tagName + ' ' + (el.textContent || '').slice(0, 40))]""")
    finally:
        page.close()
    assert wide[0] <= wide[1], wide
