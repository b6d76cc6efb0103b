"""Feed bytes -> Items without a network: RSS, Atom, JSON Feed, sanitising, events, dedup keys."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from feed_data import NOW, entry, rss

from newsletter import dedup
from newsletter.models import ARTICLE, EVENT, HEARING, Event, Item
from newsletter.sources.entries import Feed
from newsletter.sources.feedparse import ParseJob, parse
from newsletter.sources.sanitize import clean_html, text_paragraphs

LONDON = ZoneInfo("Europe/London")
URL = "https://feeds.example/news.xml"


def parsed(body: bytes, section: str = "news", content_type: str = "application/xml"):
    return parse(ParseJob(Feed(URL, section, NOW, LONDON), body, content_type, URL, 5))


def test_atom_links_resolve_against_xml_base_and_the_feed_url():
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://site.example/blog/">
      <title>Blog</title><id>urn:blog</id><updated>2026-11-20T10:00:00Z</updated>
      <entry><title type="html">Caf&amp;eacute; &lt;b&gt;news&lt;/b&gt;</title><id>urn:1</id>
        <link href="posts/1"/><updated>2026-11-20T10:00:00+01:00</updated>
        <author><name>Ann Author</name></author>
        <summary>Short.</summary>
        <content type="html" xml:base="https://cdn.example/a/"
          >&lt;p&gt;See &lt;a href="b.html"&gt;this&lt;/a&gt; &lt;img src="c.png" alt="C"&gt;&lt;/p&gt;</content></entry>
    </feed>"""
    result = parsed(atom)
    [item] = result.items
    assert (item.title, item.author, item.link) == ("Caf\u00e9 news", "Ann Author", "https://site.example/blog/posts/1")
    assert item.published == dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone.utc)
    assert item.html == (
        '<p>See <a href="https://cdn.example/a/b.html" rel="noopener">this</a> '
        '<img src="https://cdn.example/a/c.png" alt="C"></p>'
    )
    assert item.paragraphs == ("See this",) and item.summary == "Short."
    assert item.id == parsed(atom).items[0].id and item.kind == ARTICLE and item.source == URL


def test_json_feed_1_1_and_1_0_are_read_per_the_spec():
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "authors": [{"name": "Feed Author"}],
        "items": [
            {
                "id": 7,
                "url": "/items/7",
                "title": "Seven",
                "content_text": "Line one.\n\nLine two.",
                "date_published": "2026-11-20T10:00:00-05:00",
            },
            {
                "id": "b",
                "external_url": "https://elsewhere.example/b",
                "content_html": "<p>B <script>x()</script></p>",
                "author": {"name": "Old Style"},
                "authors": [{"name": "New Style"}],
            },
            "not an item",
        ],
    }
    result = parsed(json.dumps(feed).encode(), "hearing", "application/feed+json")
    first, second = sorted(result.items, key=lambda i: i.title)
    assert (first.title, first.link, first.author) == ("B", "https://elsewhere.example/b", "New Style")
    assert first.html == "<p>B </p>" and first.kind == HEARING and first.published == NOW
    assert (second.title, second.link, second.author) == ("Seven", "https://feeds.example/items/7", "Feed Author")
    assert second.paragraphs == ("Line one.", "Line two.")
    assert second.published == dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.timezone.utc)
    old = {
        "version": "https://jsonfeed.org/version/1",
        "items": [{"id": "1", "content_text": "x", "author": {"name": "A"}}],
    }
    assert parsed(json.dumps(old).encode()).items[0].author == "A"


@pytest.mark.parametrize(
    "body, reason",
    [
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": 3}', "JSON Feed without an items list"),
        (b'{"hello": "world"}', "JSON but not a JSON Feed (no jsonfeed.org version)"),
        (b"{not json", "not valid JSON"),
        (b"[" * 100000 + b"]" * 100000, "nested too deeply"),
        (b"plain words, no markup", "not a feed: no RSS, Atom or JSON Feed in it"),
    ],
)
def test_what_is_not_a_feed_is_one_reason(body, reason):
    content_type = "application/json" if body.startswith(b"[") else "text/plain"
    result = parsed(body, content_type=content_type)
    assert result.items == () and reason in result.error


def test_an_events_entry_with_a_start_date_is_an_event_and_one_without_is_an_article():
    body = rss(
        entry(1, **{"ev:startdate": "2026-12-03T18:30:00+00:00", "ev:location": "The King's Fund"}),
        entry(2),
    ).replace(b'<rss version="2.0">', b'<rss version="2.0" xmlns:ev="http://purl.org/rss/1.0/modules/event/">')
    talk, plain = sorted(parsed(body, "events").items, key=lambda i: i.title)
    assert talk.kind == EVENT and talk.event == Event(dt.date(2026, 12, 3), dt.time(18, 30), venue="The King's Fund")
    assert plain.kind == ARTICLE and plain.event is None


