"""All feeds at once: download concurrently, parse each body in a parser process as soon as it arrives.

Downloads wait on the network and parses on a CPU, so the two overlap: while one
feed is parsed the next ones are still arriving. One feed's failure is its own line
and never stops the others. Nothing here writes state: the caller stores what comes back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..config import FeedConfig, FetchSection
from ..models import FeedState, Item
from . import feeds
from .entries import Feed
from .feedparse import Parsed, ParseJob, ParsePool

UPDATED, UNCHANGED, SKIPPED, FAILED = "updated", "unchanged", "skipped", "failed"


@dataclass(frozen=True)
class Pulled:
    """One feed's outcome (one of the four above), its items, its new state, and one line saying what happened.

    `warn` marks a line the editor should act on: a failure, or a feed only partly readable.
    `keys` are the items' dedup keys, computed where they were parsed.
    """

    feed: FeedConfig
    state: FeedState
    items: tuple[Item, ...]
    line: str
    outcome: str
    warn: bool = False
    keys: tuple[tuple[str, ...], ...] = ()


Progress = Callable[[Pulled, int, int], None]


def pull(
    feed_list: Sequence[FeedConfig],
    states: dict[str, FeedState],
    settings: FetchSection,
    now: dt.datetime,
    tz: dt.tzinfo,
    progress: Progress | None = None,
) -> list[Pulled]:
    """Every feed's outcome, in the order given; `progress(outcome, done, total)` hears of each as it ends."""
    if not feed_list:
        return []
    with ParsePool(settings.workers, settings.parse_memory) as pool:
        if any(_expects_body(feed, states.get(feed.key)) for feed in feed_list):
            pool.warm()
        return asyncio.run(_pull_all(feed_list, states, settings, now, tz, pool, progress))


def _expects_body(feed: FeedConfig, state: FeedState | None) -> bool:
    """A file, or a live feed with nothing to make a 304 of: some body will surely need parsing."""
    if state is not None and state.gone:
        return False
    return feed.is_file or state is None or not (state.etag or state.last_modified)


async def _pull_all(feed_list, states, settings, now, tz, pool, progress) -> list[Pulled]:
    gate = asyncio.Semaphore(settings.concurrency)
    async with feeds.client(settings) as http:
        tasks = [
            asyncio.ensure_future(_pull_one(http, gate, feed, states.get(feed.key), settings, now, tz, pool))
            for feed in feed_list
        ]
        for done, finished in enumerate(asyncio.as_completed(tasks), 1):
            outcome = await finished
            if progress:
                progress(outcome, done, len(tasks))
    return [task.result() for task in tasks]


async def _pull_one(http, gate, feed, state, settings: FetchSection, now, tz, pool: ParsePool) -> Pulled:
    state = state or FeedState(feed.key)
    try:
        return await _fetch_and_parse(http, gate, feed, state, settings, now, tz, pool)
    except Exception as e:  # whatever went wrong, it is this feed's line, not the run's end
        line = f"unexpected error ({type(e).__name__}: {e})"
        failed = replace(state, last_attempt=now, last_error=line, failures=state.failures + 1)
        return Pulled(feed, failed, (), line, FAILED, True)


async def _fetch_and_parse(http, gate, feed, state, settings: FetchSection, now, tz, pool: ParsePool) -> Pulled:
    async with gate:
        fetched = await feeds.fetch(http, feed, state, settings, now)
    if fetched.body is None:
        return _settle(fetched, None, now)
    job = ParseJob(
        Feed(feed.key, feed.section, now, tz),
        fetched.body,
        fetched.content_type,
        fetched.url,
        settings.parse_timeout,
    )
    return _settle(fetched, await pool.parse(job), now)


def _settle(fetched: feeds.Fetched, parsed: Parsed | None, now: dt.datetime) -> Pulled:
    """The feed's final state and line, from what the fetch and the parse each said."""
    feed, state = fetched.feed, fetched.state
    if fetched.skipped:
        return Pulled(feed, state, (), fetched.line, SKIPPED, warn=fetched.error is not None)
    error = fetched.error or (parsed.error if parsed else None)
    if error:
        line = error if fetched.error else f"{error} ({fetched.line})"
        state = replace(state, last_error=line, failures=state.failures + 1)
        if state.last_status == 200:  # a body came and was not used: the next fetch must ask for it again
            state = replace(state, etag=None, last_modified=None)
        return Pulled(feed, state, (), line, FAILED, True)
    entries = parsed.entries if parsed else state.entries
    state = replace(state, last_success=now, last_error=None, failures=0, entries=entries)
    if parsed is None:
        return Pulled(feed, state, (), fetched.line, UNCHANGED)
    count = f"{parsed.entries} {'entry' if parsed.entries == 1 else 'entries'} ({fetched.line})"
    line = "; ".join(filter(None, (parsed.warning, count, *parsed.notes)))
    return Pulled(feed, state, parsed.items, line, UPDATED, parsed.warning is not None, parsed.keys)
