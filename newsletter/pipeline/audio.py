"""`audio`: an issue read aloud into the archive as issue-NNNN.mp3, and the podcast feed of them.

The MP3 sits beside the issue's archive page, so the email's "Listen" link, the page's player
and the podcast feed all point at one file. It is made again only when what would be read (or
how: the [audio] settings) changed: its hash is kept in the MP3's own tags.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..config import Config
from ..errors import AudioError
from ..models import IssueStatus

if TYPE_CHECKING:
    from ..audio.podcast import Item as PodcastItem
    from ..audio.script import Section
    from ..store import Store
    from .publish import PublishResult

AUDIO_FORMAT = 2  # raise it when the way sections become sound changes: every MP3 is made again


@dataclass(frozen=True)
class AudioResult:
    """What `audio` did: `made` is False when the MP3 was up to date and kept."""

    issue: int
    path: Path
    made: bool
    seconds: float
    sections: int
    words: int
    warnings: tuple[str, ...] = ()
    archive: PublishResult | None = None  # the archive republished (a sent issue's page gets its player)


def audio(
    config: Config,
    store: Store,
    number: int | None = None,
    *,
    workers: int | None = None,
    force: bool = False,
    progress: Callable[[Section, int, int], None] | None = None,
) -> AudioResult:
    """Read issue `number` (default: the newest built) aloud to <[archive] dir>/issue-NNNN.mp3.

    Sections are synthesised `workers` at a time (default [audio] workers, 0: one per CPU); a
    section that fails is a warning and is left out. `force` makes it even when up to date.
    """
    from ..audio.engine import Voice, check_installed, join, speak
    from ..audio.script import script
    from ..audio.tags import source_of
    from ..files import write_file
    from .publish import publish, whole_issue

    record = store.issues.get(number) if number else next(iter(store.issues.all()), None)
    if record is None:
        raise AudioError(f"there is no issue {number}" if number else "there is no issue: newsletter build makes one")
    issue = whole_issue(store, record.number)
    sections = script(issue, config)
    words = sum(s.words for s in sections)
    if len(sections) < 2:
        raise AudioError(f"issue {record.number} has nothing to read aloud but its masthead")
    voice = Voice(config.audio.command, config.audio.bitrate, config.audio.loudness, config.audio.pause)
    path, source = mp3_path(config, record.number), _fingerprint(sections, voice)
    if not force and source_of(path) == source:
        return AudioResult(record.number, path, False, _seconds(path), len(sections), words)
    check_installed(voice)
    with tempfile.TemporaryDirectory(prefix="newsletter-audio-") as work:
        parts, warnings = speak(
            sections, voice, Path(work), workers or config.audio.workers or os.cpu_count() or 1, progress
        )
        if not parts:
            raise AudioError(f"issue {record.number}: no section could be spoken; {warnings[0]}")
        joined = join(parts, Path(work) / "issue.mp3")
        # A part left out is retried next time: only a complete MP3 carries its source's hash.
        _tag(config, joined, record, parts, source if not warnings else "incomplete")
        write_file(path, joined.read_bytes())
    archive = publish(config, store) if record.status == IssueStatus.SENT else None
    return AudioResult(record.number, path, True, _seconds(path), len(parts), words, tuple(warnings), archive)


def mp3_path(config: Config, number: int) -> Path:
    """Where issue `number`'s MP3 lives: beside its page in the archive."""
    return config.archive.dir / f"issue-{number:04d}.mp3"


def audio_url(config: Config, number: int) -> str | None:
    """The public URL of issue `number`'s MP3 when it exists and the archive has an address."""
    base = config.archive_url
    return f"{base.rstrip('/')}/{mp3_path(config, number).name}" if base and mp3_path(config, number).exists() else None


def podcast_item(config: Config, base: str | None, record, summary: str) -> PodcastItem | None:
    """The podcast episode of a sent issue whose MP3 is in the archive (None without one or an address)."""
    from ..audio.podcast import Item

    path = mp3_path(config, record.number)
    if not (base and path.exists()):
        return None
    return Item(
        guid=f"tag:{config.email.list_id},2000:issue-{record.number}/audio",
        title=record.subject,
        summary=summary,
        url=f"{base}/{path.name}",
        page=f"{base}/issue-{record.number:04d}.html",
        length=path.stat().st_size,
        seconds=_seconds(path),
        published=record.sent,
    )


def podcast(config: Config, base: str | None, items: list[PodcastItem]) -> bytes | None:
    """archive/podcast.xml's bytes, or None when there is no audio (or no public address to give apps)."""
    from ..audio.podcast import Show, podcast_feed

    if not base or not (items or config.audio.enabled):
        return None
    title = config.newsletter.title
    show = Show(
        title,
        f"{title}, read aloud: one episode per issue.",
        f"{base}/",
        f"{base}/podcast.xml",
        config.newsletter.language,
        config.newsletter.editor or title,
    )
    return podcast_feed(show, items)


def _tag(config: Config, path: Path, record, parts, source: str) -> None:
    from ..audio.tags import Chapter, Episode, write_tags

    chapters, start = [], 0.0
    for part in parts:
        chapters.append(Chapter(part.section.title, start, start + part.seconds))
        start += part.seconds
    title = config.newsletter.title
    write_tags(
        path,
        Episode(
            record.subject, title, config.newsletter.editor or title, record.day, record.number, tuple(chapters), source
        ),
    )


def _fingerprint(sections: tuple[Section, ...], voice) -> str:
    """A hash of everything the MP3 is made from: the spoken text and the settings that shape the sound."""
    data = [AUDIO_FORMAT, astuple(voice), [(s.title, s.text) for s in sections]]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


def _seconds(path: Path) -> float:
    from ..audio.tags import seconds_of

    return seconds_of(path)
