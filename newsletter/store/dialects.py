"""What differs between SQLite and PostgreSQL, kept in one place so the rest of the store has one code path.

SQLite: a file, WAL, foreign keys switched on per connection, one writer at a time.
PostgreSQL (psycopg 3): sessions in UTC, so naive datetimes from SQLite mean what they
meant there; migrations serialised by an advisory lock, so several workers starting at
once on a new database upgrade it once; `SELECT ... FOR UPDATE SKIP LOCKED` for claims.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

POSTGRESQL, SQLITE = "postgresql", "sqlite"
# Any constant number: every `newsletter` process agrees on it, nothing else takes it.
MIGRATION_LOCK = 0x6E65_7773  # "news"


def engine(url: str) -> sa.Engine:
    """An engine for `url` with the settings its database needs; a SQLite file's folder is made."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == SQLITE:
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        made = sa.create_engine(url)
        sa.event.listen(made, "connect", _sqlite_pragmas)
        return made
    if parsed.get_backend_name() == POSTGRESQL:
        return sa.create_engine(url, connect_args={"options": "-c timezone=UTC"}, pool_pre_ping=True)
    return sa.create_engine(url)


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
