"""Event listings as eLetter sidebars write them.

A listing is a block that opens with "26th Sept Kings Fund 5.30pm." (day, venue,
time), then the speaker, their role and a few lines of description, and closes
with a ticket line ("Tickets here", "Book now", "Sold out").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from ..models import Event
from .dates import DAY, MONTH, NAME, TIME, next_day, parse_time
from .lines import Rules

_LISTING = re.compile(
    rf"(?P<day>{DAY}\s+{MONTH})(?:\s+(?P<year>\d{{4}}))?[\s,–-]+(?:(?P<venue>.*?)[\s,–-]+)?(?P<time>{TIME})\.?",
    re.I,
)
_TICKETS = re.compile(
    r"^(?:(?:get|buy|book)\s+(?:your\s+)?)?tickets?\b"
    r"|^book\s+(?:now|here|online|your\s+place)|^register\b|^sold\s*out\b",
    re.I,
)
_SOLD_OUT = re.compile(r"\bsold\s*out\b", re.I)
_URL = re.compile(r"https?://\S+")
_PERSON = re.compile(rf"[A-Z][\w'’-]*\.?\s+{NAME}")
_SENTENCE_END = re.compile(r"[.!?]$")
_MAX_LISTING_LINE = 80
_MAX_ROLE = 60
_MAX_BLOCK = 8


def is_listing(line: str) -> bool:
    """Whether `line` opens an event listing."""
    return len(line) < _MAX_LISTING_LINE and bool(_LISTING.fullmatch(line))


def read_listings(lines: Sequence[str], page_day: dt.date, rules: Rules) -> list[Event]:
    """Every listing in `lines`; a yearless date is the first such day on or after `page_day`."""
    events = []
    for i, line in enumerate(lines):
        if not is_listing(line):
            continue
        match = _LISTING.fullmatch(line)
        since = dt.date(int(match["year"]), 1, 1) if match["year"] else page_day
        day = next_day(match["day"], since)
        if day is not None:
            events.append(_event(match, day, _block(lines, i + 1, rules), rules))
    return events


def _block(lines: Sequence[str], start: int, rules: Rules) -> list[str]:
    """The lines after a listing's date line, through its ticket line."""
    block: list[str] = []
    for line in lines[start : start + _MAX_BLOCK]:
        if not line or rules.is_boilerplate(line) or is_listing(line):
            break
        block.append(line)
        if _TICKETS.match(line):
            break
    return block


def _event(match: re.Match[str], day: dt.date, block: list[str], rules: Rules) -> Event:
    """An Event from a date line's parts and the block under it."""
    ticket = block[-1] if block and _TICKETS.match(block[-1]) else None
    body = block[:-1] if ticket else block
    speaker = body[0] if body and _PERSON.fullmatch(body[0]) else None
    role = body[1] if speaker and len(body) > 1 and _is_role(body[1]) else None
    ticket_text, ticket_url = _ticket(ticket)
    venue = match["venue"].strip() if match["venue"] else None
    return Event(
        day=day,
        time=parse_time(match["time"]),
        venue=rules.venue(venue) if venue else None,
        speaker=speaker,
        speaker_role=role,
        description=tuple(body[(speaker is not None) + (role is not None) :]),
        ticket_text=ticket_text,
        ticket_url=ticket_url,
        sold_out=any(_SOLD_OUT.search(line) for line in block),
    )


def _is_role(line: str) -> bool:
    """A short title-like line ("Chair of Not-Monitor"), not a sentence or an aside."""
    return len(line) <= _MAX_ROLE and not line.startswith("(") and not _SENTENCE_END.search(line)


def _ticket(line: str | None) -> tuple[str | None, str | None]:
    """The ticket line's words and the link in it, if the scrape kept one."""
    if line is None:
        return None, None
    url = _URL.search(line)
    text = _URL.sub("", line).strip(" :-–") or None
    return text, url.group(0) if url else None


def event_title(event: Event, partner: str | None = None) -> str:
    """How a listing reads as a headline: who is speaking, with whom, or else what and where."""
    who = ", ".join(part for part in (event.speaker, event.speaker_role) if part)
    if who and partner:
        return f"{who}, in conversation with {partner}"
    if who:
        return who
    if event.description:
        return event.description[0]
    where = f" at {event.venue}" if event.venue else ""
    return f"Event{where} on {event.day.day} {event.day:%B %Y}"
