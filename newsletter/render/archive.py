"""The web archive's Atom feed (and the index's entries): the newest issues, ids that never change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from ..config import Config

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 20


@dataclass(frozen=True)
class Entry:
    """A sent issue as the archive's index and feed list it."""

    number: int
    date: dt.date
    subject: str
    page: str
    sent: dt.datetime
    summary: str


def atom_feed(config: Config, base: str | None, entries: list[Entry]) -> bytes:
    """An Atom 1.0 feed of the newest issues; ids are the pages' URLs, else tag: URIs on the List-Id."""
    ET.register_namespace("", ATOM)

    def add(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    add(feed, "title", config.newsletter.title)
    add(feed, "id", f"{base}/" if base else f"tag:{config.email.list_id},2000:archive")
    newest = max((e.sent for e in entries), default=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))
    add(feed, "updated", newest.isoformat())
    add(add(feed, "author"), "name", config.newsletter.editor or config.newsletter.title)
    add(feed, "link", rel="alternate", href=f"{base}/" if base else "index.html")
    if base:
        add(feed, "link", rel="self", href=f"{base}/feed.xml")
    for e in entries[:FEED_ENTRIES]:
        entry = add(feed, "entry")
        add(entry, "title", e.subject)
        add(entry, "id", e.page if base else f"tag:{config.email.list_id},2000:issue-{e.number}")
        add(entry, "updated", e.sent.isoformat())
        add(entry, "link", rel="alternate", type="text/html", href=e.page)
        add(entry, "summary", e.summary)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
