"""The send ledger: one row per (issue, subscriber), moved through its states as the server answers.

pending -> sending (committed before the message's DATA) -> sent | failed | bounced, or
skipped when the subscriber left before their turn; a 4xx answer makes the row pending
again with a `retry_at` before which nobody claims it (a deferred row). Senders hold rows by a lease
(claimed_by, claimed_until) that they renew while alive, so two senders never take the
same row and a dead sender's rows come free when its lease runs out. A row found still
`sending` after that was in flight at the crash: it is sent again and counted in `crashes`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from ..errors import StoreError
from ..models import ACTIVE, BOUNCED, DEFERRED, FAILED, PENDING, SENDING, SENT, SKIPPED, Addressee, IssueStatus, Outcome
from . import dialects
from .dialects import as_utc
from .prepared import Prepared
from .schema import issues, sends, subscribers

OPEN = (PENDING, SENDING)


@dataclass(frozen=True)
class Summary:
    """The whole issue's ledger: rows per status, who may have it twice, and the failures' replies."""

    counts: dict[str, int]  # "deferred": the pending rows waiting for a retry time
    in_flight: tuple[str, ...]
    failures: tuple[tuple[str, str, str], ...]
    next_retry: dt.datetime | None = None


class Ledger:
    """Freezing an issue for sending, claiming recipients, and recording each outcome."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self._record, self._start = Prepared(RECORD, engine.dialect), Prepared(START, engine.dialect)
        self._skip_locked = dialects.skips_locked(engine.dialect)

    def freeze(self, issue: int, now: dt.datetime, *, force: bool = False) -> None:
        """Spend the issue's items and write a pending row per active subscriber, in one transaction.

        An issue already sending is left as it is (the send resumes); a sent one is refused
        unless `force`, which sends it again to everyone active in a new round. The status
        change comes first: it takes the write lock, so of two senders starting at once one
        freezes and the other, after it, finds the issue sending and resumes.
        """
        now = as_utc(now)
        allowed = (IssueStatus.DRAFT.value, IssueStatus.SENT.value) if force else (IssueStatus.DRAFT.value,)
        with self.engine.begin() as conn:
            moved = conn.execute(
                issues.update()
                .where(issues.c.number == issue, issues.c.status.in_(allowed))
                .values(status=IssueStatus.SENDING.value)
            ).rowcount
            if not moved:
                _why_not(conn, issue)
                return
            if not conn.scalar(sa.select(sa.func.count()).where(subscribers.c.status == ACTIVE)):
                raise StoreError("there are no active subscribers (newsletter subscribers add or import)")
            # A reader pausing (store/subscribers.py) gets a skipped row ("paused by the reader"), not the issue.
            pausing = sa.and_(subscribers.c.paused_until.is_not(None), subscribers.c.paused_until > now)
            active = sa.select(subscribers.c.id).where(subscribers.c.status == ACTIVE, sa.not_(pausing))
            round_ = (conn.scalar(sa.select(sa.func.max(sends.c.round)).where(sends.c.issue == issue)) or 0) + 1
            conn.execute(  # a forced round: everyone still active again
                sends.update()
                .where(sends.c.issue == issue, sends.c.subscriber.in_(active))
                .values(
                    status=PENDING,
                    round=round_,
                    crashes=0,
                    reply=None,
                    message_id=None,
                    claimed_by=None,
                    claimed_until=None,
                    retry_at=None,
                    deferred_since=None,
                    updated=now,
                )
            )
            already = sa.select(sends.c.subscriber).where(sends.c.issue == issue)
            columns = ("issue", "subscriber", "status", "round", "updated")
            fresh = sa.select(
                sa.literal(issue),
                subscribers.c.id,
                sa.literal(PENDING),
                sa.literal(round_),
                sa.literal(now, sa.DateTime(timezone=True)),
            ).where(subscribers.c.status == ACTIVE, subscribers.c.id.not_in(already))  # pausing ones too: skipped below
            conn.execute(sends.insert().from_select(columns, fresh))
            conn.execute(
                sends.update()
                .where(
                    sends.c.issue == issue,
                    sends.c.status == PENDING,
                    sends.c.subscriber.in_(sa.select(subscribers.c.id).where(pausing)),
                )
                .values(status=SKIPPED, reply="paused by the reader", updated=now)
            )

    def claim(self, issue: int, owner: str, now: dt.datetime, lease: float, limit: int) -> list[Addressee]:
        """Take up to `limit` open rows nobody holds, rows in flight at a crash first, then lowest subscriber.

        Concurrent senders (threads, processes, machines) get disjoint rows: on SQLite one
        conditional UPDATE under the file's write lock; on PostgreSQL the free rows are
        locked with FOR UPDATE SKIP LOCKED, so senders claiming at once pass each other by.
        """
        now = as_utc(now)
        values = {
            "p_issue": issue,
            "p_owner": owner,
            "p_now": now,
            "p_limit": limit,
            "p_until": now + dt.timedelta(seconds=lease),
        }
        with self.engine.begin() as conn:
            taken = _claim_locked(conn, values) if self._skip_locked else conn.execute(CLAIM, values)
            rows = {row.subscriber: row for row in taken}
            people = conn.execute(WHO, {"p_ids": list(rows)}).all() if rows else []
        return sorted(
            (
                Addressee(
                    p.id,
                    p.email,
                    p.name,
                    rows[p.id].round,
                    p.token_key,
                    rows[p.id].deferred_since and as_utc(rows[p.id].deferred_since),
                )
                for p in people
            ),
            key=lambda c: c.subscriber,
        )

    def steps(
        self, issue: int, owner: str, now: dt.datetime, steps: list[tuple[Outcome | None, int | None, str | None]]
    ) -> list[bool]:
        """For each (done, start, message_id): record the outcome `done`, then mark `start` sending
        with its Message-ID; all in ONE transaction, so several senders' steps share a commit.

        Returns, for each step, whether `start` may be sent: it must still be held by this
        sender and its subscriber still active; one who left meanwhile is marked skipped.
        The statements are built once (see the end of this module) and each runs once for
        all the steps (psycopg pipelines the rows): this runs per message, and the database's
        round trips, not its work, were most of its cost.
        """
        now = as_utc(now)
        outcomes = [
            {
                "p_issue": issue,
                "p_subscriber": done.subscriber,
                "p_status": done.status,
                "p_reply": done.reply,
                "p_attempts": done.attempts,
                "p_now": now,
                "p_retry_at": done.retry_at and as_utc(done.retry_at),
            }
            for done, _, _ in steps
            if done
        ]
        starts = [
            {"p_issue": issue, "p_subscriber": start, "p_owner": owner, "p_now": now, "p_message_id": message_id}
            for _, start, message_id in steps
            if start is not None
        ]
        with self.engine.begin() as conn:
            self._record.run_many(conn, [o for o in outcomes if o["p_status"] != DEFERRED])
            for deferred in (o for o in outcomes if o["p_status"] == DEFERRED):
                conn.execute(DEFER, deferred)
            for bounced in (o for o in outcomes if o["p_status"] == BOUNCED):
                conn.execute(BOUNCE, bounced)
            refused = self._refused(conn, starts) if self._start.run_many(conn, starts) < len(starts) else set()
        return [start is None or start not in refused for _, start, _ in steps]

    def _refused(self, conn: sa.Connection, starts: list[dict]) -> set[int]:
        """The starts not marked sending (their subscriber left, or the hold was lost): marked skipped."""
        ids = [values["p_subscriber"] for values in starts]
        first = starts[0]
        marked = set(
            conn.scalars(
                sa.select(sends.c.subscriber).where(
                    sends.c.issue == first["p_issue"],
                    sends.c.subscriber.in_(ids),
                    sends.c.status == SENDING,
                    sends.c.claimed_by == first["p_owner"],
                    sends.c.updated == first["p_now"],
                )
            )
        )
        refused = set(ids) - marked
        for values in (v for v in starts if v["p_subscriber"] in refused):
            status = conn.scalar(sa.select(subscribers.c.status).where(subscribers.c.id == values["p_subscriber"]))
            conn.execute(SKIP, {**values, "p_reply": f"subscriber {status or 'removed'}"})
        return refused

    def renew(self, issue: int, owner: str, now: dt.datetime, lease: float) -> None:
        """Extend this sender's hold on its open rows: proof it is still alive."""
        with self.engine.begin() as conn:
            conn.execute(
                sends.update()
                .where(sends.c.issue == issue, sends.c.claimed_by == owner, sends.c.status.in_(OPEN))
                .values(claimed_until=as_utc(now) + dt.timedelta(seconds=lease))
            )

    def release(self, issue: int, owner: str, now: dt.datetime) -> None:
        """Let go of this sender's rows on the way out: untouched ones free at once, and rows caught
        `sending` expire now, so the next run takes them over as in flight."""
        mine = sa.and_(sends.c.issue == issue, sends.c.claimed_by == owner)
        with self.engine.begin() as conn:
            conn.execute(
                sends.update().where(mine, sends.c.status == PENDING).values(claimed_by=None, claimed_until=None)
            )
            conn.execute(sends.update().where(mine, sends.c.status == SENDING).values(claimed_until=as_utc(now)))

    def held_by_others(self, issue: int, owner: str) -> dt.datetime | None:
        """When the soonest lease of another sender ends; None when no open row is left to anyone else."""
        others = sa.or_(sends.c.claimed_by.is_(None), sends.c.claimed_by != owner)
        waiting = sa.and_(sends.c.retry_at.is_not(None), sends.c.claimed_by.is_(None))  # deferred: a later run's
        query = sa.select(sa.func.count(), sa.func.min(sends.c.claimed_until)).where(
            sends.c.issue == issue, sends.c.status.in_(OPEN), others, ~waiting
        )
        with self.engine.connect() as conn:
            count, soonest = conn.execute(query).one()
        if not count:
            return None
        return as_utc(soonest) if soonest else dt.datetime.min.replace(tzinfo=dt.timezone.utc)

    def complete(self, issue: int, now: dt.datetime) -> bool:
        """Mark the issue sent once no row is open; True if it is (or was already) sent."""
        left = sa.exists().where(sends.c.issue == issue, sends.c.status.in_(OPEN))
        with self.engine.begin() as conn:
            conn.execute(
                issues.update()
                .where(issues.c.number == issue, issues.c.status == IssueStatus.SENDING.value, ~left)
                .values(status=IssueStatus.SENT.value, sent=as_utc(now))
            )
            return conn.scalar(sa.select(issues.c.status).where(issues.c.number == issue)) == IssueStatus.SENT.value

    def summary(self, issue: int, limit: int = 20) -> Summary:
        """Counts for every status, every address that was in flight at a crash, the first failures."""
        who = (
            sa.select(subscribers.c.email, sends.c.status, sends.c.reply)
            .join(subscribers, subscribers.c.id == sends.c.subscriber)
            .where(sends.c.issue == issue)
            .order_by(sends.c.subscriber)
        )
        with self.engine.connect() as conn:
            counts = dict(
                conn.execute(
                    sa.select(sends.c.status, sa.func.count()).where(sends.c.issue == issue).group_by(sends.c.status)
                ).all()
            )
            crashed = conn.scalars(who.where(sends.c.crashes > 0))
            failed = conn.execute(who.where(sends.c.status.in_((FAILED, BOUNCED))).limit(limit))
            deferred, soonest = conn.execute(
                sa.select(sa.func.count(), sa.func.min(sends.c.retry_at)).where(
                    sends.c.issue == issue, sends.c.status == PENDING, sends.c.retry_at.is_not(None)
                )
            ).one()
            counts = {status: counts.get(status, 0) for status in (SENT, FAILED, BOUNCED, SKIPPED, PENDING, SENDING)}
            return Summary(
                {**counts, DEFERRED: deferred},
                tuple(crashed),
                tuple((r.email, r.status, r.reply or "") for r in failed),
                soonest and as_utc(soonest),
            )


