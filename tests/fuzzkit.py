"""Property-based fuzzing of the door: strategies for hostile documents, and the checks every one must pass.

Used by tests/test_fuzz.py (a bounded number of examples) and bench/fuzz.py (a long run).
A check runs the real path: parse (as the parser process does), clean, store in a real
SQLite file, read back and render; it raises AssertionError when a promise is broken and
lets any other exception out, which counts as a crash.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from xml.sax.saxutils import quoteattr

from hypothesis import strategies as st

from newsletter import config as settings
from newsletter.models import Issue
from newsletter.render import render_issue
from newsletter.sources.corpus import read_corpus
from newsletter.sources.entries import HTML_BYTES, LINE_CHARS, Feed
from newsletter.sources.feedparse import ParseJob, parse
from newsletter.store import Store

NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.timezone.utc)
URL = "https://fuzz.example/feed"
UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")

# Any code point at all, surrogates and controls included; ordinary text more often.
ANY_CHAR = st.characters(exclude_categories=())
TEXT = st.one_of(st.text(max_size=40), st.text(ANY_CHAR, max_size=80))
MARKUP = st.lists(
    st.one_of(
        TEXT,
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<b>",
                "<script>x()</script>",
                "<a href='javascript:x'>",
                "<img src=x width=1 height=1>",
                "&amp;",
                "&#xd800;",
                "&#0;",
                "&nbsp;",
                "<!--",
                "]]>",
                "<![CDATA[",
                "<!DOCTYPE x [<!ENTITY a 'b'>]>",
                "&a;",
            ]
        ),
    ),
    max_size=12,
).map("".join)
FIELDS = st.fixed_dictionaries({
    "title": TEXT, "link": st.one_of(TEXT, st.just("https://fuzz.example/a")), "guid": TEXT,
    "author": TEXT, "summary": MARKUP, "content": MARKUP, "date": st.one_of(TEXT, st.just("2026-11-20T10:00:00Z")),
})  # fmt: skip
ENTRIES = st.lists(FIELDS, min_size=1, max_size=3)


def _ref(text: str) -> str:
    """Text as XML character data: every character outside plain ASCII letters, digits and spaces as a reference."""
    return "".join(c if c.isascii() and (c.isalnum() or c == " ") else f"&#x{ord(c):x};" for c in text)


def rss(entries: list[dict]) -> bytes:
    items = "".join(
        f"<item><title>{_ref(e['title'])}</title><link>{_ref(e['link'])}</link><guid>{_ref(e['guid'])}</guid>"
        f"<author>{_ref(e['author'])}</author><pubDate>{_ref(e['date'])}</pubDate>"
        f"<description>{_ref(e['summary'])}</description><content:encoded>{_ref(e['content'])}</content:encoded>"
        "</item>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>F</title>'
        f"<link>https://fuzz.example/</link><description>d</description>{items}</channel></rss>"
    ).encode()


def atom(entries: list[dict]) -> bytes:
    items = "".join(
        f"<entry><title>{_ref(e['title'])}</title><id>{_ref(e['guid'])}</id>"
        f"<link href={quoteattr(_ref(e['link']))}/><author><name>{_ref(e['author'])}</name></author>"
        f'<updated>{_ref(e["date"])}</updated><summary type="html">{_ref(e["summary"])}</summary>'
        f'<content type="html">{_ref(e["content"])}</content></entry>'
        for e in entries
    )
    return (
        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>F</title><id>urn:f</id>{items}</feed>'
    ).encode()


def json_feed(entries: list[dict]) -> bytes:
    items = [
        {
            "id": e["guid"],
            "url": e["link"],
            "title": e["title"],
            "summary": e["summary"],
            "content_html": e["content"],
            "authors": [{"name": e["author"]}],
            "date_published": e["date"],
        }
        for e in entries
    ]
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "F", "items": items}).encode()


DOCUMENTS = st.one_of(
    st.tuples(ENTRIES.map(rss), st.just("application/rss+xml")),
    st.tuples(ENTRIES.map(atom), st.just("application/atom+xml")),
    st.tuples(ENTRIES.map(json_feed), st.just("application/feed+json")),
)
# A document cut anywhere and ended with junk: the ill-formed shapes real servers send.
MANGLED = DOCUMENTS.flatmap(
    lambda doc: st.tuples(st.integers(0, len(doc[0])), st.binary(max_size=20)).map(lambda t: doc[0][: t[0]] + t[1])
)
BYTES = st.tuples(
    st.one_of(st.binary(max_size=2000), MANGLED),
    st.sampled_from(["application/xml", "application/feed+json", "text/html", ""]),
)

# Any bytes, or any text after a title line (surrogates written as UTF-8 would write them, were it allowed).
CORPUS_FILES = st.one_of(
    st.binary(max_size=3000),
    st.text(ANY_CHAR, max_size=500).map(lambda text: ("Title\n\n" + text).encode("utf-8", "surrogatepass")),
)


class Door:
    """One real store and config for a run of examples (each example adds to the same SQLite file)."""

    def __init__(self, folder: Path):
        (folder / "seeds").mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.config = settings.from_dict({}, folder / "config.toml")
        self.store = Store(f"sqlite:///{folder / 'fuzz.db'}")
        self.number = 0

    def check_feed(self, body: bytes, content_type: str) -> None:
        """Parse, clean, store, read back, render: no crash, one line for any failure, nothing unclean kept."""
        parsed = parse(ParseJob(Feed(URL, "news", NOW, dt.timezone.utc), body, content_type, URL, 20))
        for line in (parsed.error, parsed.warning, *parsed.notes):
            assert line is None or "\n" not in line, line
        for item in parsed.items:
            assert_clean(item)
            assert len(item.title) <= LINE_CHARS and len((item.html or "").encode()) <= HTML_BYTES
        added = self.store.items.add_unique(parsed.items, NOW)
        stored = [item for item, _ in self.store.items.pool() if item.id in {i.id for i in added.new}]
        self.render(stored)

    def check_corpus_file(self, data: bytes) -> None:
        """Any bytes as a corpus file: a Document or one warning line naming the file, never an exception."""
        folder = self.folder / "seeds"
        for old in folder.iterdir():
            old.unlink()
        (folder / "fuzz.txt").write_bytes(data)
        documents, warnings = read_corpus(folder)
        assert all("\n" not in w and "fuzz.txt" in w for w in warnings), warnings
        items = [item for document in documents for item in document.items]
        for item in items:
            assert_clean(item)
        self.render(items)

    def render(self, items: list) -> None:
        if not items:
            return
        self.number += 1
        issue = Issue(
            self.number,
            NOW.date(),
            "Fuzz",
            pieces=tuple(i for i in items if i.kind == "article"),
            hearing=tuple(i for i in items if i.kind == "hearing"),
        )
        rendered = render_issue(issue, self.config)
        rendered.html.encode("utf-8")
        rendered.text.encode("utf-8")

    def close(self) -> None:
        self.store.close()


def assert_clean(item) -> None:
    for value in (item.title, item.author, item.link, item.html, item.summary, *item.paragraphs):
        assert value is None or not UNWANTED.search(value), repr(value)
