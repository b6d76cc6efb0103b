"""Compose: which items go into issue N dated D, and where. Pure: no I/O, no clock.

An editor's digest, not a dump. The rules, in the order they apply:

1. Dates. An item's date is its published date, unless that is more than a day after the
   item was first seen or after the issue date (a typo, a clock gone wrong, a hostile
   feed): then it is undated and counts as first seen, never "newest". An issue dated D
   holds only items dated on or before D (undated ones count as first seen).
2. Window. Items dated more than `max_age_days` before D are not offered (a feed with a
   ten-year backlog brings its newest items, not its archive). Events are chosen by the
   day they happen (from D on), not by when they were announced.
3. Ranking, within each section: the editor's pins (the drafts file's `pin`, in its
   order), then the corpus's pieces, then feed items; newest first within each.
4. Caps: at most `max_items` items of one feed (so one feed cannot crowd out the rest),
   then at most `pieces`, `hearing` and `events` per section. Pins pass every rule.

What is left out stays unspent in the store for a later issue, and `select` says why
each item was left out, for the preview.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .models import ARTICLE, EVENT, HEARING, Issue, Item

DAY = dt.timedelta(days=1)
# A feed item's source is its feed's key, a URL (file: for a path); a corpus item's is a path.
_FEED_SOURCE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")
SUBJECT_TITLE_CHARS = 150
# Why an item was left out; "budget" is added by rendering (render.fit_issue).
LATER, WINDOW, CAP, PAST = "later", "window", "cap", "past"


@dataclass(frozen=True)
class ComposeSettings:
    title: str
    long_form_words: int = 150
    zone: dt.tzinfo = dt.timezone.utc
    max_pieces: int = 20
    max_hearing: int = 30
    max_events: int = 20
    max_age_days: int = 14
    feed_max_items: int = 10
    # Feed key -> its [[feeds]] max_items (0: no cap); other feeds take `feed_max_items`.
    feed_caps: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Selection:
    """A composed issue and the items of the pool left out of it, each with its reason."""

    issue: Issue
    left: tuple[tuple[Item, str], ...] = ()

    def reasons(self) -> Counter:
        return Counter(reason for _, reason in self.left)


def compose(
    items: Iterable[Item],
    *,
    number: int,
    date: dt.date,
    settings: ComposeSettings,
    seen: Mapping[str, dt.datetime] | None = None,
    pins: tuple[str, ...] = (),
) -> Issue:
    """The issue `select` makes (see there)."""
    return select(items, number=number, date=date, settings=settings, seen=seen, pins=pins).issue


def select(
    items: Iterable[Item],
    *,
    number: int,
    date: dt.date,
    settings: ComposeSettings,
    seen: Mapping[str, dt.datetime] | None = None,
    pins: tuple[str, ...] = (),
) -> Selection:
    """Choose and order issue `number`'s items by the module's rules. `seen` maps an item id to
    when the store first saw it; an undated item missing there has no date, and is offered."""
    seen = seen or {}
    pinned = {item_id: n for n, item_id in enumerate(pins)}
    items = list(items)
    dated = {item.id: _date(item, seen.get(item.id), date, settings.zone) for item in items}
    left: list[tuple[Item, str]] = []
    offered: list[Item] = []
    for item in _unique(items):
        reason = None if item.id in pinned else _held_out(item, dated[item.id], date, settings)
        if reason:
            left.append((item, reason))
        else:
            offered.append(item)
    per_source = _per_source_caps(offered, pinned, dated, settings, left)
    articles, hearing = (
        _ranked([i for i in per_source if i.kind == kind], pinned, dated) for kind in (ARTICLE, HEARING)
    )
    hearing = _capped(hearing, settings.max_hearing, pinned, left)
    soonest = tuple(sorted((i for i in per_source if i.kind == EVENT), key=lambda i: (i.id not in pinned, *_when(i))))
    events = _capped(soonest, settings.max_events, pinned, left)
    lead = _choose_lead(articles, dated, settings.long_form_words)
    pieces = _capped(tuple(a for a in articles if a is not lead), settings.max_pieces, pinned, left)
    issue = Issue(number, date, _subject(settings.title, lead), lead, pieces, hearing, events)
    return Selection(issue, tuple(left))


def _unique(items: Iterable[Item]) -> list[Item]:
    """One item per id (the first given), so a repeated item cannot take two places."""
    unique: dict[str, Item] = {}
    for item in items:
        unique.setdefault(item.id, item)
    return list(unique.values())


def _date(item: Item, first_seen: dt.datetime | None, date: dt.date, zone: dt.tzinfo) -> dt.datetime | None:
    """The date the rules go by: published, unless it is not believable; then first seen."""
    stamp = item.published
    if stamp is not None:
        stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=zone)
        too_late = (first_seen is not None and stamp > first_seen + DAY) or stamp.astimezone(zone).date() > date + DAY
        if too_late:
            stamp = None
    return stamp or first_seen


def _held_out(item: Item, when: dt.datetime | None, date: dt.date, settings: ComposeSettings) -> str | None:
    """LATER, WINDOW or None (offered). Events go by their own day: from the issue date on."""
    if item.kind == EVENT:
        return None if item.event and item.event.day >= date else PAST
    if when is None:
        return None
    day = when.astimezone(settings.zone).date()
    if day > date:
        return LATER
    return WINDOW if day < date - dt.timedelta(days=settings.max_age_days) else None


def _per_source_caps(items: list[Item], pinned, dated, settings: ComposeSettings, left: list) -> list[Item]:
    """At most its cap of each feed's items, newest first; corpus items have no cap."""
    kept, taken = [], Counter()
    for item in _ranked(items, pinned, dated):
        cap = settings.feed_caps.get(item.source, settings.feed_max_items) if _is_feed(item) else 0
        if cap and item.id not in pinned and taken[item.source] >= cap:
            left.append((item, CAP))
            continue
        taken[item.source] += 1
        kept.append(item)
    return kept


