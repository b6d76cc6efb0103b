"""Whole-database chores behind `newsletter db`: which schema a database has, and copying a store across.

The copy goes table by table in foreign-key order, inside ONE transaction on the target,
so a failed copy leaves the target as it was. Tables are read as each database describes
itself (reflection), so tables added by later migrations are copied without changes here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ..errors import StoreError
from . import dialects, migrate

CHUNK = 2_000  # rows per INSERT batch: the copy streams, so a large list is never all in memory
BOOKKEEPING = {"alembic_version"}  # each side keeps its own: the target is migrated by Store()


@dataclass(frozen=True)
class Copied:
    """What a copy did: rows per table in the order copied, and the source's tables the target lacks."""

    tables: tuple[tuple[str, int], ...]
    left_out: tuple[str, ...]


def shown(url: str) -> str:
    """A database URL fit to print: the password, if any, masked."""
    return dialects.parse(url).render_as_string(hide_password=True)


def exists(url: str) -> bool:
    """False for a SQLite file that is not there (opening it would create it); servers are asked later."""
    parsed = dialects.parse(url)
    if parsed.get_backend_name() != dialects.SQLITE or parsed.database in (None, "", ":memory:"):
        return True
    return Path(parsed.database).exists()


def revision(url: str) -> str | None:
    """The schema revision of the database at `url` (None: no schema yet), without changing it."""
    if not exists(url):
        return None
    engine = dialects.engine(url)
    try:
        with engine.connect() as connection:
            return migrate.current(connection)
    except sa.exc.SQLAlchemyError as e:
        raise StoreError(f"{shown(url)}: cannot read the schema revision: {e}") from None
    finally:
        engine.dispose()


def upgrade(url: str) -> None:
    """Bring the store at `url` to the newest schema: what opening it does."""
    from . import Store

    Store(url).close()


def copy_from(source_url: str, target: sa.Engine, *, force: bool = False) -> Copied:
    """`copy_store` from the database at `source_url`, opened (and so migrated) for the copy."""
    from . import Store

    with Store(source_url) as source:
        return copy_store(source.engine, target, force=force)


def copy_store(source: sa.Engine, target: sa.Engine, *, force: bool = False) -> Copied:
    """Copy every table of `source` that `target` has too, ids and all; both must be at the same revision.

    A target holding any row is refused unless `force`, which empties it first (same transaction).
    """
    have, want = _tables(source), _tables(target)
    order = [table for table in want.sorted_tables if table.name in have.tables and table.name not in BOOKKEEPING]
    counts = []
    with source.connect() as reading, target.begin() as writing:
        _make_room(writing, order, force)
        for table in order:
            counts.append((table.name, _copy(reading, have.tables[table.name], writing, table)))
        dialects.reset_sequences(writing, order)
    left_out = sorted(set(have.tables) - set(want.tables) - BOOKKEEPING)
    return Copied(tuple(counts), tuple(left_out))


def _tables(engine: sa.Engine) -> sa.MetaData:
    tables = sa.MetaData()
    with engine.connect() as connection:
        tables.reflect(connection)
    return tables


def _make_room(connection: sa.Connection, order: list[sa.Table], force: bool) -> None:
    """Refuse a target with data in it, or (with `force`) delete it all, dependants first."""
    for table in order:
        rows = connection.scalar(sa.select(sa.func.count()).select_from(table))
        if rows and not force:
            raise StoreError(
                f"the target is not empty ({table.name} has {rows} row(s)); --force replaces what it holds"
            )
    if force:
        for table in reversed(order):
            connection.execute(table.delete())


def _copy(reading: sa.Connection, source: sa.Table, writing: sa.Connection, target: sa.Table) -> int:
    """Stream one table's rows across in batches; only the columns both sides have."""
    columns = [column.name for column in target.columns if column.name in source.c]
    rows = reading.execution_options(yield_per=CHUNK).execute(sa.select(*(source.c[name] for name in columns)))
    copied = 0
    with rows:
        for batch in rows.mappings().partitions():
            writing.execute(target.insert(), [dict(row) for row in batch])
            copied += len(batch)
    return copied
