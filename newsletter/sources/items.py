"""Items with ids derived from their content, so re-reading a corpus never makes new items."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from ..models import Event, Item
from .lines import normalise


def make_item(kind: str, title: str, source: str, paragraphs: Iterable[str] = (), **fields) -> Item:
    """An Item whose id depends on what it says, not on which file or run it came from."""
    paragraphs = tuple(normalise(p) for p in paragraphs)
    title = normalise(title)
    item_id = content_id(kind, title, paragraphs, fields.get("event"))
    return Item(id=item_id, kind=kind, title=title, source=source, paragraphs=paragraphs, **fields)


def content_id(kind: str, title: str, paragraphs: Iterable[str], event: Event | None = None) -> str:
    """First 16 hex digits of sha256 over kind, title and text (and an event's when and where).

    Case and spacing are ignored so that the same text in two files is the same item;
    an event's day, time and venue count, as the same speaker may come twice.
    """
    parts = [kind, title, *paragraphs]
    if event is not None:
        parts += [event.day.isoformat(), event.time.isoformat() if event.time else "", event.venue or ""]
    text = "\x1f".join(normalise(part).casefold() for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
