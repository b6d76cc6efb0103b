"""The `issues` table and its `issue_items`: an issue's life (draft -> sending -> sent), its review, its contents.

`status` is the pipeline's; the editor's review (approved, held) is a column beside it, so
build, preview and send treat a reviewed draft as the draft it is. This module is the one
owner of both; a status is named by models.IssueStatus, a review by models.Review.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..errors import StoreError
from ..models import Issue, IssueRecord, IssueStatus, Item, Review
from .codec import item_from_json
from .dialects import as_utc
from .schema import issue_items, issues, items

OVERFLOW = "overflow"  # the issue_items section of an issue's overflow (see Issue.overflow)
SECTIONS = ("lead", "pieces", "hearing", "events", OVERFLOW)


class Issues:
    """The only code that runs SQL on `issues` and `issue_items`; `Store.issues` is one."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def get(self, number: int) -> IssueRecord | None:
        return self._one(issues.c.number == number)

    def all(self) -> list[IssueRecord]:
        """Every issue, newest first."""
        with self.engine.connect() as conn:
            return [_record(row) for row in conn.execute(sa.select(issues).order_by(issues.c.number.desc()))]

    def current(self, *, sending_only: bool = False) -> IssueRecord | None:
        """The issue under way, what a plain `send` means: one being sent (interrupted, or with
        deferred recipients), else the draft; with `sending_only`, only one being sent."""
        found = self._one(issues.c.status == IssueStatus.SENDING.value)
        return found or (None if sending_only else self.draft())

    def draft(self) -> IssueRecord | None:
        """The issue being prepared, if any: there is at most one."""
        return self._one(issues.c.status == IssueStatus.DRAFT.value)

    def for_slot(self, send_at: dt.datetime) -> IssueRecord | None:
        """The issue composed for the send time `send_at`, if any."""
        return self._one(issues.c.send_at == as_utc(send_at))

    def last_sent(self) -> IssueRecord | None:
        query = (
            sa.select(issues).where(issues.c.status == IssueStatus.SENT.value).order_by(issues.c.sent.desc()).limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _record(row) if row else None

    def next_number(self) -> int:
        with self.engine.connect() as conn:
            return (conn.scalar(sa.select(sa.func.max(issues.c.number))) or 0) + 1

    def save_draft(self, issue: Issue, now: dt.datetime, built: str | None = None) -> None:
        """Store `issue` as the draft, replacing what the draft held before. `built` fingerprints what
        was built; an approval is for the bytes approved, so a build that changes them voids it."""
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(issues.c.status, issues.c.built, issues.c.review).where(issues.c.number == issue.number)
            ).first()
            status = row.status if row else None
            if status not in (None, IssueStatus.DRAFT):
                raise StoreError(f"issue {issue.number} is {status}; only a draft can be rebuilt")
            values = {
                "day": issue.date,
                "status": IssueStatus.DRAFT.value,
                "subject": issue.subject,
                "updated": now,
                "built": built,
            }
            if row and row.review == Review.APPROVED and row.built != built:
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

    def issue(self, number: int) -> Issue | None:
        """Issue `number` as last built (its subject and items, section by section), if stored."""
        record = self.get(number)
        if record is None:
            return None
        sections = self.items(number)
        return Issue(
            number,
            record.day,
            record.subject,
            next(iter(sections.get("lead", ())), None),
            *(tuple(sections.get(name, ())) for name in SECTIONS[1:]),
        )

    def items(self, number: int) -> dict[str, list[Item]]:
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

    def plan(self, number: int, send_at: dt.datetime) -> None:
        """Aim draft `number` at `send_at`: a fresh edition, so any earlier review is void."""
        self._update(number, send_at=as_utc(send_at), review=None, note=None, notified=None)

    def review(self, number: int, review: Review | None, note: str | None = None) -> IssueRecord:
        """Approve or hold draft `number` (None: back to pending review); only a draft can be reviewed."""
        found = self.get(number)
        if found is None:
            raise StoreError(f"there is no issue {number}")
        if found.status != IssueStatus.DRAFT:
            raise StoreError(f"issue {number} is {found.status}; only a draft can be approved or held")
        self._update(number, review=review and str(review), note=note)
        return self.get(number)

    def notified(self, number: int, now: dt.datetime) -> None:
        self._update(number, notified=as_utc(now))

    def _update(self, number: int, **values) -> None:
        with self.engine.begin() as conn:
            conn.execute(issues.update().where(issues.c.number == number).values(**values))

    def _one(self, where) -> IssueRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(issues).where(where).order_by(issues.c.number).limit(1)).first()
        return _record(row) if row else None


def _sections(issue: Issue):
    yield "lead", [issue.lead] if issue.lead else []
    yield "pieces", issue.pieces
    yield "hearing", issue.hearing
    yield "events", issue.events
    yield OVERFLOW, issue.overflow


def _record(row) -> IssueRecord:
    return IssueRecord(
        row.number,
        row.day,
        IssueStatus(row.status),
        row.subject,
        as_utc(row.updated),
        as_utc(row.sent),
        row.built,
        as_utc(row.send_at),
        row.review and Review(row.review),
        row.note,
        as_utc(row.notified),
    )
