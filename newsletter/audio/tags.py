"""The MP3's ID3 tags: title, date, who and what, one chapter per section, and the source hash.

The hash of what was read (and how) lives in the MP3 itself, so the file alone tells whether
it is up to date: no state beside it to lose or to disagree with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

SOURCE = "newsletter:source"  # the TXXX frame that holds the hash of the spoken text and settings


@dataclass(frozen=True)
class Chapter:
    title: str
    start: float  # seconds
    end: float


@dataclass(frozen=True)
class Episode:
    """What the tags say about one issue's audio."""

    title: str
    album: str
    artist: str
    date: dt.date
    number: int
    chapters: tuple[Chapter, ...]
    source: str


def write_tags(path: Path, episode: Episode) -> None:
    """Replace the file's ID3 tags with the episode's (ID3v2.3, which more players read than v2.4)."""
    from mutagen.id3 import CHAP, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, TRCK, TXXX, CTOCFlags

    tags = ID3()
    tags.add(TIT2(encoding=3, text=[episode.title]))
    tags.add(TALB(encoding=3, text=[episode.album]))
    tags.add(TPE1(encoding=3, text=[episode.artist]))
    tags.add(TDRC(encoding=3, text=[episode.date.isoformat()]))
    tags.add(TRCK(encoding=3, text=[str(episode.number)]))
    tags.add(TCON(encoding=3, text=["Podcast"]))
    tags.add(TLAN(encoding=3, text=["eng"]))
    tags.add(TXXX(encoding=3, desc=SOURCE, text=[episode.source]))
    ids = [f"chp{n}" for n in range(len(episode.chapters))]
    for element, chapter in zip(ids, episode.chapters):
        tags.add(
            CHAP(
                element_id=element,
                start_time=round(chapter.start * 1000),
                end_time=round(chapter.end * 1000),
                sub_frames=[TIT2(encoding=3, text=[chapter.title])],
            )
        )
    if ids:
        tags.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=[episode.title])],
            )
        )
    tags.save(path, v2_version=3)


def source_of(path: Path) -> str | None:
    """The source hash an MP3 was made from; None for a missing, untagged or unreadable file."""
    from mutagen import MutagenError
    from mutagen.id3 import ID3

    try:
        frame = ID3(path).get(f"TXXX:{SOURCE}")
    except (MutagenError, OSError):
        return None
    return str(frame.text[0]) if frame and frame.text else None


def seconds_of(path: Path) -> float:
    """The MP3's playing time."""
    from mutagen.mp3 import MP3

    return MP3(path).info.length
