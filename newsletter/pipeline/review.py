"""`approve`, `hold` and `status`: the editor's say over the scheduled job, and what it will do next."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..config import Config
from ..models import IssueStatus, Review


@dataclass(frozen=True)
class ScheduleStatus:
    """What `newsletter status` shows: the calendar, the issue under way, the last send, failing feeds."""

    next_compose: dt.datetime | None
    next_send: dt.datetime | None
    mode: str
    current: object | None  # store.issues.IssueRecord
    last_sent: object | None
    last_counts: dict[str, int]
    feeds_in_error: tuple[str, ...]
    sending: object | None = None  # store.ledger.Summary of the issue being sent (deferred recipients)


def approve(config: Config, number: int):
    """Let issue `number` go at its send time (in either mode); also lifts a hold."""
    from ..store import Store

    with Store(config.store_url) as store:
        return store.issues.review(number, Review.APPROVED, "approved by the editor")


def hold(config: Config, number: int):
    """Keep issue `number` from being sent by the schedule (a plain `newsletter send` still can)."""
    from ..store import Store

    with Store(config.store_url) as store:
        return store.issues.review(number, Review.HELD, "held by the editor")


def status(config: Config, *, now: dt.datetime | None = None) -> ScheduleStatus:
    from ..store import Store
    from .calendar import calendar
    from .gather import feeds

    now = now or dt.datetime.now(dt.timezone.utc)
    cal = calendar(config)
    with Store(config.store_url) as store:
        current, last = store.issues.current(), store.issues.last_sent()
        counts = store.ledger.summary(last.number).counts if last else {}
        sending = store.ledger.summary(current.number) if current and current.status == IssueStatus.SENDING else None
    failing = tuple(f"{f.feed.name}: {f.state.last_error or f.condition}" for f in feeds(config, now=now)
                    if f.condition.startswith(("failing", "gone")))
    return ScheduleStatus(cal.next_compose(now), cal.next_send(now), config.schedule.mode, current, last, counts,
                          failing, sending)
