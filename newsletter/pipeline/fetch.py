"""`fetch` and `feeds`: pull the feeds, re-read the corpus, store what is new; report feed health."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import Config, FeedConfig
from ..models import FeedState, Item

if TYPE_CHECKING:
    from ..sources.pull import Progress, Pulled
    from ..store import Store


@dataclass(frozen=True)
class FetchResult:
    """What `fetch` did: each enabled feed's outcome, the items stored and set aside, the corpus warnings."""

    feeds: tuple[Pulled, ...]
    new_items: int
    duplicates: int
    warnings: tuple[str, ...] = ()

    def count(self, outcome: str) -> int:
        return sum(pulled.outcome == outcome for pulled in self.feeds)

    def tally(self) -> tuple[int, int, int, int]:
        """How many feeds were updated, not modified, skipped (waiting, gone) and failed."""
        from ..sources.pull import FAILED, SKIPPED, UNCHANGED, UPDATED

        return tuple(self.count(outcome) for outcome in (UPDATED, UNCHANGED, SKIPPED, FAILED))


@dataclass(frozen=True)
class FeedStatus:
    """A configured feed, what the store remembers of it, a one-word condition, and its stored counts."""

    feed: FeedConfig
    state: FeedState
    condition: str
    items: int
    duplicates: int


@dataclass(frozen=True)
class Sources:
    """The sources as read now: the fetch's result, the corpus items read, and a dry run's unstored new items."""

    result: FetchResult
    read: list[Item]
    unseen: tuple[Item, ...]


def fetch(config: Config, store: Store, *, now: dt.datetime, progress: Progress | None = None) -> FetchResult:
    """Pull every enabled feed and re-read the corpus; store what is new and set duplicates aside."""
    return read_sources(config, store, now, with_feeds=True, save=True, progress=progress).result


def feeds(config: Config, store: Store, *, now: dt.datetime) -> list[FeedStatus]:
    """Each configured feed with what the store remembers of it, for `newsletter feeds`."""
    states, counts = store.feeds.states(), store.items.counts()
    found = []
    for feed in config.feeds:
        state = states.get(feed.key) or FeedState(feed.key)
        found.append(FeedStatus(feed, state, _condition(feed, state, now), *counts.get(feed.key, (0, 0))))
    return found


def _condition(feed: FeedConfig, state: FeedState, now: dt.datetime) -> str:
    if not feed.enabled:
        return "disabled"
    if state.gone:
        return "gone"
    if state.retry_after and state.retry_after > now:
        return "waiting"
    if state.last_attempt is None:
        return "never fetched"
    return f"failing ({state.failures})" if state.failures else "ok"


def read_sources(
    config: Config, store, now: dt.datetime, *, with_feeds: bool, save: bool, progress, extra: tuple[Item, ...] = ()
) -> Sources:
    """Read the corpus and, when `with_feeds`, pull the feeds; store what is new unless `save` is off.
    `extra` are the items of the editor's drafts file, read whole each time like the corpus.

    Items are stored before the feeds' new validators, so a crash between the two
    costs a refetch, never a 304 for items that were not kept.
    """
    from ..sources.corpus import read_corpus

    documents, warnings = read_corpus(
        config.corpus.path,
        boilerplate=config.boilerplate,
        venue_aliases=config.corpus.venue_aliases,
        tz=config.zone,
        max_bytes=config.corpus.max_bytes,
    )
    read = [item for document in documents for item in document.items] + list(extra)
    pulled = _pull(config, store, now, progress) if with_feeds else []
    keys = {item.id: k for p in pulled for item, k in zip(p.items, p.keys)}
    added = store.items.add_unique([*read, *(item for p in pulled for item in p.items)], now, save=save, keys=keys)
    store.feeds.save_states(p.state for p in pulled)
    result = FetchResult(tuple(pulled), len(added.new), len(added.duplicates), tuple(warnings))
    return Sources(result, read, () if save else added.new)


def _pull(config: Config, store, now: dt.datetime, progress) -> list[Pulled]:
    from ..sources.pull import pull

    enabled = [feed for feed in config.feeds if feed.enabled]
    utc = now.astimezone(dt.timezone.utc)
    return pull(enabled, store.feeds.states(), config.fetch, utc, config.zone, progress)
