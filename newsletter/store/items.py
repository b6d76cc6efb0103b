"""The items: the dedup bookkeeping that lets each piece into the store once, and the pool of unspent ones.

Dedup rules (see dedup.py for the keys): within one batch, items that share a key are
one item and the earliest published wins (undated ones count as published now; ties go
to the order given). Against stored items, the stored one always wins: it was seen
first. One exception keeps edits working: a stored item from the *same* source that
shares only a text key is that source's earlier version (an edited corpus file, a
re-titled entry), so the newer one is stored beside it rather than set aside.
Duplicates are not stored as items; they are remembered in `duplicates` with their
source and link, pointing at the item kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import sqlalchemy as sa

from .. import dedup
from ..models import IssueStatus, Item
from .codec import item_from_json, item_to_json
from .dialects import as_utc, chunks
from .issues import OVERFLOW
from .schema import duplicates, issue_items, issues, item_keys, items

_NONE: Mapping[str, tuple] = MappingProxyType({})


@dataclass(frozen=True)
class Added:
    """What a batch did to the store: the items it stored, and the duplicates with the id of the item kept."""

    new: tuple[Item, ...]
    duplicates: tuple[tuple[Item, str], ...]


class Items:
    """The only code that runs SQL on items, their dedup keys and the duplicates; `Store.items` is one."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def counts(self) -> dict[str, tuple[int, int]]:
        """For each source: how many items it gave and how many of its items were set aside as duplicates."""
        found: dict[str, list[int]] = {}
        with self.engine.connect() as conn:
            for column, table, slot in ((items.c.source, items, 0), (duplicates.c.source, duplicates, 1)):
                query = sa.select(column, sa.func.count()).select_from(table).group_by(column)
                for source, count in conn.execute(query):
                    found.setdefault(source, [0, 0])[slot] = count
        return {source: (pair[0], pair[1]) for source, pair in found.items()}

    def pool(self) -> list[tuple[Item, dt.datetime]]:
        """Items not yet spent by a sent issue, oldest first seen first, each with when it was first
        seen (compose dates undated items by it).

        An item in a sent issue's overflow (moved out of the email to fit the size budget)
        is not spent: the next issue can take it.
        """
        spent = (
            sa.select(issue_items.c.item)
            .join(issues, issues.c.number == issue_items.c.issue)
            .where(
                issues.c.status.in_((IssueStatus.SENDING.value, IssueStatus.SENT.value))
            )  # a send under way spent them too
            .where(issue_items.c.section != OVERFLOW)
        )
        query = (
            sa.select(items.c.data, items.c.first_seen)
            .where(items.c.id.not_in(spent))
            .order_by(items.c.first_seen, items.c.id)
        )
        with self.engine.connect() as conn:
            return [(item_from_json(data), as_utc(seen)) for data, seen in conn.execute(query)]

    def add_unique(
        self, batch: Iterable[Item], now: dt.datetime, *, save: bool = True, keys: Mapping[str, tuple] = _NONE
    ) -> Added:
        """Store the items of `batch` that are neither known nor duplicates; remember the duplicates.

        `keys` holds dedup keys already computed, by item id (the rest are computed here).
        With `save` off nothing is written: the answer says what would be stored.
        """
        with self.engine.begin() as conn:
            ordered = _earliest_first(batch, now)
            known = _existing(conn, items.c.id, [i.id for i in ordered])
            known |= _existing(conn, duplicates.c.item, [i.id for i in ordered])
            fresh = [item for item in ordered if item.id not in known]
            keyed = {item.id: keys[item.id] if item.id in keys else dedup.keys(item) for item in fresh}
            stored = _owners(conn, {key for ks in keyed.values() for key in ks})
            new, dups, claimed = [], [], {}
            for item in fresh:
                kept = _kept(item, keyed[item.id], claimed, stored)
                if kept:
                    dups.append((item, kept))
                    continue
                new.append(item)
                for key in keyed[item.id]:
                    claimed.setdefault(key, item.id)
            if save:
                _insert(conn, new, keyed, dups, now)
        return Added(tuple(new), tuple(dups))


def _kept(item: Item, keys: tuple[str, ...], claimed: dict[str, str], stored: dict) -> str | None:
    """The id of the item that `item` duplicates, or None when it is new (rules in the module docstring)."""
    for key in keys:
        if key in claimed:
            return claimed[key]
        for owner, source in stored.get(key, ()):
            if key.startswith(dedup.LINK) or source != item.source:
                return owner
    return None


def _earliest_first(batch: Iterable[Item], now: dt.datetime) -> list[Item]:
    """One item per id, the earliest published first; undated items count as published now."""
    unique: dict[str, Item] = {}
    for item in batch:
        unique.setdefault(item.id, item)
    return sorted(unique.values(), key=lambda item: as_utc(item.published) or now)


def _insert(conn: sa.Connection, new: list[Item], keyed: dict, dups: list, now: dt.datetime) -> None:
    if new:
        conn.execute(items.insert(), [_item_row(item, now) for item in new])
        key_rows = [{"key": key, "item": item.id} for item in new for key in keyed[item.id]]
        if key_rows:
            conn.execute(item_keys.insert(), key_rows)
    if dups:
        rows = [
            {"item": d.id, "of_item": kept, "source": d.source, "title": d.title, "link": d.link, "first_seen": now}
            for d, kept in dups
        ]
        conn.execute(duplicates.insert(), rows)


def _item_row(item: Item, now: dt.datetime) -> dict:
    return {
        "id": item.id,
        "kind": item.kind,
        "source": item.source,
        "published": item.published,
        "first_seen": now,
        "data": item_to_json(item),
    }


def _existing(conn: sa.Connection, column: sa.Column, values: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(values):
        found.update(conn.scalars(sa.select(column).where(column.in_(chunk))))
    return found


def _owners(conn: sa.Connection, keys: set[str]) -> dict[str, list[tuple[str, str]]]:
    """For each key already stored: the items holding it, with their sources."""
    owners: dict[str, list[tuple[str, str]]] = {}
    for chunk in chunks(sorted(keys)):
        query = (
            sa.select(item_keys.c.key, items.c.id, items.c.source)
            .join(items, items.c.id == item_keys.c.item)
            .where(item_keys.c.key.in_(chunk))
            .order_by(items.c.first_seen, items.c.id)
        )
        for key, owner, source in conn.execute(query):
            owners.setdefault(key, []).append((owner, source))
    return owners
