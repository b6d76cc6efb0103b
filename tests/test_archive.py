"""The web archive a scheduled send publishes: valid pages, an Atom feed, no personal links."""

from __future__ import annotations

import feedparser
import lxml.etree
import pytest
from schedulekit import at, make_project
from sendkit import BASE_URL, SECRET, Site, add_people, load
from shellkit import on_store

from newsletter.pipeline import run_due
from newsletter.render import UNSUBSCRIBE_TOKEN
from newsletter.store import Store
from newsletter.web import create_app


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)


@pytest.fixture
def published(tmp_path, smtp_server):
    """Issues sent on the schedule on Monday and Tuesday (Tuesday's from what Monday left, if any)."""
    path = make_project(tmp_path, smtp_server.port)
    add_people(path, 2)
    reports = [on_store(run_due, load(path), now=at(2024, 3, day, 7, 0)) for day in (4, 5)]
    return path, smtp_server, reports


def test_each_sent_issue_has_a_valid_page_an_index_and_a_feed(published):
    path, _, reports = published
    folder = load(path).archive.dir
    sent = [r.issue for r in reports if r.action == "sent"]
    assert sent[0] == 1
    for name in [f"issue-{n:04d}.html" for n in sent] + ["index.html"]:
        page = (folder / name).read_bytes()
        assert page.startswith(b"<!DOCTYPE html>")
        lxml.etree.fromstring(page, lxml.etree.HTMLParser(recover=False))  # raises on malformed HTML
    feed = feedparser.parse((folder / "feed.xml").read_bytes())
    assert not feed.bozo and feed.feed.title == "The Daily eLetter"
    assert [e.link for e in feed.entries] == [f"{BASE_URL}/archive/issue-{n:04d}.html" for n in reversed(sent)]


def test_archived_pages_carry_no_personal_link(published):
    path, _, _ = published
    for page in load(path).archive.dir.iterdir():
        text = page.read_text()
        assert UNSUBSCRIBE_TOKEN not in text and "/unsubscribe/" not in text and "nsubscribe" not in text


def test_the_email_links_to_its_archived_copy_and_serve_serves_it(published):
    path, recorder, _ = published
    message = recorder.to("person0@example.com")[0].message
    html = message.get_body(("html",)).get_content()
    assert f'href="{BASE_URL}/archive/issue-0001.html"' in html and f'href="{BASE_URL}/archive/"' in html
    config = load(path)
    with Store(config.store_url) as store, Site(create_app(config, store)) as site:
        status, _, text = site.request("GET", "/archive/issue-0001.html")
        assert status == 200 and "<title>" in text
        assert site.request("GET", "/archive/")[0] == 200