def test_every_entry_is_kept_newest_first_for_compose_to_choose_from():
    body = rss(*(entry(n) for n in (1, 5, 3)))
    assert [i.title for i in parsed(body).items] == ["Entry 5", "Entry 3", "Entry 1"]


def test_empty_entries_are_skipped_and_counted_and_an_enclosure_only_entry_links_its_enclosure():
    empty = dict.fromkeys(("title", "link", "guid", "pubDate", "description"))
    podcast = {"guid": "ep-12", "enclosure": None}
    body = rss(entry(1), empty, {**empty, "description": "<p> <br> </p>"}, podcast).replace(
        b"<item><guid>ep-12</guid></item>",
        b'<item><guid isPermaLink="false">ep-12</guid><enclosure url="https://cdn.example/show/episode%2012.mp3" '
        b'length="1200" type="audio/mpeg"/></item>',
    )
    result = parsed(body)
    assert "2 were empty (skipped)" in result.notes
    titles = {i.title: i for i in result.items}
    assert set(titles) == {"Entry 1", "episode 12.mp3"}
    assert titles["episode 12.mp3"].link == "https://cdn.example/show/episode%2012.mp3"
    feed = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [{"id": "1", '
        b'"attachments": [{"url": "https://cdn.example/a.pdf", "mime_type": "application/pdf"}]}, {"id": "2"}]}'
    )
    from_json = parsed(feed, content_type="application/feed+json")
    assert [(i.title, i.link) for i in from_json.items] == [("a.pdf", "https://cdn.example/a.pdf")]
    assert "1 were empty (skipped)" in from_json.notes


def test_the_sanitiser_keeps_an_email_safe_allowlist():
    dirty = (
        '<div style="x"><h2 class="c">Head</h2><form action="/x"><input name="q">Search</form>'
        '<object data="x.swf">swf</object><embed src="y"><style>p{}</style>'
        '<a href="mailto:ed@example.org" onmouseover="x()">mail</a> <a href="ftp://f.example/">ftp</a>'
        '<img src="data:image/gif;base64,R0lGOD" alt="inline"><img src="http://i.example/x.gif" width="0" height="0">'
        '<ul><li>one</li><li>two</li></ul><table><tr><td colspan="2">a</td><td>b</td></tr></table></div>'
    )
    clean = clean_html(dirty, "https://base.example/")
    assert clean == (
        '<h2>Head</h2><a href="mailto:ed@example.org" rel="noopener">mail</a> <a rel="noopener">ftp</a>'
        '<ul><li>one</li><li>two</li></ul><table><tbody><tr><td colspan="2">a</td><td>b</td></tr></tbody></table>'
    )
    assert text_paragraphs(clean) == ("Head", "mail ftp", "- one", "- two", "a b")


def test_dedup_keys_ignore_what_differs_between_copies_of_one_page():
    same = [
        "https://www.news.example/a/b/?utm_source=x&id=2&fbclid=y#top",
        "http://news.example/a/b?id=2",
        "https://NEWS.example:443/a/b/?id=2",
    ]
    assert len({dedup.normal_link(link) for link in same}) == 1
    assert dedup.normal_link("https://news.example/a/b?id=3") != dedup.normal_link(same[0])
    assert dedup.normal_link("javascript:alert(1)") is None and dedup.normal_link("https://x.example:bad/") is None


def test_dedup_text_keys_need_enough_words_and_count_an_events_day():
    words = "The board met on Tuesday and agreed the plan for the winter after a long debate about money and staff"
    long_a = Item("a", ARTICLE, "One title", "s1", (words + ".",))
    long_b = Item("b", ARTICLE, "Another title", "s2", (words.upper() + "!",))
    assert dedup.keys(long_a) == dedup.keys(long_b)
    assert dedup.keys(Item("c", ARTICLE, "Read", "s", ("More",))) == ()
    short_a = Item("d", HEARING, "Trust chiefs say", "s", ("winter will be hard this year",))
    assert dedup.keys(short_a) != dedup.keys(Item("e", HEARING, "Nurses say", "s", ("winter will be hard this year",)))
    talk = Item("f", EVENT, "Talk by the chief executive of the trust", "s", event=Event(dt.date(2026, 12, 1)))
    again = Item("g", EVENT, talk.title, "s", event=Event(dt.date(2027, 1, 5)))
    assert dedup.keys(talk) != dedup.keys(again)
