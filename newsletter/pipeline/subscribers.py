"""The `subscribers` verbs: add, remove, list, import and export the list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..models import Subscriber

if TYPE_CHECKING:
    from ..store import Store


def add_subscriber(config: Config, store: Store, email: str, name: str = "", *, now: dt.datetime) -> Subscriber:
    """Check the address (email-validator) and add it; an address already on the list is refused."""
    from ..deliver.addresses import checked
    from ..store.subscribers import NewSubscriber

    row = checked(email, name)
    return store.subscribers.add(NewSubscriber(row.email, row.key, row.name), now)


def remove_subscriber(config: Config, store: Store, email: str) -> Subscriber | None:
    """Delete a subscriber and their send records; None when the address is not on the list."""
    from ..deliver.addresses import AddressError, checked

    try:
        key = checked(email).key  # the same folding as when it was added
    except AddressError:
        key = email.strip().lower()
    return store.subscribers.remove(key)


def list_subscribers(config: Config, store: Store, *, status: str | None = None) -> list[Subscriber]:
    return list(store.subscribers.all(status))


def export_subscribers(config: Config, store: Store, out) -> int:
    """Write every subscriber as CSV to `out`, streamed; what `import_subscribers` reads back."""
    from ..deliver.addresses import write_csv

    return write_csv(store.subscribers.all(), out)


@dataclass(frozen=True)
class ImportResult:
    """Rows added and already present; when any row is rejected nothing is imported."""

    added: int
    existing: int
    rejected: tuple = ()


def import_subscribers(config: Config, store: Store, path: Path, *, now: dt.datetime) -> ImportResult:
    """Import a CSV of subscribers in one transaction: every row, or (if any row is bad) none."""
    from ..deliver.addresses import read_csv
    from ..store.subscribers import NewSubscriber

    rows, rejected = read_csv(path)
    if rejected:
        return ImportResult(0, 0, tuple(rejected))
    done = store.subscribers.import_all([NewSubscriber(r.email, r.key, r.name, r.status) for r in rows], now)
    return ImportResult(done.added, done.existing)
