"""Compose: which items go into issue N dated D, and where. Pure: no I/O, no clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from .models import ARTICLE, EVENT, HEARING, Issue, Item


@dataclass(frozen=True)
class ComposeSettings:
    title: str
    long_form_words: int = 150


def compose(items: Iterable[Item], *, number: int, date: dt.date, settings: ComposeSettings) -> Issue:
    """Lead with the newest long-form piece as of `date`; events only from `date` on, soonest first."""
    items = list(items)
    articles = sorted((i for i in items if i.kind == ARTICLE), key=_newest_first)
    lead = _choose_lead(articles, date, settings.long_form_words)
    pieces = tuple(a for a in articles if a is not lead)
    hearing = tuple(sorted((i for i in items if i.kind == HEARING), key=_oldest_first))
    events = tuple(
        sorted(
            (i for i in items if i.kind == EVENT and i.event and i.event.day >= date),
            key=lambda i: (i.event.day, i.event.time or dt.time.min, i.title),
        )
    )
    # No issue number: a date names a daily issue, a number only adds noise to the inbox line.
    subject = f"{settings.title}: {lead.title}" if lead else settings.title
    return Issue(number, date, subject, lead, pieces, hearing, events)


def _choose_lead(articles: list[Item], date: dt.date, long_form_words: int) -> Item | None:
    """Prefer long-form pieces published by the issue date; a piece from its future leads only if nothing else can."""
    long_form = [a for a in articles if a.word_count >= long_form_words]
    for candidates in (
        [a for a in long_form if a.published and a.published.date() <= date],
        long_form,
        articles,
    ):
        if candidates:
            return candidates[0]
    return None


def _newest_first(item: Item):
    """Dated items newest first, then undated ones by source, so the order is stable."""
    stamp = item.published.timestamp() if item.published else float("inf")
    return (item.published is None, -stamp if item.published else 0, item.source, item.id)


def _oldest_first(item: Item):
    stamp = item.published.timestamp() if item.published else float("inf")
    return (stamp, item.source, item.id)
