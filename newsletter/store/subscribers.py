"""Subscribers: who is on the list and whether they still want the eLetter.

Addresses arrive validated and with their duplicate key (see deliver/addresses.py); this
module only keeps them. The key is unique, so one person is one row however they typed it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Iterator

import sqlalchemy as sa

from ..errors import StoreError
from ..models import ACTIVE, UNSUBSCRIBED, Subscriber
from .dialects import as_utc
from .schema import subscribers

STATUSES = ("active", "unsubscribed", "bounced")
KEY_BYTES = 9  # of randomness in each subscriber's unsubscribe token (deliver/tokens.py KEY_BYTES)


@dataclass(frozen=True)
class NewSubscriber:
    """A validated row to add: `key` is the address folded for duplicate checks."""

    email: str
    key: str
    name: str = ""
    status: str = ACTIVE


@dataclass(frozen=True)
class Imported:
    """What an import did: rows added, and rows whose address was on the list already (left as they were)."""

    added: int
    existing: int


class Subscribers:
    """The subscribers table; every change is one transaction."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def add(self, new: NewSubscriber, now: dt.datetime) -> Subscriber:
        """Add one subscriber; an address already on the list (in any status) is refused, naming its status."""
        with self.engine.begin() as conn:
            found = conn.execute(sa.select(subscribers).where(subscribers.c.email_key == new.key)).first()
            if found:
                raise StoreError(f"{found.email} is already on the list ({found.status})")
            conn.execute(subscribers.insert().values(_row(new, now)))
            return _subscriber(conn.execute(sa.select(subscribers).where(subscribers.c.email_key == new.key)).one())

    def import_all(self, rows: list[NewSubscriber], now: dt.datetime) -> Imported:
        """Add every row whose address is new, in one transaction: all of them or, on any error, none.

        Addresses already on the list keep their name and status: an import never
        re-subscribes someone who left.
        """
        with self.engine.begin() as conn:
            known = set(conn.scalars(sa.select(subscribers.c.email_key)))
            new = [_row(row, now) for row in rows if row.key not in known]
            existing = sum(row.key in known for row in rows)
            if new:
                conn.execute(subscribers.insert(), new)
        return Imported(len(new), existing)

    def remove(self, key: str) -> Subscriber | None:
        """Delete a subscriber and their send records (erasure); None if the address is not on the list."""
        with self.engine.begin() as conn:
            found = conn.execute(sa.select(subscribers).where(subscribers.c.email_key == key)).first()
            if found:
                conn.execute(subscribers.delete().where(subscribers.c.id == found.id))
        return _subscriber(found) if found else None

    def find(self, key: str) -> Subscriber | None:
        """The subscriber whose folded address is `key`, if any."""
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(subscribers).where(subscribers.c.email_key == key)).first()
        return _subscriber(found) if found else None

    def get(self, id_: int) -> Subscriber | None:
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(subscribers).where(subscribers.c.id == id_)).first()
        return _subscriber(found) if found else None

    def all(self, status: str | None = None) -> Iterator[Subscriber]:
        """Subscribers in the order they joined, streamed so a large list is never all in memory."""
        query = sa.select(subscribers).order_by(subscribers.c.id)
        if status:
            query = query.where(subscribers.c.status == status)
        with self.engine.connect() as conn, conn.execution_options(yield_per=1000).execute(query) as rows:
            for row in rows:  # closed with the generator: PostgreSQL streams through a server-side cursor
                yield _subscriber(row)

    def count(self, status: str = ACTIVE) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(sa.func.count()).where(subscribers.c.status == status))

    def unsubscribe(self, id_: int, now: dt.datetime, reason: str) -> Subscriber | None:
        """Take an active subscriber off the list at once; a bounced or unsubscribed one stays as is."""
        return self._unsubscribe(subscribers.c.id == id_, now, reason)

    def unsubscribe_link(self, id_: int, key: str | None, now: dt.datetime, reason: str) -> Subscriber | None:
        """`unsubscribe` for the one subscription a link's token names: its id and its key (None: a keyless row)."""
        same_key = subscribers.c.token_key == key if key else subscribers.c.token_key.is_(None)
        return self._unsubscribe(sa.and_(subscribers.c.id == id_, same_key), now, reason)

    def _unsubscribe(self, which, now: dt.datetime, reason: str) -> Subscriber | None:
        with self.engine.begin() as conn:
            conn.execute(
                subscribers.update()
                .where(which, subscribers.c.status == ACTIVE)
                .values(status=UNSUBSCRIBED, reason=reason, updated=as_utc(now))
            )
            found = conn.execute(sa.select(subscribers).where(which)).first()
        return _subscriber(found) if found else None



def _row(new: NewSubscriber, now: dt.datetime) -> dict:
    if new.status not in STATUSES:
        raise StoreError(f"{new.email}: status {new.status!r} is not one of {', '.join(STATUSES)}")
    now = as_utc(now)
    return {
        "email": new.email, "email_key": new.key, "name": new.name, "status": new.status,
        "reason": None if new.status == ACTIVE else "imported", "created": now, "updated": now,
        "token_key": secrets.token_hex(KEY_BYTES),
    }


def _subscriber(row) -> Subscriber:
    created = row.created.replace(tzinfo=dt.timezone.utc) if row.created.tzinfo is None else row.created
    return Subscriber(row.id, row.email, row.name, row.status, row.reason, created, row.token_key)
