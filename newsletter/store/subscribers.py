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
from ..models import ACTIVE, UNCONFIRMED, UNSUBSCRIBED, Subscriber
from .dialects import as_utc
from .schema import subscribers

STATUSES = ("active", "unsubscribed", "bounced")  # what an import may set; sign-ups add "pending"
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
        return self._unsubscribe(sa.and_(subscribers.c.id == id_, _same_key(key)), now, reason)

    def signed_up(self, email: str, key: str, now: dt.datetime) -> Subscriber:
        """The row for folded address `key`: the one on the list in whatever status, else a new pending one.

        Two sign-ups for one new address at once both end with the same row (the key is unique).
        """
        try:
            with self.engine.begin() as conn:
                found = conn.execute(sa.select(subscribers).where(subscribers.c.email_key == key)).first()
                if found is None:
                    row = _row(NewSubscriber(email, key), now) | {"status": UNCONFIRMED, "reason": "signed up"}
                    conn.execute(subscribers.insert().values(row))
        except sa.exc.IntegrityError:
            pass  # the other sign-up inserted it first
        return self.find(key)

    def paused(self, now: dt.datetime) -> int:
        """How many active subscribers are pausing at `now`."""
        with self.engine.connect() as conn:
            return conn.scalar(
                sa.select(sa.func.count()).where(
                    subscribers.c.status == ACTIVE, subscribers.c.paused_until > as_utc(now)
                )
            )

    def pause(self, id_: int, key: str | None, until: dt.datetime | None, now: dt.datetime) -> Subscriber | None:
        """Pause the subscription a manage link names until `until` (None: resume now)."""
        return self._change(id_, key, now, paused_until=until and as_utc(until))

    def rename(self, id_: int, key: str | None, name: str, now: dt.datetime) -> Subscriber | None:
        return self._change(id_, key, now, name=name)

    def named(self, id_: int, key: str | None) -> Subscriber | None:
        """The subscriber a link's token names: its id and its key (None: a keyless row)."""
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(subscribers).where(subscribers.c.id == id_, _same_key(key))).first()
        return _subscriber(found) if found else None

    def _change(self, id_: int, key: str | None, now: dt.datetime, **values) -> Subscriber | None:
        with self.engine.begin() as conn:
            conn.execute(
                subscribers.update()
                .where(subscribers.c.id == id_, _same_key(key))
                .values(updated=as_utc(now), **values)
            )
        return self.named(id_, key)

    def _unsubscribe(self, which, now: dt.datetime, reason: str) -> Subscriber | None:
        with self.engine.begin() as conn:
            conn.execute(
                subscribers.update()
                .where(which, subscribers.c.status == ACTIVE)
                .values(status=UNSUBSCRIBED, reason=reason, updated=as_utc(now))
            )
            found = conn.execute(sa.select(subscribers).where(which)).first()
        return _subscriber(found) if found else None


def _same_key(key: str | None):
    return subscribers.c.token_key == key if key else subscribers.c.token_key.is_(None)


def activate(conn: sa.Connection, id_: int, name: str | None, now: dt.datetime) -> None:
    """Make a subscriber active after a followed confirmation (store/consents.py), unpaused."""
    values = {"status": ACTIVE, "reason": None, "updated": as_utc(now), "paused_until": None, "soft_bounces": 0}
    conn.execute(
        subscribers.update().where(subscribers.c.id == id_).values(**values, **({"name": name} if name else {}))
    )


def move(conn: sa.Connection, id_: int, email: str, key: str, now: dt.datetime) -> bool:
    """Give a subscriber a new address; False when another subscription holds it (one not confirmed
    yet gives way: it is deleted). The token key stays, so the reader's links keep working."""
    other = conn.execute(
        sa.select(subscribers.c.id, subscribers.c.status).where(subscribers.c.email_key == key, subscribers.c.id != id_)
    ).first()
    if other is not None and other.status != UNCONFIRMED:
        return False
    if other is not None:
        conn.execute(subscribers.delete().where(subscribers.c.id == other.id))
    conn.execute(
        subscribers.update()
        .where(subscribers.c.id == id_)
        .values(email=email, email_key=key, updated=as_utc(now), soft_bounces=0)
    )
    return True


def _row(new: NewSubscriber, now: dt.datetime) -> dict:
    if new.status not in STATUSES:
        raise StoreError(f"{new.email}: status {new.status!r} is not one of {', '.join(STATUSES)}")
    now = as_utc(now)
    return {
        "email": new.email,
        "email_key": new.key,
        "name": new.name,
        "status": new.status,
        "reason": None if new.status == ACTIVE else "imported",
        "created": now,
        "updated": now,
        "token_key": secrets.token_hex(KEY_BYTES),
    }


def _subscriber(row) -> Subscriber:
    created = row.created.replace(tzinfo=dt.timezone.utc) if row.created.tzinfo is None else row.created
    paused = row.paused_until and (
        row.paused_until.replace(tzinfo=dt.timezone.utc) if row.paused_until.tzinfo is None else row.paused_until
    )
    return Subscriber(row.id, row.email, row.name, row.status, row.reason, created, row.token_key, paused)
