"""Feed entries, however they were written (RSS, Atom, JSON Feed), -> Items.

An entry's id is its GUID, else its link, else a hash of its text, scoped to its feed
(GUIDs are only unique within one feed). An undated entry is dated when it was first
seen. An entry of an "events" feed becomes an event only when it says when the event
is (the RSS event module's `ev:startdate`); otherwise it is kept as an article, because
a publication date is not an event date and a guessed one would mislead readers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, fields, replace
from urllib.parse import unquote, urljoin, urlsplit

from ..models import ARTICLE, EVENT, HEARING, Event, Item
from .sanitize import clean_html, clean_text, plain_text, text_paragraphs

KINDS = {"news": ARTICLE, "hearing": HEARING, "events": EVENT}
TITLE_WORDS = 12
# Bounds on what one entry may bring in: its HTML (content, summary) and its one-line fields
# (title, author, link, id, venue). Longer is cut, with a note; no stored item outgrows them.
HTML_BYTES = 256 * 1024
LINE_CHARS = 2000
_HTML_FIELDS = ("summary", "content")
_CUT_MARK = "<p>[…]</p>"
_CLOSING_ROOM = 4096
UNTITLED = "Untitled"
# What the sanitiser always removes; looked for only to tell the editor it happened.
_UNSAFE = ("<script", "<iframe", "<object", "<embed", "<form", "javascript:")
_HANDLER = re.compile(r"\son[a-z]+\s*=")


@dataclass(frozen=True)
class Entry:
    """One entry as its feed gave it. HTML fields are untrusted; `base` resolves its relative links."""

    guid: str | None = None
    link: str | None = None
    title: str | None = None
    author: str | None = None
    published: dt.datetime | None = None
    summary: str | None = None
    content: str | None = None
    base: str | None = None
    starts: dt.datetime | None = None
    venue: str | None = None
    enclosure: str | None = None  # the URL of its first enclosure (a podcast episode, a PDF)


@dataclass(frozen=True)
class Feed:
    """Which feed the entries came from and how to file them."""

    key: str
    section: str
    seen: dt.datetime
    tz: dt.tzinfo


def to_items(entries: list[Entry], feed: Feed) -> tuple[list[Item], list[str]]:
    """Items for the entries, newest first, and notes on what was missing, removed, cut or skipped.

    How many of them an issue takes is compose's business (a feed's max_items), so what one
    issue cannot hold waits for the next. An entry with nothing in it (no title, text, link
    or enclosure) is skipped: it would be an "Untitled" piece with nothing to read.
    """
    entries, cut = _at_the_door(entries)
    unique: dict[str, Entry] = {}
    for entry in entries:
        unique.setdefault(_ident(entry), entry)
    chosen = sorted(unique.values(), key=lambda e: e.published or feed.seen, reverse=True)
    items = [_item(entry, feed) for entry in chosen]
    kept = [item for item in items if not _empty(item)]
    notes = _notes(entries, len(entries) - len(unique))
    if cut:
        notes.append(f"{cut} too long (cut to {HTML_BYTES // 1024} KB)")
    notes += [f"{len(items) - len(kept)} were empty (skipped)"] if len(kept) < len(items) else []
    return kept, notes


def _empty(item: Item) -> bool:
    return not (item.paragraphs or item.link or item.event) and item.title == UNTITLED


def _at_the_door(entries: list[Entry]) -> tuple[list[Entry], int]:
    """Every string of every entry cleaned (sanitize.clean_text) and bounded; and how many entries were cut."""
    done, cut = [], 0
    for entry in entries:
        changes, was_cut = {}, False
        for field in fields(Entry):
            value = getattr(entry, field.name)
            if isinstance(value, str):
                bounded = _bounded_html(value) if field.name in _HTML_FIELDS else value[:LINE_CHARS]
                was_cut |= field.name in _HTML_FIELDS and bounded is not value
                changes[field.name] = clean_text(bounded)
        cut += was_cut
        done.append(replace(entry, **changes))
    return done, cut


def _bounded_html(html: str) -> str:
    """At most HTML_BYTES of UTF-8, cut before a tag that would be left open mid-way, and marked as cut;
    `html` itself when it fits."""
    if len(html) * 4 <= HTML_BYTES or len(html.encode("utf-8", "surrogatepass")) <= HTML_BYTES:
        return html
    # Room is left for the end tags the sanitiser adds to close what the cut left open.
    room = HTML_BYTES - len(_CUT_MARK.encode()) - _CLOSING_ROOM
    head = html.encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore")
    if head.rfind("<") > head.rfind(">"):
        head = head[: head.rfind("<")]
    return head + _CUT_MARK


def _item(entry: Entry, feed: Feed) -> Item:
    # Cleaned again: a character reference in the HTML (&#x202e;) becomes a character only here.
    html = clean_text(clean_html(entry.content or entry.summary or "", entry.base)) or None
    paragraphs = text_paragraphs(html) if html else ()
    summary = clean_text(plain_text(entry.summary)) if entry.content and entry.summary else None
    link = _web_link(entry.link, entry.base) or _web_link(entry.enclosure, entry.base)
    event = _event(entry, feed.tz) if feed.section == "events" else None
    kind = ARTICLE if feed.section == "events" and not event else KINDS[feed.section]
    return Item(
        id=hashlib.sha256(f"{feed.key}\n{_ident(entry)}".encode()).hexdigest()[:16],
        kind=kind,
        title=_title(entry, paragraphs, link),
        source=feed.key,
        paragraphs=paragraphs,
        author=entry.author or None,
        published=entry.published or feed.seen,
        link=link,
        event=event,
        html=html,
        summary=summary or None,
    )


def _ident(entry: Entry) -> str:
    if entry.guid:
        return "guid:" + entry.guid
    if entry.link:
        return "link:" + entry.link
    text = "\x1f".join((entry.title or "", entry.summary or "", entry.content or ""))
    return "hash:" + hashlib.sha256(text.encode()).hexdigest()


def _title(entry: Entry, paragraphs: tuple[str, ...], link: str | None) -> str:
    """The entry's title; without one, its first words, else its enclosure's file name, else its
    link, so no heading is ever blank."""
    if entry.title:
        return entry.title
    words = " ".join(paragraphs).split()
    if words:
        return (" ".join(words[:TITLE_WORDS]) + (" …" if len(words) > TITLE_WORDS else ""))[:LINE_CHARS]
    if entry.enclosure and link:
        name = unquote(urlsplit(link).path.rstrip("/").rpartition("/")[2])
        return name or link
    return link or UNTITLED


def _web_link(link: str | None, base: str | None) -> str | None:
    """The link made absolute; None unless it is http(s) (an email has no use for javascript: or file:)."""
    if not link:
        return None
    url = urljoin(base, link.strip()) if base else link.strip()
    return url if urlsplit(url).scheme.lower() in ("http", "https") else None


def _event(entry: Entry, tz: dt.tzinfo) -> Event | None:
    if not entry.starts:
        return None
    local = entry.starts.astimezone(tz) if entry.starts.tzinfo else entry.starts
    has_time = (local.hour, local.minute) != (0, 0)
    return Event(day=local.date(), time=local.time().replace(second=0) if has_time else None, venue=entry.venue)


def _notes(entries: list[Entry], repeated: int) -> list[str]:
    """Short notes on what the feed left out or carried that was removed, for its one report line."""
    counts = (
        (repeated, "repeated an earlier entry's id (kept the first)"),
        (sum(not e.title for e in entries), "had no title (first words used)"),
        (sum(not e.link for e in entries), "had no link"),
        (sum(not e.published for e in entries), "had no date (dated when first seen)"),
        (sum(_unsafe((e.content or "") + (e.summary or "")) for e in entries), "had unsafe HTML (removed)"),
    )
    return [f"{count} {what}" for count, what in counts if count]


def _unsafe(html: str) -> bool:
    lower = html.lower()
    return any(mark in lower for mark in _UNSAFE) or _HANDLER.search(lower) is not None
