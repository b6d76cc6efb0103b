"""Named leases with an expiry: the one-sender rule of the scheduled job, and the only SQL for it.

A lease is a row (name, holder, expires). Taking it is one conditional UPDATE (free when
expired or already ours), else one INSERT that the primary key lets only one racer win:
portable SQL, atomic on SQLite (the write lock) and PostgreSQL (the row lock) alike.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from .dialects import as_utc
from .schema import leases


class Leases:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def acquire(self, name: str, holder: str, now: dt.datetime, seconds: float) -> bool:
        """Take or renew lease `name` for `seconds`; False when another holder has it unexpired."""
        now = as_utc(now)
        until = now + dt.timedelta(seconds=seconds)
        with self.engine.begin() as conn:
            taken = conn.execute(
                leases.update()
                .where(leases.c.name == name, sa.or_(leases.c.expires < now, leases.c.holder == holder))
                .values(holder=holder, expires=until)
            ).rowcount
            if taken:
                return True
            if conn.scalar(sa.select(leases.c.holder).where(leases.c.name == name)) is not None:
                return False
        try:
            with self.engine.begin() as conn:
                conn.execute(leases.insert().values(name=name, holder=holder, expires=until))
        except sa.exc.IntegrityError:  # another holder inserted it first
            return False
        return True

    def release(self, name: str, holder: str) -> None:
        """Give the lease up at once (only if still ours), so the next run need not wait for it."""
        with self.engine.begin() as conn:
            conn.execute(leases.delete().where(leases.c.name == name, leases.c.holder == holder))

    def holder(self, name: str, now: dt.datetime) -> str | None:
        """Who holds lease `name` unexpired at `now`, if anyone."""
        query = sa.select(leases.c.holder).where(leases.c.name == name, leases.c.expires >= as_utc(now))
        with self.engine.connect() as conn:
            return conn.scalar(query)
