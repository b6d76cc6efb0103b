"""Event listings as newsletters write them, in two shapes.

A dated line: "26th Sept Kings Fund 5.30pm.", "Tue 4 October 2016, 6.30pm - The
King's Fund", "2016-10-04 18:30 Royal Society of Medicine", then the speaker, their
role, a few lines of description and a ticket line ("Tickets here", "Book now
https://...", "Sold out"). Or a keyed block under the event's name: "Date: ...",
"Time: ...", "Venue: ...", "Speakers: ...", "Tickets: https://...".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import NamedTuple

from ..models import Event
from .dates import DAY, MONTH, NAME, TIME, next_day, parse_date, parse_time
from .lines import Rules

_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_DATE = (
    rf"(?P<date>{DAY}\s+{MONTH}(?:,?\s+\d{{4}})?|{MONTH}\s+{DAY}(?:,?\s+\d{{4}})?"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})"
)
_DATE_LEAD = re.compile(rf"(?i)^{_WEEKDAY}{_DATE}(?![\w/-])(?P<rest>.*)$")
_YEAR = re.compile(r"\d{4}")
_CLOCK = re.compile(rf"(?i)(?<![\w.:])T?(?P<time>{TIME})(?:\s*(?:-|–|—|to)\s*{TIME})?(?!\w)")
_KEYED = re.compile(
    r"(?i)^(?P<key>date|when|time|venue|where|location|place|speakers?|with|chair|panel"
    r"|tickets?|book(?:ing)?|register|registration)\s*:\s*(?P<value>.*)$"
)
_KEYS = {
    "date": "when", "when": "when", "time": "time", "venue": "venue", "where": "venue", "location": "venue",
    "place": "venue", "speaker": "speaker", "speakers": "speaker", "with": "speaker", "chair": "speaker",
    "panel": "speaker", "ticket": "ticket", "tickets": "ticket", "book": "ticket", "booking": "ticket",
    "register": "ticket", "registration": "ticket",
}  # fmt: skip
_TICKETS = re.compile(
    r"^(?:(?:get|buy|book)\s+(?:your\s+)?)?tickets?\b"
    r"|^book\s+(?:now|here|online|your\s+place)|^register\b|^sold\s*out\b",
    re.I,
)
_SOLD_OUT = re.compile(r"\bsold\s*out\b", re.I)
_URL = re.compile(r"https?://\S+")
_PERSON = re.compile(rf"(?:(?:Dr|Prof|Professor|Sir|Dame|Lord|Lady|Cllr|Mr|Mrs|Ms)\.?\s+)?[A-Z][\w'’-]*\.?\s+{NAME}")
_SENTENCE_END = re.compile(r"[.!?]$")
_SEPARATORS = " ,;|–—-@:"
_MAX_LISTING_LINE = 100
_MAX_VENUE = 60
_MAX_ROLE = 60
_MAX_BLOCK = 8
_MAX_NAME = 80


class Listing(NamedTuple):
    """An event as listed, its name when the listing gives one, and the page lines it used."""

    event: Event
    name: str | None
    lines: range


def is_listing(line: str) -> bool:
    """Whether `line` opens an event listing (a dated line with a time, or a "Date:" line)."""
    return _dated_line(line) is not None or _keyed_date(line) is not None


def read_listings(lines: Sequence[str], page_day: dt.date | None, rules: Rules) -> list[Listing]:
    """Every listing in `lines`; a yearless date is the first such day on or after `page_day` (none without it)."""
    listings = []
    for i, line in enumerate(lines):
        dated = _dated_line(line)
        if dated:
            date, clock, venue = dated
            day = _day(date, page_day)
            block = _block(lines, i + 1, rules)
            if day:
                listings.append(_listing(day, clock, venue, None, lines, i, block, rules))
            continue
        keyed = _keyed_date(line)
        if keyed:
            date, clock, _ = keyed
            day = _day(date, page_day)
            name_at = _name_above(lines, i, rules)
            block = _block(lines, i + 1, rules)
            if day:
                name = lines[name_at] if name_at is not None else None
                first = i if name_at is None else name_at
                listings.append(_listing(day, clock, None, name, lines, first, block, rules, keyed_at=i))
    return listings


def _dated_line(line: str) -> tuple[str, str, str | None] | None:
    """(date, time, venue) of a short line that starts with a date and holds a time."""
    if len(line) >= _MAX_LISTING_LINE or _KEYED.match(line):
        return None
    match = _DATE_LEAD.match(line)
    clock = _CLOCK.search(match["rest"]) if match else None
    if not clock:
        return None
    rest = match["rest"]
    venue = (rest[: clock.start()] + " " + rest[clock.end() :]).strip(_SEPARATORS + ".")
    venue = re.sub(r"(?i)^(?:at|from)\s+|\s+at$", "", venue).strip(_SEPARATORS)
    if len(venue) > _MAX_VENUE or _SENTENCE_END.search(venue) or venue[:1].islower():
        return None
    return match["date"], clock["time"], venue or None


def _keyed_date(line: str) -> tuple[str, str | None, None] | None:
    keyed = _KEYED.match(line)
    if not keyed or _KEYS[keyed["key"].lower()] != "when":
        return None
    match = _DATE_LEAD.match(keyed["value"])
    if not match:
        return None
    clock = _CLOCK.search(match["rest"])
    return match["date"], clock["time"] if clock else None, None


def _day(text: str, page_day: dt.date | None) -> dt.date | None:
    if _YEAR.search(text):
        moment = parse_date(text, dt.timezone.utc)
        return moment.date() if moment else None
    if page_day is None:
        return None
    return next_day(text.rstrip(".").replace(",", ""), page_day)


def _name_above(lines: Sequence[str], i: int, rules: Rules) -> int | None:
    """The event's name: the short line just above its "Date:" line, if there is one."""
    above = lines[i - 1] if i > 0 else ""
    named = above and len(above) <= _MAX_NAME and not _KEYED.match(above) and not _SENTENCE_END.search(above)
    return i - 1 if named and not rules.is_boilerplate(above) else None


