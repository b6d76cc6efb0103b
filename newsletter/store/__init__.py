"""The store: the only code that runs SQL. SQLite by default, any SQLAlchemy URL by config."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

import sqlalchemy as sa

from ..errors import StoreError
from ..models import Issue, Item
from . import dialects, migrate
from .bounces import Bounces
from .consents import Consents
from .codec import item_from_json
from .feeds import FeedStore
from .ledger import ISSUE_SENDING, Ledger
from .subscribers import Subscribers
from .leases import Leases
from .reviews import Reviews
from .schema import issue_items, issues, items

DRAFT = "draft"
SENT = "sent"
OVERFLOW = "overflow"  # the issue_items section of an issue's overflow (see Issue.overflow)


@dataclass(frozen=True)
class IssueRecord:
    """An issue as stored: enough to list it and to find its items."""

    number: int
    day: dt.date
    status: str
    subject: str
    updated: dt.datetime
    sent: dt.datetime | None
    built: str | None = None  # the fingerprint of what `build` last made of it


class Store:
    """Items, issues and their contents in one database, migrated to the newest schema on open."""

    def __init__(self, url: str):
        self.url = url
        try:
            self.engine = dialects.engine(url)
            migrate.upgrade(self.engine)
            self.feeds = FeedStore(self.engine)
            self.subscribers = Subscribers(self.engine)
            self.ledger = Ledger(self.engine)
            self.leases = Leases(self.engine)
            self.reviews = Reviews(self.engine)
            self.bounces = Bounces(self.engine)
            self.consents = Consents(self.engine)
        except (sa.exc.SQLAlchemyError, OSError) as e:
            raise StoreError(f"{dialects.masked(url)}: cannot open store: {e}") from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def add_items(self, new: Iterable[Item], now: dt.datetime) -> list[str]:
        """Insert the items not stored yet; return their ids. Known ids are left as they are.

        Duplicates of stored items (same link or text) are set aside: see `FeedStore.add_unique`.
        """
        return [item.id for item in self.feeds.add_unique(new, now).new]

    def pool(self) -> list[Item]:
        """Items not yet spent by a sent issue, oldest first seen first."""
        return [item for item, _ in self.pool_seen()]

    def pool_seen(self) -> list[tuple[Item, dt.datetime]]:
        """The pool, each item with when it was first seen (compose dates undated items by it).

        An item in a sent issue's overflow (moved out of the email to fit the size budget)
        is not spent: the next issue can take it.
        """
        spent = (
            sa.select(issue_items.c.item)
            .join(issues, issues.c.number == issue_items.c.issue)
            .where(issues.c.status.in_((ISSUE_SENDING, SENT)))  # a send under way has spent them too
            .where(issue_items.c.section != OVERFLOW)
        )
        query = (sa.select(items.c.data, items.c.first_seen).where(items.c.id.not_in(spent))
                 .order_by(items.c.first_seen, items.c.id))
        with self.engine.connect() as conn:
            return [(item_from_json(data), _utc(seen)) for data, seen in conn.execute(query)]

    def draft(self) -> IssueRecord | None:
        """The issue being prepared, if any: there is at most one."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(issues).where(issues.c.status == DRAFT)).first()
        return _record(row) if row else None

    def next_number(self) -> int:
        with self.engine.connect() as conn:
            return (conn.scalar(sa.select(sa.func.max(issues.c.number))) or 0) + 1

    def save_draft(self, issue: Issue, now: dt.datetime, built: str | None = None) -> None:
        """Store `issue` as the draft, replacing what the draft held before. `built` fingerprints what
        was built; an approval is for the bytes approved, so a build that changes them voids it."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(issues.c.status, issues.c.built, issues.c.review)
                               .where(issues.c.number == issue.number)).first()
            status = row.status if row else None
            if status not in (None, DRAFT):
                raise StoreError(f"issue {issue.number} is {status}; only a draft can be rebuilt")
            values = {"day": issue.date, "status": DRAFT, "subject": issue.subject, "updated": now, "built": built}
            if row and row.review == "approved" and row.built != built:
                values |= {"review": None, "note": "changed after it was approved: approve it again"}
            if status is None:
                conn.execute(issues.insert().values(number=issue.number, **values))
            else:
                conn.execute(issues.update().where(issues.c.number == issue.number).values(**values))
            conn.execute(issue_items.delete().where(issue_items.c.issue == issue.number))
            rows = [
                {"issue": issue.number, "item": item.id, "section": section, "position": position}
                for section, section_items in _sections(issue)
                for position, item in enumerate(section_items)
            ]
            if rows:
                conn.execute(issue_items.insert(), rows)

    def mark_sent(self, number: int, now: dt.datetime) -> None:
        """Close an issue: its items are spent and never appear in a later issue."""
        with self.engine.begin() as conn:
            conn.execute(issues.update().where(issues.c.number == number).values(status=SENT, sent=now))

    def issues(self) -> list[IssueRecord]:
        with self.engine.connect() as conn:
            return [_record(row) for row in conn.execute(sa.select(issues).order_by(issues.c.number.desc()))]

    def issue(self, number: int) -> Issue | None:
        """Issue `number` as last built (its subject and items, section by section), if stored."""
        record = next((r for r in self.issues() if r.number == number), None)
        if record is None:
            return None
        sections = self.issue_items(number)
        return Issue(number, record.day, record.subject, next(iter(sections.get("lead", ())), None),
                     *(tuple(sections.get(name, ())) for name in ("pieces", "hearing", "events", OVERFLOW)))

    def issue_items(self, number: int) -> dict[str, list[Item]]:
        """The items of issue `number` by section, in order."""
        query = (
            sa.select(issue_items.c.section, items.c.data)
            .join(items, items.c.id == issue_items.c.item)
            .where(issue_items.c.issue == number)
            .order_by(issue_items.c.section, issue_items.c.position)
        )
        found: dict[str, list[Item]] = {}
        with self.engine.connect() as conn:
            for section, data in conn.execute(query):
                found.setdefault(section, []).append(item_from_json(data))
        return found


def _sections(issue: Issue):
    yield "lead", [issue.lead] if issue.lead else []
    yield "pieces", issue.pieces
    yield "hearing", issue.hearing
    yield "events", issue.events
    yield OVERFLOW, issue.overflow


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; everything is stored in UTC."""
    if value is None or value.tzinfo:
        return value
    return value.replace(tzinfo=dt.timezone.utc)


def _record(row) -> IssueRecord:
    return IssueRecord(row.number, row.day, row.status, row.subject, _utc(row.updated), _utc(row.sent), row.built)
