"""`db`: the store's schema (which revision, bring it to the newest) and moving a store to another database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import Config
from ..errors import StoreError

if TYPE_CHECKING:
    from ..store import Store


@dataclass(frozen=True)
class SchemaState:
    """The store as `db current` and `db upgrade` report it: where, which revision before and after, the newest."""

    url: str  # printable: no password
    before: str | None
    after: str | None
    head: str


def db_current(config: Config) -> SchemaState:
    """The store's schema revision and the newest this version knows; changes nothing."""
    from ..store import admin, migrate

    found = admin.revision(config.store_url)
    return SchemaState(admin.shown(config.store_url), found, found, migrate.HEAD)


def db_upgrade(config: Config) -> SchemaState:
    """Bring the store to the newest schema (what every command does on start); says from which revision."""
    from ..store import admin, migrate

    before = admin.revision(config.store_url)
    admin.upgrade(config.store_url)
    return SchemaState(admin.shown(config.store_url), before, admin.revision(config.store_url), migrate.HEAD)


@dataclass(frozen=True)
class MigrateResult:
    """What `db migrate-from` copied: from where to where (printable), rows per table, tables left out."""

    source: str
    target: str
    tables: tuple[tuple[str, int], ...]
    left_out: tuple[str, ...]


def migrate_from(config: Config, store: Store, source_url: str, *, force: bool = False) -> MigrateResult:
    """Copy the store at `source_url` (e.g. the old SQLite file) into the configured store, both at the newest schema.

    The source must exist; the target (`store`, the configured one) must be empty unless `force`.
    """
    from ..store import admin

    source, target = admin.shown(source_url), admin.shown(config.store_url)
    if not admin.exists(source_url):
        raise StoreError(f"{source}: there is no such database to copy from")
    if source == target:
        raise StoreError(f"{source} is the configured store itself: nothing to copy")
    copied = admin.copy_from(source_url, store.engine, force=force)
    return MigrateResult(source, target, copied.tables, copied.left_out)
