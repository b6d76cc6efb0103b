"""What differs between SQLite and PostgreSQL, kept in one place so the rest of the store has one code path.

SQLite: a file, WAL, foreign keys switched on per connection, one writer at a time.
PostgreSQL (psycopg 3): sessions in UTC, so naive datetimes from SQLite mean what they
meant there; migrations serialised by an advisory lock, so several workers starting at
once on a new database upgrade it once; `SELECT ... FOR UPDATE SKIP LOCKED` for claims.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from ..errors import StoreError

POSTGRESQL, SQLITE = "postgresql", "sqlite"
# Any constant number: every `newsletter` process agrees on it, nothing else takes it.
MIGRATION_LOCK = 0x6E65_7773  # "news"


def parse(url: str) -> sa.URL:
    """`url` parsed, with a driver installed; else StoreError in one line with the password masked."""
    try:
        parsed = sa.engine.make_url(url)
        parsed.get_dialect().import_dbapi()
    except (sa.exc.ArgumentError, ValueError) as e:
        why = (
            e if isinstance(e, sa.exc.ArgumentError) else "its port is not a number"
        )  # int()'s text may hold the password
        raise StoreError(
            f"{masked(url)}: not a database URL ({why}); e.g. sqlite:///newsletter.db or "
            "postgresql+psycopg://user@host:5432/name"
        ) from None
    except ImportError as e:
        raise StoreError(
            f"{masked(url)}: no driver for it is installed ({e}); newsletter supports "
            "sqlite:/// and postgresql+psycopg://"
        ) from None
    return parsed


def masked(url: str) -> str:
    """`url` fit to print, even when it does not parse: any password replaced by ***."""
    return PASSWORD.sub(r"\1***@", url)


PASSWORD = re.compile(r"^([^:/]+://[^:/@]*:).*@")  # to the last @: a password may hold @ and :


def engine(url: str) -> sa.Engine:
    """An engine for `url` with the settings its database needs; a SQLite file's folder is made, 0700."""
    parsed = parse(url)
    if parsed.get_backend_name() == SQLITE:
        if parsed.database and parsed.database != ":memory:":
            _private_file(Path(parsed.database))
        made = sa.create_engine(parsed)
        sa.event.listen(made, "connect", _sqlite_pragmas)
        return made
    if parsed.get_backend_name() == POSTGRESQL:
        return sa.create_engine(parsed, connect_args={"options": "-c timezone=UTC"}, pool_pre_ping=True)
    return sa.create_engine(parsed)


def _private_file(path: Path) -> None:
    """Create the SQLite file 0600 before SQLite does (it would make it 0644 under the usual umask):
    it holds the whole subscriber list. SQLite gives its -wal and -shm files the same mode.
    A store made before this is made private too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # WAL: readers never block the send ledger's writers, and a commit needs fewer fsyncs.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def skips_locked(dialect: sa.Dialect) -> bool:
    """Whether claims can use FOR UPDATE SKIP LOCKED (row locks) rather than SQLite's whole-file lock."""
    return dialect.name == POSTGRESQL


def lock_for_migration(connection: sa.Connection) -> None:
    """Hold off other processes' migrations until this transaction ends (PostgreSQL; SQLite's write lock does it)."""
    if connection.dialect.name == POSTGRESQL:
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})


def lock_name(connection: sa.Connection, name: str) -> None:
    """Hold a lock on `name` until the transaction ends, so counting and adding rows for one name
    cannot interleave: a PostgreSQL advisory lock on its hash; SQLite's first write takes the
    database's write lock anyway (its callers write before they count)."""
    if connection.dialect.name == POSTGRESQL:
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


def reset_sequences(connection: sa.Connection, tables) -> None:
    """After rows were copied with their ids, make PostgreSQL's id sequences continue past the largest."""
    if connection.dialect.name != POSTGRESQL:
        return
    for table in tables:
        for column in table.primary_key.columns:
            sequence = connection.scalar(sa.select(sa.func.pg_get_serial_sequence(table.name, column.name)))
            if sequence:
                biggest = connection.scalar(sa.select(sa.func.max(column)))
                connection.execute(sa.select(sa.func.setval(sequence, biggest or 1, biggest is not None)))


CHUNK = 500  # bound parameters per IN (...) query: well under every backend's limit


def chunks(values: list[str]) -> Iterator[list[str]]:
    """`values` in slices short enough for one IN (...) on any backend."""
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """In UTC, as everything is stored: SQLite keeps no zone (its naive datetimes get UTC back on
    reading), and a zoned time is converted before writing, or SQLite would keep its local clock."""
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)