def _why_not(conn: sa.Connection, issue: int) -> None:
    """Why an issue was not frozen: raise unless it is already sending (then the send resumes)."""
    found = conn.execute(sa.select(issues.c.status, issues.c.sent).where(issues.c.number == issue)).first()
    if found is None:
        raise StoreError(f"there is no issue {issue} (newsletter build makes one)")
    if found.status == IssueStatus.SENT.value:
        raise StoreError(f"issue {issue} was sent on {found.sent:%Y-%m-%d %H:%M} UTC; --force sends it again")


def _claim_locked(conn: sa.Connection, values: dict):
    """PostgreSQL: lock free rows no other transaction has locked (in flight first), then mark them ours."""
    ids: list[int] = []
    for status in (SENDING, PENDING):
        if len(ids) < values["p_limit"]:
            ids += conn.scalars(FREE[status], {**values, "p_limit": values["p_limit"] - len(ids)})
    return conn.execute(TAKE, {**values, "p_ids": ids}) if ids else []


# The statements a send runs once per message or batch, built once: building a statement
# costs more than SQLite takes to run it.
B = sa.bindparam
NOW = B("p_now", type_=sa.DateTime(timezone=True))
_held_by_nobody = sa.and_(
    sa.or_(sends.c.claimed_until.is_(None), sends.c.claimed_until < NOW),
    sa.or_(sends.c.retry_at.is_(None), sends.c.retry_at <= NOW),
)  # and not deferred till later


