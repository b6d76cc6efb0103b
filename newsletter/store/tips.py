"""Readers' tips for "I'm hearing": the text in `tips`, who sent it in `tip_sources`.

Confidential by design: the source (address, name, client IP) lives in its own table, which
nothing but this module reads; a tip as the rest of the code sees it (`Tip`) has no field for
it, so it cannot reach an item, an issue, the archive or a log by accident. `purge` deletes
sources after `keep_source_days` and unused tips after `keep_days`. A mail's Message-ID is
recorded only as a digest (mailbox_seen), so the record of what was read names no one either.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa

from ..errors import StoreError
from .schema import mailbox_seen, metadata

NEW, CHECKING, ACCEPTED = "new", "checking", "accepted"
OPEN = (NEW, CHECKING)  # what the editor still has to decide
MAILBOX = "tips"  # this mailbox's name in mailbox_seen

tips = sa.Table(
    "tips",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("received", sa.DateTime(timezone=True), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),  # form, mail
    sa.Column("status", sa.String(16), nullable=False),  # new, checking, accepted (a discarded tip is deleted)
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("attachments", sa.Integer, nullable=False, server_default="0"),  # ignored, counted
    sa.Column("line", sa.Text),  # the "I'm hearing" line it became
    sa.Column("issue", sa.Integer),  # the issue whose drafts file took the line
    sa.Column("decided", sa.DateTime(timezone=True)),
    sa.Index("tips_status", "status"),
)

tip_sources = sa.Table(
    "tip_sources",
    metadata,
    sa.Column("tip", sa.Integer, sa.ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("received", sa.DateTime(timezone=True), nullable=False),
    sa.Column("address", sa.String(320), nullable=False, server_default=""),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    sa.Column("client", sa.String(64), nullable=False, server_default=""),
)


@dataclass(frozen=True)
class Tip:
    """A tip as the editor decides on it: no field names its sender."""

    id: int
    received: dt.datetime
    channel: str
    status: str
    text: str
    attachments: int = 0
    line: str | None = None
    issue: int | None = None


@dataclass(frozen=True)
class Source:
    """Who sent a tip, as far as known; kept apart and purged early."""

    address: str = ""
    name: str = ""
    client: str = ""


def digest(message_id: str) -> str:
    """How a tip mail's Message-ID is recorded: its digest, which names no one."""
    return "sha256:" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()


class Tips:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def add(
        self,
        channel: str,
        text: str,
        source: Source,
        now: dt.datetime,
        *,
        attachments: int = 0,
        message_id: str | None = None,
    ) -> int | None:
        """Store a new tip and its source in one transaction; None when the mail was taken already."""
        now = _utc(now)
        with self.engine.begin() as conn:
            if message_id is not None and not _taken(conn, message_id, now):
                return None
            number = conn.execute(
                tips.insert().values(received=now, channel=channel, status=NEW, text=text, attachments=attachments)
            ).inserted_primary_key[0]
            if source.address or source.name or source.client:
                conn.execute(
                    tip_sources.insert().values(
                        tip=number,
                        received=now,
                        address=source.address[:320],
                        name=source.name[:500],
                        client=source.client[:64],
                    )
                )
        return number

    def set_aside(self, message_id: str, now: dt.datetime) -> None:
        """Record a mail read but not taken (hostile, broken, empty), so it is not read again."""
        with self.engine.begin() as conn:
            _taken(conn, message_id, _utc(now))

    def seen(self, message_id: str) -> bool:
        """Whether the mail with this Message-ID was taken already."""
        with self.engine.connect() as conn:
            return bool(
                conn.scalar(
                    sa.select(sa.func.count())
                    .select_from(mailbox_seen)
                    .where(mailbox_seen.c.mailbox == MAILBOX, mailbox_seen.c.message_id == digest(message_id))
                )
            )

    def open(self) -> list[Tip]:
        """The tips still to decide (new, then checking), oldest first."""
        return self._tips(tips.c.status.in_(OPEN))

    def get(self, number: int) -> Tip:
        found = self._tips(tips.c.id == number)
        if not found:
            raise StoreError(f"there is no tip {number} (decided and purged, or never)")
        return found[0]

    def source(self, number: int) -> Source | None:
        """Who sent tip `number`, while it is kept: for the editor's eyes only."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(tip_sources).where(tip_sources.c.tip == number)).first()
        return Source(row.address, row.name, row.client) if row else None

    def accept(self, number: int, line: str, issue: int, now: dt.datetime) -> Tip:
        self._decide(number, status=ACCEPTED, line=line, issue=issue, decided=_utc(now))
        return self.get(number)

    def checking(self, number: int, now: dt.datetime) -> Tip:
        self._decide(number, status=CHECKING, decided=_utc(now))
        return self.get(number)

    def discard(self, number: int) -> None:
        """A discarded tip is deleted at once, with its source: nothing is kept that will not be used."""
        self.get(number)
        with self.engine.begin() as conn:
            conn.execute(tip_sources.delete().where(tip_sources.c.tip == number))
            conn.execute(tips.delete().where(tips.c.id == number))

    def purge(self, now: dt.datetime, keep_source_days: int, keep_days: int) -> tuple[int, int]:
        """Delete sources older than `keep_source_days` and unused tips older than `keep_days`;
        returns (sources, tips) deleted."""
        now = _utc(now)
        with self.engine.begin() as conn:
            old = conn.scalars(
                sa.select(tips.c.id).where(
                    tips.c.received < now - dt.timedelta(days=keep_days), tips.c.status != ACCEPTED
                )
            ).all()
            sources = conn.execute(
                tip_sources.delete().where(
                    sa.or_(
                        tip_sources.c.received < now - dt.timedelta(days=keep_source_days), tip_sources.c.tip.in_(old)
                    )
                )
            ).rowcount
            if old:
                conn.execute(tips.delete().where(tips.c.id.in_(old)))
        return sources, len(old)

    def _decide(self, number: int, **values) -> None:
        found = self.get(number)
        if found.status == ACCEPTED:
            raise StoreError(f"tip {number} was accepted already (issue {found.issue})")
        with self.engine.begin() as conn:
            conn.execute(tips.update().where(tips.c.id == number).values(**values))

    def _tips(self, where) -> list[Tip]:
        query = sa.select(tips).where(where).order_by(tips.c.received, tips.c.id)
        with self.engine.connect() as conn:
            return [
                Tip(row.id, _utc(row.received), row.channel, row.status, row.text, row.attachments, row.line, row.issue)
                for row in conn.execute(query)
            ]


def _taken(conn: sa.Connection, message_id: str, now: dt.datetime) -> bool:
    """Record a mail as read; False when it was already."""
    key = digest(message_id)
    if conn.scalar(
        sa.select(sa.func.count())
        .select_from(mailbox_seen)
        .where(mailbox_seen.c.mailbox == MAILBOX, mailbox_seen.c.message_id == key)
    ):
        return False
    conn.execute(mailbox_seen.insert().values(mailbox=MAILBOX, message_id=key, taken=now))
    return True


def _utc(moment: dt.datetime) -> dt.datetime:
    """Stored in UTC; SQLite hands datetimes back without a zone, so one is put back on reading."""
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)
