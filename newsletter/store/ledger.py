"""The send ledger: one row per (issue, subscriber), moved through its states as the server answers.

pending -> sending (committed before the message's DATA) -> sent | failed | bounced, or
skipped when the subscriber left before their turn. Senders hold rows by a lease
(claimed_by, claimed_until) that they renew while alive, so two senders never take the
same row and a dead sender's rows come free when its lease runs out. A row found still
`sending` after that was in flight at the crash: it is sent again and counted in `crashes`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from ..errors import StoreError
from ..models import ACTIVE, BOUNCED, FAILED, PENDING, SENDING, SENT, SKIPPED, Addressee, Outcome
from .schema import issues, sends, subscribers

OPEN = (PENDING, SENDING)
ISSUE_DRAFT, ISSUE_SENDING, ISSUE_SENT = "draft", "sending", "sent"


@dataclass(frozen=True)
class Summary:
    """The whole issue's ledger: rows per status, who may have it twice, and the failures' replies."""

    counts: dict[str, int]
    in_flight: tuple[str, ...]
    failures: tuple[tuple[str, str, str], ...]


class Ledger:
    """Freezing an issue for sending, claiming recipients, and recording each outcome."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def next_issue(self) -> int | None:
        """The issue a plain `send` means: one whose send was interrupted, else the draft."""
        with self.engine.connect() as conn:
            for status in (ISSUE_SENDING, ISSUE_DRAFT):
                found = conn.scalar(sa.select(sa.func.min(issues.c.number)).where(issues.c.status == status))
                if found is not None:
                    return found
        return None

    def freeze(self, issue: int, now: dt.datetime, *, force: bool = False) -> None:
        """Spend the issue's items and write a pending row per active subscriber, in one transaction.

        An issue already sending is left as it is (the send resumes); a sent one is refused
        unless `force`, which sends it again to everyone active in a new round.
        """
        now = _utc(now)
        with self.engine.begin() as conn:
            found = conn.execute(sa.select(issues.c.status, issues.c.sent).where(issues.c.number == issue)).first()
            if found is None:
                raise StoreError(f"there is no issue {issue} (newsletter build makes one)")
            if found.status == ISSUE_SENDING:
                return
            if found.status == ISSUE_SENT and not force:
                raise StoreError(f"issue {issue} was sent on {found.sent:%Y-%m-%d %H:%M} UTC; --force sends it again")
            active = sa.select(subscribers.c.id).where(subscribers.c.status == ACTIVE)
            if not conn.scalar(sa.select(sa.func.count()).select_from(active.subquery())):
                raise StoreError("there are no active subscribers (newsletter subscribers add or import)")
            round_ = (conn.scalar(sa.select(sa.func.max(sends.c.round)).where(sends.c.issue == issue)) or 0) + 1
            conn.execute(
                sends.update()
                .where(sends.c.issue == issue, sends.c.subscriber.in_(active))
                .values(status=PENDING, round=round_, crashes=0, reply=None, message_id=None,
                        claimed_by=None, claimed_until=None, updated=now)
            )
            already = sa.select(sends.c.subscriber).where(sends.c.issue == issue)
            columns = ("issue", "subscriber", "status", "round", "updated")
            fresh = sa.select(
                sa.literal(issue), subscribers.c.id, sa.literal(PENDING), sa.literal(round_),
                sa.literal(now, sa.DateTime(timezone=True)),
            ).where(subscribers.c.status == ACTIVE, subscribers.c.id.not_in(already))
            conn.execute(sends.insert().from_select(columns, fresh))
            conn.execute(issues.update().where(issues.c.number == issue).values(status=ISSUE_SENDING))

    def claim(self, issue: int, owner: str, now: dt.datetime, lease: float, limit: int) -> list[Addressee]:
        """Take up to `limit` open rows nobody holds, lowest subscriber first.

        One conditional UPDATE, so concurrent senders (threads or processes) get disjoint
        rows on SQLite; PostgreSQL can swap in FOR UPDATE SKIP LOCKED here alone.
        """
        now = _utc(now)
        pick = sends.alias("pick")
        free = sa.or_(sends.c.claimed_until.is_(None), sends.c.claimed_until < now)
        candidates = (
            sa.select(pick.c.subscriber)
            .where(pick.c.issue == issue, pick.c.status.in_(OPEN),
                   sa.or_(pick.c.claimed_until.is_(None), pick.c.claimed_until < now))
            .order_by(pick.c.subscriber)
            .limit(limit)
        )
        taken = (
            sends.update()
            .where(sends.c.issue == issue, sends.c.status.in_(OPEN), free, sends.c.subscriber.in_(candidates))
            .values(claimed_by=owner, claimed_until=now + dt.timedelta(seconds=lease),
                    crashes=sends.c.crashes + sa.case((sends.c.status == SENDING, 1), else_=0))
            .returning(sends.c.subscriber, sends.c.status, sends.c.round)
        )
        with self.engine.begin() as conn:
            rows = {row.subscriber: row for row in conn.execute(taken)}
            people = conn.execute(
                sa.select(subscribers.c.id, subscribers.c.email, subscribers.c.name)
                .where(subscribers.c.id.in_(list(rows)))
            ).all() if rows else []
        return sorted(
            (Addressee(p.id, p.email, p.name, rows[p.id].round, rows[p.id].status == SENDING) for p in people),
            key=lambda c: c.subscriber,
        )

    def step(self, issue: int, owner: str, now: dt.datetime, *, done: Outcome | None = None,
             start: int | None = None, message_id: str | None = None) -> bool:
        """Record the last message's outcome and mark the next one `sending`, in one transaction.

        Returns whether `start` may be sent: it must still be held by this sender and its
        subscriber still active; a subscriber who left meanwhile is marked skipped.
        """
        now = _utc(now)
        with self.engine.begin() as conn:
            if done:
                _record(conn, issue, done, now)
            return start is None or _start(conn, issue, owner, now, start, message_id)

    def renew(self, issue: int, owner: str, now: dt.datetime, lease: float) -> None:
        """Extend this sender's hold on its open rows: proof it is still alive."""
        with self.engine.begin() as conn:
            conn.execute(
                sends.update()
                .where(sends.c.issue == issue, sends.c.claimed_by == owner, sends.c.status.in_(OPEN))
                .values(claimed_until=_utc(now) + dt.timedelta(seconds=lease))
            )

    def release(self, issue: int, owner: str, now: dt.datetime) -> None:
        """Let go of this sender's rows on the way out: untouched ones free at once, and rows caught
        `sending` expire now, so the next run takes them over as in flight."""
        mine = sa.and_(sends.c.issue == issue, sends.c.claimed_by == owner)
        with self.engine.begin() as conn:
            conn.execute(sends.update().where(mine, sends.c.status == PENDING)
                         .values(claimed_by=None, claimed_until=None))
            conn.execute(sends.update().where(mine, sends.c.status == SENDING).values(claimed_until=_utc(now)))

    def held_by_others(self, issue: int, owner: str) -> dt.datetime | None:
        """When the soonest lease of another sender ends; None when no open row is left to anyone else."""
        others = sa.or_(sends.c.claimed_by.is_(None), sends.c.claimed_by != owner)
        query = sa.select(sa.func.count(), sa.func.min(sends.c.claimed_until)).where(
            sends.c.issue == issue, sends.c.status.in_(OPEN), others
        )
        with self.engine.connect() as conn:
            count, soonest = conn.execute(query).one()
        if not count:
            return None
        return _as_utc(soonest) if soonest else dt.datetime.min.replace(tzinfo=dt.timezone.utc)

    def complete(self, issue: int, now: dt.datetime) -> bool:
        """Mark the issue sent once no row is open; True if it is (or was already) complete."""
        with self.engine.begin() as conn:
            left = conn.scalar(sa.select(sa.func.count()).where(sends.c.issue == issue, sends.c.status.in_(OPEN)))
            if left:
                return False
            conn.execute(issues.update().where(issues.c.number == issue, issues.c.status == ISSUE_SENDING)
                         .values(status=ISSUE_SENT, sent=_utc(now)))
            return True

    def summary(self, issue: int, limit: int = 20) -> Summary:
        """Counts for every status, every address that was in flight at a crash, the first failures."""
        who = (
            sa.select(subscribers.c.email, sends.c.status, sends.c.reply)
            .join(subscribers, subscribers.c.id == sends.c.subscriber)
            .where(sends.c.issue == issue)
            .order_by(sends.c.subscriber)
        )
        with self.engine.connect() as conn:
            counts = dict(conn.execute(
                sa.select(sends.c.status, sa.func.count()).where(sends.c.issue == issue).group_by(sends.c.status)
            ).all())
            crashed = conn.scalars(who.where(sends.c.crashes > 0))
            failed = conn.execute(who.where(sends.c.status.in_((FAILED, BOUNCED))).limit(limit))
            return Summary(
                {status: counts.get(status, 0) for status in (SENT, FAILED, BOUNCED, SKIPPED, PENDING, SENDING)},
                tuple(crashed), tuple((r.email, r.status, r.reply or "") for r in failed),
            )