def _candidates(status: str):
    """Free rows of one status in subscriber order: one index range (issue, status, subscriber)."""
    pick = sends.alias(f"pick_{status}")
    free = sa.and_(
        sa.or_(pick.c.claimed_until.is_(None), pick.c.claimed_until < NOW),
        sa.or_(pick.c.retry_at.is_(None), pick.c.retry_at <= NOW),
    )
    first = (
        sa.select(pick.c.subscriber)
        .where(pick.c.issue == B("p_issue"), pick.c.status == status, free)
        .order_by(pick.c.subscriber)
        .limit(B("p_limit"))
        .subquery()
    )
    return sa.select(first.c.subscriber)  # wrapped: SQLite allows no LIMIT inside a UNION


CLAIMED = {  # what claiming a row writes: the holder, until when, and one more crash if it was in flight
    "claimed_by": B("p_owner"),
    "claimed_until": B("p_until", type_=sa.DateTime(timezone=True)),
    "crashes": sends.c.crashes + sa.case((sends.c.status == SENDING, 1), else_=0),
}
CLAIM = (
    sends.update()
    .where(
        sends.c.issue == B("p_issue"),
        sends.c.status.in_(OPEN),
        _held_by_nobody,
        sends.c.subscriber.in_(sa.union_all(_candidates(SENDING), _candidates(PENDING))),
    )
    .values(CLAIMED)
    .returning(sends.c.subscriber, sends.c.round, sends.c.deferred_since)
)
FREE = {  # PostgreSQL's claim, step one: free rows of one status, locked, skipping rows others lock
    status: sa.select(sends.c.subscriber)
    .where(sends.c.issue == B("p_issue"), sends.c.status == status, _held_by_nobody)
    .order_by(sends.c.subscriber)
    .limit(B("p_limit"))
    .with_for_update(skip_locked=True)
    for status in (SENDING, PENDING)
}
TAKE = (  # step two: the locked rows become this sender's
    sends.update()
    .where(sends.c.issue == B("p_issue"), sends.c.subscriber.in_(B("p_ids", expanding=True)))
    .values(CLAIMED)
    .returning(sends.c.subscriber, sends.c.round, sends.c.deferred_since)
)
WHO = sa.select(subscribers.c.id, subscribers.c.email, subscribers.c.name, subscribers.c.token_key).where(
    subscribers.c.id.in_(B("p_ids", expanding=True))
)
_this_row = sa.and_(sends.c.issue == B("p_issue"), sends.c.subscriber == B("p_subscriber"))
RECORD = (  # a row some other sender finished meanwhile is not overwritten
    sends.update()
    .where(_this_row, sends.c.status == SENDING)
    .values(
        status=B("p_status"),
        reply=B("p_reply"),
        attempts=sends.c.attempts + B("p_attempts"),
        claimed_by=None,
        claimed_until=None,
        retry_at=None,
        updated=NOW,
    )
)
DEFER = (  # a 4xx answer: pending again, for nobody until retry_at
    sends.update()
    .where(_this_row, sends.c.status == SENDING)
    .values(
        status=PENDING,
        reply=B("p_reply"),
        attempts=sends.c.attempts + B("p_attempts"),
        claimed_by=None,
        claimed_until=None,
        retry_at=B("p_retry_at", type_=sa.DateTime(timezone=True)),
        deferred_since=sa.func.coalesce(sends.c.deferred_since, NOW),
        updated=NOW,
    )
)
BOUNCE = (
    subscribers.update()
    .where(subscribers.c.id == B("p_subscriber"), subscribers.c.status == ACTIVE)
    .values(status=BOUNCED, reason=B("p_reply"), updated=NOW)
)
_open = sa.or_(sends.c.status == PENDING, sends.c.status == SENDING)  # not IN: that is expanded per call
_mine = sa.and_(_this_row, _open, sends.c.claimed_by == B("p_owner"), sends.c.claimed_until > NOW)
_active = sa.exists().where(subscribers.c.id == B("p_subscriber"), subscribers.c.status == ACTIVE)
START = sends.update().where(_mine, _active).values(status=SENDING, message_id=B("p_message_id"), updated=NOW)
SKIP = (
    sends.update()
    .where(_mine, ~_active)
    .values(status=SKIPPED, reply=B("p_reply"), claimed_by=None, claimed_until=None, updated=NOW)
)
