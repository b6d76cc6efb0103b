"""Frozen values passed between pipeline stages; no behaviour beyond small derived facts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

ARTICLE = "article"
HEARING = "hearing"
EVENT = "event"


@dataclass(frozen=True)
class Event:
    """A dated listing: what the "Events" box shows."""

    day: dt.date
    time: dt.time | None = None
    venue: str | None = None
    speaker: str | None = None
    speaker_role: str | None = None
    description: tuple[str, ...] = ()
    ticket_text: str | None = None
    ticket_url: str | None = None
    sold_out: bool = False


@dataclass(frozen=True)
class Item:
    """One piece of content from any source: an article, an "I'm hearing" line or an event.

    `id` is derived from content, so reading the same text again yields the same item.
    """

    id: str
    kind: str
    title: str
    source: str
    paragraphs: tuple[str, ...] = ()
    author: str | None = None
    published: dt.datetime | None = None
    link: str | None = None
    comments: tuple[str, ...] = ()
    event: Event | None = None

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


@dataclass(frozen=True)
class Document:
    """What the corpus reader makes of one file: its article and the items it carries."""

    path: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Issue:
    """A composed issue: which items go where, in order. Rendering decides how it looks."""

    number: int
    date: dt.date
    subject: str
    lead: Item | None = None
    pieces: tuple[Item, ...] = ()
    hearing: tuple[Item, ...] = ()
    events: tuple[Item, ...] = ()

    @property
    def items(self) -> tuple[Item, ...]:
        lead = (self.lead,) if self.lead else ()
        return lead + self.pieces + self.hearing + self.events

    def counts(self) -> dict[str, int]:
        return {
            "lead": int(self.lead is not None),
            "pieces": len(self.pieces),
            "hearing": len(self.hearing),
            "events": len(self.events),
        }


@dataclass(frozen=True)
class Rendered:
    """An issue as text a person reads: subject, inlined HTML and the plain-text part."""

    subject: str
    html: str
    text: str
    warnings: tuple[str, ...] = field(default=())
