"""`approve`, `hold` and `status`: the editor's say over the scheduled job, and what it will do next."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import Config
from ..models import IssueRecord, IssueStatus, Review
from .calendar import calendar
from .fetch import feeds

if TYPE_CHECKING:
    from ..store import Store


@dataclass(frozen=True)
class ScheduleStatus:
    """What `newsletter status` shows: the calendar, the issue under way, the last send, failing feeds."""

    next_compose: dt.datetime | None
    next_send: dt.datetime | None
    mode: str
    current: IssueRecord | None
    last_sent: IssueRecord | None
    last_counts: dict[str, int]
    feeds_in_error: tuple[str, ...]
    sending: object | None = None  # store.ledger.Summary of the issue being sent (deferred recipients)


def approve(config: Config, store: Store, number: int) -> IssueRecord:
    """Let issue `number` go at its send time (in either mode); also lifts a hold."""
    return store.issues.review(number, Review.APPROVED, "approved by the editor")


def hold(config: Config, store: Store, number: int) -> IssueRecord:
    """Keep issue `number` from being sent by the schedule (a plain `newsletter send` still can)."""
    return store.issues.review(number, Review.HELD, "held by the editor")


def status(config: Config, store: Store, *, now: dt.datetime) -> ScheduleStatus:
    """The calendar's next times, the issue under way, the last send's counts and the failing feeds."""
    cal = calendar(config)
    current, last = store.issues.current(), store.issues.last_sent()
    counts = store.ledger.summary(last.number).counts if last else {}
    sending = store.ledger.summary(current.number) if current and current.status == IssueStatus.SENDING else None
    failing = tuple(
        f"{f.feed.name}: {f.state.last_error or f.condition}"
        for f in feeds(config, store, now=now)
        if f.condition.startswith(("failing", "gone"))
    )
    return ScheduleStatus(
        cal.next_compose(now), cal.next_send(now), config.schedule.mode, current, last, counts, failing, sending
    )