def _block(lines: Sequence[str], start: int, rules: Rules) -> range:
    """The lines after a listing's date line, through its ticket line."""
    end = start
    for i in range(start, min(len(lines), start + _MAX_BLOCK)):
        line = lines[i]
        if not line or rules.is_boilerplate(line) or is_listing(line) or _starts_keyed_event(lines, i):
            break
        end = i + 1
        if _TICKETS.match(line) or _is_key(line, "ticket"):
            break
    return range(start, end)


def _starts_keyed_event(lines: Sequence[str], i: int) -> bool:
    return i + 1 < len(lines) and _keyed_date(lines[i + 1]) is not None and not _KEYED.match(lines[i])


def _is_key(line: str, key: str) -> bool:
    keyed = _KEYED.match(line)
    return bool(keyed) and _KEYS[keyed["key"].lower()] == key


def _listing(day, clock, venue, name, lines, first, block: range, rules: Rules, keyed_at: int | None = None) -> Listing:
    """A Listing from a date line's parts and the block of lines under it."""
    fields: dict[str, str] = {}
    plain = []
    for i in block:
        keyed = _KEYED.match(lines[i])
        if keyed:  # a ticket keeps its key as its words: "Tickets: https://..." reads "Tickets"
            key = _KEYS[keyed["key"].lower()]
            fields.setdefault(key, lines[i] if key == "ticket" else keyed["value"].strip())
        else:
            plain.append(lines[i])
    ticket = next((line for line in plain if _TICKETS.match(line)), None)
    ticket = ticket or fields.get("ticket")
    plain = [line for line in plain if line is not ticket]
    bare_url = next((line for line in plain if _URL.fullmatch(line)), None)
    plain = [line for line in plain if line is not bare_url]
    speaker = fields.get("speaker") or (plain[0] if plain and _PERSON.fullmatch(plain[0]) else None)
    from_body = speaker is not None and "speaker" not in fields
    role = plain[1] if from_body and len(plain) > 1 and _is_role(plain[1]) else None
    ticket_text, ticket_url = _ticket(ticket)
    venue = venue or fields.get("venue")
    event = Event(
        day=day,
        time=_time(fields.get("time") or clock),
        venue=rules.venue(venue) if venue else None,
        speaker=speaker,
        speaker_role=role,
        description=tuple(plain[from_body + (role is not None) :]),
        ticket_text=ticket_text,
        ticket_url=ticket_url or bare_url,
        sold_out=any(_SOLD_OUT.search(lines[i]) for i in block),
    )
    return Listing(event, name, range(first, block.stop if block else (keyed_at or first) + 1))


def _time(text: str | None) -> dt.time | None:
    """The start time of "6.30pm", "10am-4pm", "18:30 to 20:00"."""
    clock = _CLOCK.search(text) if text else None
    return parse_time(clock["time"]) if clock else None


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


def event_title(listing: Listing, partner: str | None = None) -> str:
    """How a listing reads as a headline: its name, who is speaking (with whom), or else what and where."""
    event = listing.event
    if listing.name:
        return listing.name
    who = ", ".join(part for part in (event.speaker, event.speaker_role) if part)
    if who and partner:
        return f"{who}, in conversation with {partner}"
    if who:
        return who
    if event.description:
        return event.description[0]
    where = f" at {event.venue}" if event.venue else ""
    return f"Event{where} on {event.day.day} {event.day:%B %Y}"
