"""The parser for eLetter pages: masthead date, lead piece, "I'm hearing" lines, event listings.

An eLetter page is mostly sidebar: adverts, navigation, promos. Only the lead, the
hearing lines and the listings are kept; the promo block above the lead is read
only to complete the listing it advertises ("... in conversation with Roy L").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from ..models import ARTICLE, EVENT, HEARING, Event, Item
from .dates import NAME, long_date, midnight
from .items import make_item
from .lines import Rules, dedupe, line_paragraphs, normalise
from .listings import event_title, is_listing, read_listings

_LEAD = re.compile(rf"News and Comment from\s+(?P<name>{NAME})")
_HEARING = re.compile(r"(?:>>|»|>)?\s*I['’]m hearing\s*[-–—:;]\s*(?P<text>\S.*)", re.I)
_CONVERSATION = re.compile(r"\b[Ii]n conversation with\s+(?P<who>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3})")
# The promo for an event sits within a few lines under the speaker's name.
_PROMO_REACH = 3


def is_eletter(lines: Sequence[str]) -> bool:
    """A long masthead date on the first line and a "News and Comment from <Name>" line."""
    first = next((line for line in lines if line), "")
    return long_date(first) is not None and any(_LEAD.fullmatch(line) for line in lines)


def parse_eletter(lines: Sequence[str], source: str, rules: Rules) -> list[Item]:
    """The lead, then the hearing items, then the events, all dated by the masthead."""
    top = next(i for i, line in enumerate(lines) if line)
    lead_at = next(i for i, line in enumerate(lines) if _LEAD.fullmatch(line))
    page_day = long_date(lines[top])
    author = _LEAD.fullmatch(lines[lead_at])["name"]
    published = midnight(page_day, rules.tz)
    lead_end = _lead_end(lines, lead_at + 1, rules)
    lead = make_item(
        ARTICLE, lines[lead_at], source, dedupe(line_paragraphs(lines[lead_at + 1 : lead_end])),
        author=author, published=published,
    )
    rest = [*lines[top + 1 : lead_at], "", *lines[lead_end:]]
    hearing = [
        make_item(HEARING, m["text"], source, (m["text"],), author=author, published=published)
        for m in map(_HEARING.fullmatch, rest) if m
    ]
    events = read_listings(rest, page_day, rules)
    promo = [line for line in lines[top + 1 : lead_at] if line and not rules.is_boilerplate(line)]
    known = [author, *(e.speaker for e in events if e.speaker)]
    return [lead, *hearing, *(_event_item(e, promo, known, source, published) for e in events)]


def _lead_end(lines: Sequence[str], start: int, rules: Rules) -> int:
    """Where the lead stops: at the first boilerplate line, or where the sidebar items begin."""
    for i in range(start, len(lines)):
        line = lines[i]
        if rules.is_boilerplate(line) or _HEARING.fullmatch(line) or is_listing(line):
            return i
    return len(lines)


def _event_item(event: Event, promo: list[str], known: list[str], source: str, published: dt.datetime) -> Item:
    """An event Item, its headline completed by the promo that advertises the same speaker."""
    title = event_title(event, _partner(event, promo, known))
    return make_item(EVENT, title, source, event.description, published=published, event=event)


def _partner(event: Event, promo: list[str], known: list[str]) -> str | None:
    """Whom the speaker is "in conversation with", per the promo under the speaker's name.

    Scrapes cut names short ("Roy L"), so a name known elsewhere on the page that
    starts with the words found is preferred.
    """
    if not event.speaker:
        return None
    speaker = normalise(event.speaker).casefold()
    for i, line in enumerate(promo):
        if line.casefold() != speaker:
            continue
        for candidate in promo[i + 1 : i + 1 + _PROMO_REACH]:
            match = _CONVERSATION.search(candidate)
            if match:
                who = match["who"]
                return next((n for n in known if n.startswith(who) and n.casefold() != speaker), who)
    return None
