"""Bounces, complaints and unsubscribe mails: the evidence, and what each does to its subscriber.

Hard bounce -> `bounced`; complaint or unsubscribe mail -> `unsubscribed`; a soft bounce is
counted, and a subscriber whose last `soft_limit` issues sent all soft-bounced is `bounced`
(a success is the absence of a bounce, so "in a row" is read from the ledger, not a counter).
Each report is one transaction with the record of its Message-ID as read (mailbox_seen),
so reading a mailbox twice, or a report delivered twice, changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from ..models import ACTIVE, BOUNCED, COMPLAINT, HARD, SENT, SOFT, UNSUBSCRIBE, UNSUBSCRIBED
from .schema import bounces, mailbox_seen, sends, subscribers


@dataclass(frozen=True)
class Evidence:
    """One report about one subscriber, as the caller understood it (deliver/bounces.py)."""

    kind: str
    report_id: str  # the report's own Message-ID in the mailbox
    subscriber: int | None = None
    addresses: tuple[str, ...] = ()
    message_ids: tuple[str, ...] = ()  # the returned message's: found in the ledger, they name issue and subscriber
    code: str = ""
    detail: str = ""
    keyed: bool = False  # `subscriber` came with its token key: only the subscription with that key matches
    key: str | None = None


@dataclass(frozen=True)
class Applied:
    """What a report did: whose it was (email or None), the issue, and the status it left them in."""

    email: str | None
    issue: int | None
    status: str | None


class Bounces:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def seen(self, mailbox: str, message_ids: Iterable[str]) -> set[str]:
        """Which of these Message-IDs this mailbox has had already."""
        ids = list(message_ids)
        with self.engine.connect() as conn:
            found: set[str] = set()
            for start in range(0, len(ids), 500):
                found |= set(
                    conn.scalars(
                        sa.select(mailbox_seen.c.message_id).where(
                            mailbox_seen.c.mailbox == mailbox, mailbox_seen.c.message_id.in_(ids[start : start + 500])
                        )
                    )
                )
            return found

    def mark_seen(self, mailbox: str, message_ids: Iterable[str], now: dt.datetime) -> None:
        """Record messages read but not acted on (not a report, or about nobody on the list)."""
        with self.engine.begin() as conn:
            for message_id in message_ids:
                _seen(conn, mailbox, message_id, now)

    def apply(self, mailbox: str, evidence: Evidence, now: dt.datetime, soft_limit: int) -> Applied | None:
        """Record the evidence and change the subscriber's status, in one transaction with the mark as read;
        None when the report was read already."""
        now = now.astimezone(dt.timezone.utc)
        with self.engine.begin() as conn:
            if not _seen(conn, mailbox, evidence.report_id, now):
                return None  # read already, by another run
            subscriber, issue = _whom(conn, evidence)
            if subscriber is None:
                return Applied(None, issue, None)
            if issue is None and evidence.kind == SOFT:  # no copy returned: the last issue they were sent
                issue = conn.scalar(
                    sa.select(sa.func.max(sends.c.issue)).where(
                        sends.c.subscriber == subscriber, sends.c.status == SENT
                    )
                )
            conn.execute(
                bounces.insert().values(
                    subscriber=subscriber,
                    issue=issue,
                    kind=evidence.kind,
                    code=evidence.code[:16],
                    detail=evidence.detail,
                    report_id=evidence.report_id[:500],
                    received=now,
                )
            )
            reason = f"{evidence.kind} {evidence.code} {evidence.detail}".strip()[:500]
            if evidence.kind == HARD:
                _set(conn, subscriber, BOUNCED, reason, now)
            elif evidence.kind in (COMPLAINT, UNSUBSCRIBE):
                _set(conn, subscriber, UNSUBSCRIBED, reason, now)
            elif evidence.kind == SOFT:
                streak = _soft_streak(conn, subscriber, soft_limit)
                conn.execute(subscribers.update().where(subscribers.c.id == subscriber).values(soft_bounces=streak))
                if streak >= soft_limit:
                    _set(conn, subscriber, BOUNCED, f"{reason} ({streak} issues in a row soft-bounced)", now)
            row = conn.execute(
                sa.select(subscribers.c.email, subscribers.c.status).where(subscribers.c.id == subscriber)
            ).one()
            return Applied(row.email, issue, row.status)

    def evidence(self, subscriber: int) -> list[dict]:
        """Every report kept for one subscriber, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(bounces).where(bounces.c.subscriber == subscriber).order_by(bounces.c.id))
            return [dict(row._mapping) for row in rows]


def _seen(conn: sa.Connection, mailbox: str, message_id: str, now: dt.datetime) -> bool:
    """Mark a Message-ID read; False when it was already (the insert finds its key taken)."""
    key = {"mailbox": mailbox[:64], "message_id": message_id[:255]}
    if conn.scalar(
        sa.select(sa.func.count())
        .select_from(mailbox_seen)
        .where(mailbox_seen.c.mailbox == key["mailbox"], mailbox_seen.c.message_id == key["message_id"])
    ):
        return False
    conn.execute(mailbox_seen.insert().values(**key, taken=now))
    return True


def _whom(conn: sa.Connection, evidence: Evidence) -> tuple[int | None, int | None]:
    """(subscriber, issue): by signed token, then the returned Message-ID in the ledger, then the address."""
    issue = None
    if evidence.message_ids:
        found = conn.execute(
            sa.select(sends.c.subscriber, sends.c.issue).where(sends.c.message_id.in_(evidence.message_ids)).limit(1)
        ).first()
        if found:
            issue = found.issue
            if evidence.subscriber is None:
                return found.subscriber, issue
    if evidence.subscriber is not None:
        query = sa.select(subscribers.c.id).where(subscribers.c.id == evidence.subscriber)
        if evidence.keyed:
            query = query.where(
                subscribers.c.token_key == evidence.key if evidence.key else subscribers.c.token_key.is_(None)
            )
        return conn.scalar(query), issue
    for address in evidence.addresses:
        found = conn.scalar(sa.select(subscribers.c.id).where(subscribers.c.email_key == address.lower()))
        if found is not None:
            return found, issue
    return None, issue


def _set(conn: sa.Connection, subscriber: int, status: str, reason: str, now: dt.datetime) -> None:
    conn.execute(
        subscribers.update()
        .where(subscribers.c.id == subscriber, subscribers.c.status == ACTIVE)
        .values(status=status, reason=reason, updated=now)
    )


def _soft_streak(conn: sa.Connection, subscriber: int, limit: int) -> int:
    """How many of the last `limit` issues sent to the subscriber soft-bounced, counting back to the first that did not."""
    recent = conn.scalars(
        sa.select(sends.c.issue)
        .where(sends.c.subscriber == subscriber, sends.c.status == SENT)
        .order_by(sends.c.issue.desc())
        .limit(limit)
    ).all()
    bounced = set(
        conn.scalars(
            sa.select(bounces.c.issue).where(
                bounces.c.subscriber == subscriber, bounces.c.kind == SOFT, bounces.c.issue.in_(recent)
            )
        )
    )
    streak = 0
    for issue in recent:
        if issue not in bounced:
            break
        streak += 1
    return streak
