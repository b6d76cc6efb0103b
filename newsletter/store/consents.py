"""Confirmation mails and what became of them: the consent record of each subscription.

Every mail the public forms send is a row here (to whom, from which form, when), so the
number mailed to one address in the last hours survives a restart of `newsletter serve`:
the anti-mail-bomb limit is counted from these rows, not from memory. A followed
confirmation link stamps its row `confirmed`, which is when and how a reader consented.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from . import dialects
from .schema import confirmations, subscribers
from .subscribers import KEY_BYTES, activate, move

SUBSCRIBE, CHANGE, MANAGE = "subscribe", "change", "manage"  # what a confirmation mail is for
# What following a confirmation link did.
SUBSCRIBED, CHANGED, ALREADY, TAKEN = "subscribed", "changed", "already", "taken"


@dataclass(frozen=True)
class Confirmation:
    """One confirmation mail: `key` goes into its link's token; `previous` is the address a change replaced."""

    id: int
    subscriber: int
    purpose: str
    email: str
    form: str
    key: str
    mailed: dt.datetime
    confirmed: dt.datetime | None
    name: str | None
    previous: str | None


class Consents:
    """The confirmations table."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def record(
        self,
        subscriber: int,
        purpose: str,
        email: str,
        email_key: str,
        form: str,
        now: dt.datetime,
        name: str | None = None,
        *,
        limit: int,
        since: dt.datetime,
    ) -> Confirmation | None:
        """Keep a confirmation mail about to be sent, unless `email_key` has had `limit` since `since`
        (then None, and nothing is kept); the mail's link names the row returned.

        The count and the new row are one step under a lock on the address, so sign-ups
        posted at once cannot each see room for one more and all mail the victim.
        """
        values = {
            "subscriber": subscriber,
            "purpose": purpose,
            "email": email,
            "email_key": email_key,
            "name": name,
            "form": form[:64],
            "key": secrets.token_hex(KEY_BYTES),
            "mailed": _utc(now),
        }
        try:
            with self.engine.begin() as conn:
                dialects.lock_name(conn, f"confirmations {email_key}")
                id_ = conn.execute(confirmations.insert().values(values)).inserted_primary_key[0]
                if _mailed(conn, email_key, since) > limit:
                    raise _Full  # rolls the new row back
                return _confirmation(conn.execute(sa.select(confirmations).where(confirmations.c.id == id_)).one())
        except _Full:
            return None

    def mailed(self, email_key: str, since: dt.datetime) -> int:
        """How many mails the forms sent to folded address `email_key` since `since`."""
        with self.engine.connect() as conn:
            return _mailed(conn, email_key, since)

    def confirm(self, id_: int, key: str, now: dt.datetime) -> tuple[str, Confirmation] | None:
        """Follow confirmation `id_` (whose random key is `key`): subscribe, or move to the new address.

        Returns what it did and the row; None when no such confirmation exists (or the key is
        wrong). Following a link twice does nothing more (ALREADY); a change to an address
        another subscription holds meanwhile is TAKEN, and nothing changes.
        """
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(confirmations).where(
                    confirmations.c.id == id_,
                    confirmations.c.key == key,
                    confirmations.c.purpose.in_((SUBSCRIBE, CHANGE)),
                )
            ).first()
            if row is None:
                return None
            if row.confirmed is not None:
                return ALREADY, _confirmation(row)
            previous = None
            if row.purpose == CHANGE:
                previous = conn.scalar(sa.select(subscribers.c.email).where(subscribers.c.id == row.subscriber))
                if not move(conn, row.subscriber, row.email, row.email_key, now):
                    return TAKEN, _confirmation(row)
            else:
                activate(conn, row.subscriber, row.name, now)
            conn.execute(
                confirmations.update().where(confirmations.c.id == id_).values(confirmed=_utc(now), previous=previous)
            )
            done = conn.execute(sa.select(confirmations).where(confirmations.c.id == id_)).one()
        return (CHANGED if row.purpose == CHANGE else SUBSCRIBED), _confirmation(done)

    def of(self, subscriber: int) -> list[Confirmation]:
        """A subscriber's confirmation mails, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(confirmations).where(confirmations.c.subscriber == subscriber).order_by(confirmations.c.id)
            )
            return [_confirmation(row) for row in rows]

    def since(self, moment: dt.datetime) -> tuple[int, int]:
        """(sign-up confirmations mailed, sign-ups confirmed) since `moment`: what `status` shows."""
        moment = _utc(moment)
        with self.engine.connect() as conn:
            asked = conn.scalar(
                sa.select(sa.func.count()).where(confirmations.c.purpose == SUBSCRIBE, confirmations.c.mailed >= moment)
            )
            done = conn.scalar(
                sa.select(sa.func.count()).where(
                    confirmations.c.purpose == SUBSCRIBE, confirmations.c.confirmed >= moment
                )
            )
        return asked, done


class _Full(Exception):
    """An address has had its mails for now."""


def _mailed(conn: sa.Connection, email_key: str, since: dt.datetime) -> int:
    return conn.scalar(
        sa.select(sa.func.count()).where(confirmations.c.email_key == email_key, confirmations.c.mailed >= _utc(since))
    )


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=dt.timezone.utc) if moment is not None and moment.tzinfo is None else moment


def _confirmation(row) -> Confirmation:
    return Confirmation(
        row.id,
        row.subscriber,
        row.purpose,
        row.email,
        row.form,
        row.key,
        _aware(row.mailed),
        _aware(row.confirmed),
        row.name,
        row.previous,
    )