def _record(conn: sa.Connection, issue: int, done: Outcome, now: dt.datetime) -> None:
    """Write what the server said; a row some other sender finished meanwhile is not overwritten."""
    conn.execute(
        sends.update()
        .where(sends.c.issue == issue, sends.c.subscriber == done.subscriber, sends.c.status == SENDING)
        .values(status=done.status, reply=done.reply, attempts=sends.c.attempts + done.attempts,
                claimed_by=None, claimed_until=None, updated=now)
    )
    if done.status == BOUNCED:
        conn.execute(
            subscribers.update()
            .where(subscribers.c.id == done.subscriber, subscribers.c.status == ACTIVE)
            .values(status=BOUNCED, reason=done.reply, updated=now)
        )


def _start(conn: sa.Connection, issue: int, owner: str, now: dt.datetime, start: int, message_id: str | None) -> bool:
    mine = sa.and_(
        sends.c.issue == issue, sends.c.subscriber == start, sends.c.status.in_(OPEN),
        sends.c.claimed_by == owner, sends.c.claimed_until > now,
    )
    active = sa.exists().where(subscribers.c.id == start, subscribers.c.status == ACTIVE)
    if conn.execute(sends.update().where(mine, active).values(status=SENDING, message_id=message_id, updated=now)).rowcount:
        return True
    status = conn.scalar(sa.select(subscribers.c.status).where(subscribers.c.id == start))
    conn.execute(
        sends.update().where(mine, ~active)
        .values(status=SKIPPED, reply=f"subscriber {status or 'removed'}", claimed_by=None, claimed_until=None, updated=now)
    )
    return False


def _utc(moment: dt.datetime) -> dt.datetime:
    """Every lease time is UTC: SQLite keeps no zone, and senders on one host must agree."""
    return moment.astimezone(dt.timezone.utc)


def _as_utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment
