"""Store states a test needs that no verb makes on its own."""

from __future__ import annotations

import datetime as dt

from newsletter.models import IssueStatus
from newsletter.store import Store
from newsletter.store.schema import issues


def mark_sent(store: Store, number: int, now: dt.datetime) -> None:
    """Close issue `number` as a completed send would (its items spent), without sending it."""
    with store.engine.begin() as conn:
        conn.execute(issues.update().where(issues.c.number == number).values(status=IssueStatus.SENT.value, sent=now))
