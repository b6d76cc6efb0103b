"""One page of the corpus read whole: its genre, its items, and what became of each line.

The genre decides the parser: an eLetter page (a dated masthead with a lead, "I'm
hearing" items or listings) gives several items; an article or blog post gives
one; any other page (navigation, an index, a listings page) gives only the events
it lists. The Ledger keeps each line's fate for `newsletter corpus`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..models import EVENT, Item
from . import trace
from .article import parse_article
from .eletter import is_eletter, masthead, parse_eletter
from .items import make_item
from .lines import Rules
from .listings import event_title, read_listings
from .trace import Ledger

ELETTER = "eLetter page"
ARTICLE = "article"
OTHER = "other"
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)]*$")
# A paragraph this long is prose even without a full stop (a wall of text, a scrape cut short).
_PROSE_WORDS = 12


@dataclass(frozen=True)
class Page:
    """What the reader made of one file: its genre, its items, each line's fate, its warnings."""

    source: str
    kind: str
    items: tuple[Item, ...]
    ledger: Ledger

    @property
    def warnings(self) -> list[str]:
        return self.ledger.warnings


def read_page(text: str, source: str, rules: Rules, *, markdown: bool = False) -> Page:
    """Classify the page by its shape and read it with its genre's parser."""
    lines = text.split("\n")
    ledger = Ledger(lines)
    if not markdown and is_eletter(lines):
        return Page(source, ELETTER, tuple(parse_eletter(lines, source, rules, ledger)), ledger)
    article = parse_article(lines, source, rules, ledger, markdown=markdown)
    if article and _has_prose(article):
        _check(article, ledger)
        return Page(source, ARTICLE, (article,), ledger)
    return _other(lines, source, rules)


def _has_prose(article: Item) -> bool:
    return any(_SENTENCE_END.search(p) or len(p.split()) >= _PROSE_WORDS for p in article.paragraphs)


def _check(article: Item, ledger: Ledger) -> None:
    """What an editor may want to know about an article that read without error."""
    if article.published is None:
        ledger.warnings.append("no date found: the piece counts as published when first seen")


def _other(lines: list[str], source: str, rules: Rules) -> Page:
    """A page with no prose: only the events it lists are kept (a yearless date needs a masthead)."""
    ledger = Ledger(lines)
    top = masthead(lines)
    listings = read_listings(lines, top[1] if top else None, rules)
    items = []
    for listing in listings:
        ledger.mark(listing.lines, trace.EVENT)
        published = dt.datetime.combine(top[1], dt.time(), tzinfo=rules.tz) if top else None
        items.append(
            make_item(
                EVENT, event_title(listing), source, listing.event.description, published=published, event=listing.event
            )
        )
    if not items:
        ledger.warnings.append("no prose and no events: not an article or an eLetter page")
    ledger.rest(trace.BOILERPLATE if not items else trace.SIDEBAR)
    return Page(source, OTHER, tuple(items), ledger)
