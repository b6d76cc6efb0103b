"""The parser for eLetter pages: masthead date, lead piece, "I'm hearing" items, event listings.

An eLetter page is mostly sidebar: adverts, navigation, promos. It is known by its
shape, whoever edits it: a date at the top, and a lead ("News and Comment from ...",
or else the page's longest run of prose), "I'm hearing" items or event listings.
Only the lead, the hearing items and the listings are kept; the promo block above
the lead is read only to complete the listing it advertises ("... in conversation
with Roy L").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import NamedTuple

from ..models import ARTICLE, EVENT, HEARING, Item
from . import trace
from .dates import parse_byline, parse_date
from .items import make_item
from .lines import Rules, dedupe, first_sentence, is_prose, line_paragraphs, next_line, normalise
from .listings import Listing, event_title, is_listing, read_listings
from .trace import Ledger

_LEAD = re.compile(r"(?i)^news\s*(?:and|&)\s*comments?\s+from\s+(?P<name>\S.{0,59}?)\s*[:.]?$")
_ROLE = re.compile(r"(?i)^(?:the|our|your)\s")
_HEARING = re.compile(
    r"(?i)^(?:>>|»|>|[-*•–])?\s*I(?:['’`]?m| am) hearing\s*(?:[-–—:;,.]+|\s+that\b)\s*(?P<text>\S.*)$"
)
_HEARING_HEAD = re.compile(
    r"(?i)^(?:(?:this is|here(?:'s| is))\s+)?what I(?:['’`]?m| am) hearing\W*$|^I(?:['’`]?m| am) hearing\W*$"
)
_BULLET = re.compile(r"^(?:>>|»|>|[-*•–]|\d+[.)])\s*(?P<text>\S.*)$")
_CONVERSATION = re.compile(r"\b[Ii]n conversation with\s+(?P<who>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3})")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)]*$")
_MASTHEAD_LINES = 3
_MAX_TITLE = 100
_SHORT = 60
# The promo for an event sits within a few lines under the speaker's name; a list of
# hearing items starts within a few lines of its heading.
_PROMO_REACH = 3
_LIST_REACH = 3


def masthead(lines: Sequence[str]) -> tuple[int, dt.date] | None:
    """Where the page's date is and what it is: one of its first lines, alone or in a "|" bar."""
    seen = 0
    for i, line in enumerate(lines):
        if not line:
            continue
        for part in re.split(r"\s+[|·•]\s+|\s+[–—-]\s+", line):
            moment = parse_date(part, dt.timezone.utc)
            if moment:
                return i, moment.date()
        seen += 1
        if seen == _MASTHEAD_LINES:
            return None
    return None


def is_eletter(lines: Sequence[str]) -> bool:
    """A masthead date, and a lead heading, "I'm hearing" items or event listings."""
    if masthead(lines) is None:
        return False
    return any(_LEAD.match(line) or _HEARING.match(line) or _HEARING_HEAD.match(line) or is_listing(line)
               for line in lines)  # fmt: skip


def parse_eletter(lines: Sequence[str], source: str, rules: Rules, ledger: Ledger) -> list[Item]:
    """The lead, then the hearing items, then the events, all dated by the masthead."""
    top, page_day = masthead(lines)
    ledger.mark(range(top + 1), trace.MASTHEAD)
    published = dt.datetime.combine(page_day, dt.time(), tzinfo=rules.tz)
    for i, line in enumerate(lines):
        if rules.is_boilerplate(line):
            ledger.mark([i], trace.BOILERPLATE)
    lead, lead_lines = _lead(lines, source, rules, ledger, published)
    rest = [line if i not in lead_lines else "" for i, line in enumerate(lines)]
    author = lead.author if lead else None
    hearing = [
        make_item(HEARING, text, source, (text,), author=author, published=published) for text in _hearing(rest, ledger)
    ]
    listings = read_listings(rest, page_day, rules)
    for listing in listings:
        ledger.mark(listing.lines, trace.EVENT)
    promo = _Promo.of([line for line in lines[top + 1 : min(lead_lines, default=top + 1)] if line])
    known = [name for name in (author, *(x.event.speaker for x in listings)) if name]
    events = [_event_item(x, promo, known, source, published) for x in listings]
    ledger.rest(trace.SIDEBAR)
    return [*([lead] if lead else []), *hearing, *events]


def _lead(
    lines: Sequence[str], source: str, rules: Rules, ledger: Ledger, published: dt.datetime
) -> tuple[Item | None, range]:
    """The lead piece and the lines it spans: under "News and Comment from ...", else the longest prose run."""
    heading = next((i for i, line in enumerate(lines) if _LEAD.match(line)), None)
    author = None
    if heading is not None:
        ledger.mark([heading], trace.HEADING)
        author = _person(_LEAD.match(lines[heading])["name"])
        start = heading + 1
    else:
        start = _longest_prose(lines, rules)
        if start is None:
            ledger.warnings.append("eLetter page without a lead: no 'News and Comment from' and no prose")
            return None, range(0)
    title, author, start = _own_head(lines, start, rules, ledger, author, above=heading is None)
    end = _lead_end(lines, start, rules)
    kept, repeats = dedupe(line_paragraphs(lines, start, end), title)
    for number, span in enumerate(kept, 1):
        ledger.mark(span.lines, f"{trace.TEXT} {number}")
    for span in repeats:
        ledger.mark(span.lines, trace.DUPLICATE)
    if not kept:
        return None, range(0)
    title = title or first_sentence(kept[0].text)
    paragraphs = [s.text for s in kept]
    item = make_item(ARTICLE, title, source, paragraphs, author=author, published=published)
    return item, range(heading if heading is not None else start, end)


