"""`publish`: the web archive: each sent issue as a static page, an index and an Atom feed
(and, with the audio edition, a player on the page of each issue read aloud and podcast.xml).

Pages come from the web templates (web/archive_*.html) with no personal link in their
context, so an archived page is the same for everyone and safe to make public.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..models import Issue, IssueStatus

if TYPE_CHECKING:
    from ..store import Store


@dataclass(frozen=True)
class PublishResult:
    folder: Path
    files: tuple[Path, ...]


def publish(config: Config, store: Store) -> PublishResult:
    """Write every sent issue's page, the index and the feed into [archive] dir, each atomically."""
    from ..files import write_file
    from ..render import first_sentence, render_page, web_copy_url
    from ..render.archive import Entry, atom_feed
    from .audio import mp3_path, podcast, podcast_item

    base = config.archive_url and config.archive_url.rstrip("/")
    folder = config.archive.dir
    written, entries, episodes = [], [], []
    for record in (r for r in store.issues.all() if r.status == IssueStatus.SENT):
        issue = whole_issue(store, record.number)
        name = f"issue-{record.number:04d}.html"
        page = web_copy_url(base, record.number) or name
        sound = mp3_path(config, record.number)
        html = render_page(
            config,
            "web/archive_issue.html",
            issue=issue,
            subject=record.subject,
            web_url=web_copy_url(base, record.number),
            archive_url=base,
            audio=sound.name if sound.exists() else None,
        )
        written.append(write_file(folder / name, html.encode()))
        lead = issue.lead.paragraphs[0] if issue.lead and issue.lead.paragraphs else record.subject
        entries.append(Entry(record.number, record.day, record.subject, page, record.sent, first_sentence(lead)))
        episodes.append(podcast_item(config, base, record, first_sentence(lead)))
    index = render_page(config, "web/archive_index.html", issues=entries, archive_url=base)
    written.append(write_file(folder / "index.html", index.encode()))
    written.append(write_file(folder / "feed.xml", atom_feed(config, base, entries)))
    rss = podcast(config, base, [e for e in episodes if e])
    if rss:
        written.append(write_file(folder / "podcast.xml", rss))
    return PublishResult(folder, tuple(written))


def whole_issue(store: Store, number: int) -> Issue:
    """The web copy holds everything of the issue: its overflow goes back into its sections."""
    from ..render import whole

    return whole(store.issue(number))
