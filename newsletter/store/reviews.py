"""The scheduled job's view of issues: which send time each was composed for and the editor's review.

`issues.status` stays the pipeline's (draft, sending, sent); the review (approved, held)
is a column beside it, so build, preview and send treat a reviewed draft as the draft it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from ..errors import StoreError
from .schema import issues

APPROVED, HELD = "approved", "held"


@dataclass(frozen=True)
class Scheduled:
    """An issue with its schedule: `state` is what `newsletter status` shows."""

    number: int
    subject: str
    status: str
    send_at: dt.datetime | None
    review: str | None
    note: str | None
    notified: dt.datetime | None
    sent: dt.datetime | None

    @property
    def state(self) -> str:
        return self.review if self.status == "draft" and self.review else self.status


class Reviews:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def get(self, number: int) -> Scheduled | None:
        return self._one(issues.c.number == number)

    def for_slot(self, send_at: dt.datetime) -> Scheduled | None:
        """The issue composed for the send time `send_at`, if any."""
        return self._one(issues.c.send_at == _utc(send_at))

    def current(self) -> Scheduled | None:
        """The issue under way: an interrupted send, else the draft."""
        return self._one(issues.c.status == "sending") or self._one(issues.c.status == "draft")

    def last_sent(self) -> Scheduled | None:
        query = sa.select(issues).where(issues.c.status == "sent").order_by(issues.c.sent.desc()).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _scheduled(row) if row else None

    def plan(self, number: int, send_at: dt.datetime) -> None:
        """Aim draft `number` at `send_at`: a fresh edition, so any earlier review is void."""
        self._update(number, send_at=_utc(send_at), review=None, note=None, notified=None)

    def review(self, number: int, review: str | None, note: str | None = None) -> Scheduled:
        """Approve or hold draft `number` (None: back to pending review); only a draft can be reviewed."""
        found = self.get(number)
        if found is None:
            raise StoreError(f"there is no issue {number}")
        if found.status != "draft":
            raise StoreError(f"issue {number} is {found.status}; only a draft can be approved or held")
        self._update(number, review=review, note=note)
        return self.get(number)

    def notified(self, number: int, now: dt.datetime) -> None:
        self._update(number, notified=_utc(now))

    def _update(self, number: int, **values) -> None:
        with self.engine.begin() as conn:
            conn.execute(issues.update().where(issues.c.number == number).values(**values))

    def _one(self, where) -> Scheduled | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(issues).where(where).order_by(issues.c.number).limit(1)).first()
        return _scheduled(row) if row else None


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """Stored in UTC; SQLite hands datetimes back without a zone, so one is put back on reading."""
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)


def _scheduled(row) -> Scheduled:
    return Scheduled(row.number, row.subject, row.status, _utc(row.send_at), row.review, row.note,
                     _utc(row.notified), _utc(row.sent))