def _person(name: str) -> str | None:
    """The editor's name as a byline: a role ("the Editor") is none, a lower-case name is capitalised."""
    name = normalise(name)
    if _ROLE.match(name):
        return None
    if name == name.lower():
        name = re.sub(r"(^|[\s'’-])(\w)", lambda m: m[1] + m[2].upper(), name)
    return name


def _own_head(
    lines: Sequence[str], start: int, rules: Rules, ledger: Ledger, author: str | None, *, above: bool
) -> tuple[str | None, str | None, int]:
    """The lead's own headline and byline, when it has them; and where its text starts.

    Under a heading they come first; a lead found as prose has them just above it.
    """
    title = None
    if above:
        for j in reversed(range(max(0, start - 3), start)):
            byline = parse_byline(lines[j], rules.tz) if lines[j] and not ledger.fates[j] else None
            if byline and byline.author:
                author = author or byline.author
                ledger.mark([j], trace.BYLINE)
            elif _is_headline(lines[j], rules) and not ledger.fates[j]:
                ledger.mark([j], trace.TITLE)
                return lines[j], author, start
            elif lines[j]:
                break
        return None, author, start
    i = start
    for _ in range(2):
        while i < len(lines) and not lines[i]:
            i += 1
        if i == len(lines):
            break
        byline = parse_byline(lines[i], rules.tz)
        if byline and byline.author and byline.published is None:
            author = author or byline.author
            ledger.mark([i], trace.BYLINE)
        elif title is None and _is_headline(lines[i], rules) and _prose_follows(lines, i + 1):
            title = lines[i]
            ledger.mark([i], trace.TITLE)
        else:
            break
        i += 1
    return title, author, i


def _is_headline(line: str, rules: Rules) -> bool:
    return bool(line) and len(line) <= _MAX_TITLE and not _SENTENCE_END.search(line) and not rules.is_boilerplate(line)


def _prose_follows(lines: Sequence[str], i: int) -> bool:
    return is_prose(next_line(lines, i))


def _longest_prose(lines: Sequence[str], rules: Rules) -> int | None:
    """Where the page's longest run of prose lines starts (blank lines may sit within it)."""
    best, best_size, start, size = None, 0, None, 0
    for i, line in enumerate([*lines, "-"]):
        if not line:
            continue
        if is_prose(line) and not rules.is_boilerplate(line) and not _ends_lead(line):
            start = i if start is None else start
            size += len(line)
            continue
        if start is not None and size > best_size:
            best, best_size = start, size
        start, size = None, 0
    return best


def _ends_lead(line: str) -> bool:
    return bool(_HEARING.match(line) or _HEARING_HEAD.match(line) or is_listing(line))


def _lead_end(lines: Sequence[str], start: int, rules: Rules) -> int:
    """Where the lead stops: at boilerplate, where the sidebar items begin, or at a run of sidebar titles."""
    for i in range(start, len(lines)):
        line = lines[i]
        if rules.is_boilerplate(line) or _ends_lead(line):
            return i
        if line and _is_sidebar(line) and _is_sidebar(next_line(lines, i + 1, "-")):
            return i
    return len(lines)


def _is_sidebar(line: str) -> bool:
    """A short line that is not a sentence: a promo title or a navigation link."""
    return len(line) < _SHORT and not _SENTENCE_END.search(line) and not line.endswith((";", ":", ","))


def _hearing(lines: Sequence[str], ledger: Ledger) -> list[str]:
    """Each "I'm hearing" item: lines that say so, and the bullets under a "What I'm hearing" heading."""
    found = []
    list_open_until = -1  # bullets count as items up to this line
    for i, line in enumerate(lines):
        match = _HEARING.match(line)
        bullet = _BULLET.match(line) if i <= list_open_until else None
        if match or bullet:
            text = (match or bullet)["text"]
            inner = _HEARING.match(text)
            found.append(inner["text"] if inner else text)
            ledger.mark([i], trace.HEARING)
            if i <= list_open_until:
                list_open_until = i + 2
        elif _HEARING_HEAD.match(line):
            list_open_until = i + 1 + _LIST_REACH
    return found


def _event_item(listing: Listing, promo: _Promo, known: list[str], source: str, published: dt.datetime) -> Item:
    """An event Item, its headline completed by the promo that advertises the same speaker."""
    title = event_title(listing, _partner(listing, promo, known))
    event = listing.event
    return make_item(EVENT, title, source, event.description, published=published, event=event)


class _Promo(NamedTuple):
    """The promo block above the lead, and where each of its lines first appears (case-folded)."""

    lines: list[str]
    at: dict[str, int]

    @classmethod
    def of(cls, lines: list[str]) -> _Promo:
        at: dict[str, int] = {}
        for i, line in enumerate(lines):
            at.setdefault(line.casefold(), i)
        return cls(lines, at)


def _partner(listing: Listing, promo: _Promo, known: list[str]) -> str | None:
    """Whom the speaker is "in conversation with", per the promo under the speaker's name.

    Scrapes cut names short ("Roy L"), so a name known elsewhere on the page that
    starts with the words found is preferred.
    """
    if not listing.event.speaker:
        return None
    speaker = normalise(listing.event.speaker).casefold()
    at = promo.at.get(speaker)
    for candidate in promo.lines[at + 1 : at + 1 + _PROMO_REACH] if at is not None else ():
        match = _CONVERSATION.search(candidate)
        if match:
            who = match["who"]
            return next((n for n in known if n.startswith(who) and n.casefold() != speaker), who)
    return None