def _capped(ranked: tuple[Item, ...], cap: int, pinned, left: list) -> tuple[Item, ...]:
    """The first `cap` items (pins always stay); the rest are left out for a later issue."""
    kept = [i for n, i in enumerate(ranked) if n < cap or i.id in pinned]
    chosen = {i.id for i in kept}
    left.extend((i, CAP) for i in ranked if i.id not in chosen)
    return tuple(kept)


def _ranked(items: list[Item], pinned: Mapping[str, int], dated) -> tuple[Item, ...]:
    """Pins in their order, then corpus items, then feed items; newest first, undated last."""

    def rank(item: Item):
        when = dated[item.id]
        stamp = -when.timestamp() if when else 0.0
        return (pinned.get(item.id, len(pinned)), _is_feed(item), when is None, stamp, item.source, item.id)

    return tuple(sorted(items, key=rank))


def _is_feed(item: Item) -> bool:
    return bool(_FEED_SOURCE.match(item.source))


def _when(item: Item):
    return (
        (item.event.day, item.event.time or dt.time.min, item.title)
        if item.event
        else (dt.date.max, dt.time.min, item.title)
    )


def _choose_lead(articles: tuple[Item, ...], dated, long_form_words: int) -> Item | None:
    """The newest long-form piece, else the first article (the editor's `lead` choice overrides it)."""
    long_form = [a for a in articles if a.word_count >= long_form_words]
    if long_form:
        return min(long_form, key=lambda a: (dated[a.id] is None, -(dated[a.id].timestamp() if dated[a.id] else 0)))
    return articles[0] if articles else None


def _subject(title: str, lead: Item | None) -> str:
    """ "Title: lead's title", the lead's title shortened so a hostile one cannot flood the inbox line."""
    if lead is None:
        return title
    headline = " ".join(lead.title.split())
    if len(headline) > SUBJECT_TITLE_CHARS:
        headline = headline[: SUBJECT_TITLE_CHARS - 1].rstrip() + "…"
    return f"{title}: {headline}"
