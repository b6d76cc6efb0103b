"""`publish`: the web archive: each sent issue as a static page, an index and an Atom feed
(and, with the audio edition, a player on the page of each issue read aloud and podcast.xml).

Pages come from the web templates (web/archive_*.html) with no personal link in their
context, so an archived page is the same for everyone and safe to make public.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from ..config import Config
from ..models import Issue, IssueStatus

if TYPE_CHECKING:
    from ..store import Store

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 20


@dataclass(frozen=True)
class PublishResult:
    folder: Path
    files: tuple[Path, ...]


@dataclass(frozen=True)
class _Entry:
    number: int
    date: dt.date
    subject: str
    page: str
    sent: dt.datetime
    summary: str


def publish(config: Config, store: Store) -> PublishResult:
    """Write every sent issue's page, the index and the feed into [archive] dir, each atomically."""
    from ..files import write_file
    from ..render import first_sentence, render_page, web_copy_url
    from .audio import mp3_path, podcast, podcast_item

    base = config.archive_url and config.archive_url.rstrip("/")
    folder = config.archive.dir
    written, entries, episodes = [], [], []
    for record in (r for r in store.issues.all() if r.status == IssueStatus.SENT):
        issue = whole_issue(store, record.number)
        name = f"issue-{record.number:04d}.html"
        page = web_copy_url(base, record.number) or name
        sound = mp3_path(config, record.number)
        html = render_page(config, "web/archive_issue.html", issue=issue, subject=record.subject,
                           web_url=web_copy_url(base, record.number), archive_url=base,
                           audio=sound.name if sound.exists() else None)
        written.append(write_file(folder / name, html.encode()))
        lead = issue.lead.paragraphs[0] if issue.lead and issue.lead.paragraphs else record.subject
        entries.append(_Entry(record.number, record.day, record.subject, page, record.sent, first_sentence(lead)))
        episodes.append(podcast_item(config, base, record, first_sentence(lead)))
    index = render_page(config, "web/archive_index.html", issues=entries, archive_url=base)
    written.append(write_file(folder / "index.html", index.encode()))
    written.append(write_file(folder / "feed.xml", _atom(config, base, entries)))
    rss = podcast(config, base, [e for e in episodes if e])
    if rss:
        written.append(write_file(folder / "podcast.xml", rss))
    return PublishResult(folder, tuple(written))


def whole_issue(store: Store, number: int) -> Issue:
    """The web copy holds everything of the issue: its overflow goes back into its sections."""
    from ..render import whole

    return whole(store.issue(number))


def _atom(config: Config, base: str | None, entries: list[_Entry]) -> bytes:
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
