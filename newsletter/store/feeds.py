"""Feed state between runs: validators, failures, moves, what each feed said last."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ..models import FeedState
from .dialects import as_utc, chunks
from .schema import feeds

_TIMES = ("retry_after", "gone", "last_attempt", "last_success")


class FeedStore:
    """The only code that runs SQL for feed state; `Store.feeds` is one."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def states(self) -> dict[str, FeedState]:
        """Every feed's remembered state, by feed key."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(feeds)).mappings()
            return {row["url"]: _state(row) for row in rows}

    def save_states(self, states: Iterable[FeedState]) -> None:
        """Replace the remembered state of each feed given."""
        rows = [dict(vars(state)) for state in states]  # flat: asdict's deep copy was a fifth of an all-304 run
        if not rows:
            return
        with self.engine.begin() as conn:
            for chunk in chunks([row["url"] for row in rows]):
                conn.execute(feeds.delete().where(feeds.c.url.in_(chunk)))
            conn.execute(feeds.insert(), rows)


def _state(row) -> FeedState:
    values = dict(row)
    for name in _TIMES:
        values[name] = as_utc(values[name])
    return FeedState(**values)
