"""The `subscribers` verbs: add, remove, list, import and export the list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..models import Subscriber


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def add_subscriber(config: Config, email: str, name: str = "", *, now: dt.datetime | None = None) -> Subscriber:
    """Check the address (email-validator) and add it; an address already on the list is refused."""
    from ..deliver.addresses import checked
    from ..store import Store
    from ..store.subscribers import NewSubscriber

    row = checked(email, name)
    with Store(config.store_url) as store:
        return store.subscribers.add(NewSubscriber(row.email, row.key, row.name), now or _utc_now())


def remove_subscriber(config: Config, email: str) -> Subscriber | None:
    """Delete a subscriber and their send records; None when the address is not on the list."""
    from ..deliver.addresses import AddressError, checked
    from ..store import Store

    try:
        key = checked(email).key  # the same folding as when it was added
    except AddressError:
        key = email.strip().lower()
    with Store(config.store_url) as store:
        return store.subscribers.remove(key)


def list_subscribers(config: Config, *, status: str | None = None) -> list[Subscriber]:
    from ..store import Store

    with Store(config.store_url) as store:
        return list(store.subscribers.all(status))


def export_subscribers(config: Config, out) -> int:
    """Write every subscriber as CSV to `out`, streamed; what `import_subscribers` reads back."""
    from ..deliver.addresses import write_csv
    from ..store import Store

    with Store(config.store_url) as store:
        return write_csv(store.subscribers.all(), out)


@dataclass(frozen=True)
class ImportResult:
    """Rows added and already present; when any row is rejected nothing is imported."""

    added: int
    existing: int
    rejected: tuple = ()


def import_subscribers(config: Config, path: Path, *, now: dt.datetime | None = None) -> ImportResult:
    """Import a CSV of subscribers in one transaction: every row, or (if any row is bad) none."""
    from ..deliver.addresses import read_csv
    from ..store import Store
    from ..store.subscribers import NewSubscriber

    rows, rejected = read_csv(path)
    if rejected:
        return ImportResult(0, 0, tuple(rejected))
    with Store(config.store_url) as store:
        done = store.subscribers.import_all([NewSubscriber(r.email, r.key, r.name, r.status) for r in rows], now or _utc_now())
    return ImportResult(done.added, done.existing)
