"""Bring a database to the newest schema with Alembic, so upgrades never lose data."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# The newest revision, known without importing Alembic (a quarter of a second on every
# command); tests/test_store.py checks it against the migration scripts.
HEAD = "0009"


def _alembic_config(connection: sa.Connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def current(connection: sa.Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def at_head(connection: sa.Connection) -> bool:
    """True when the database is already at HEAD: the usual case, answered with one query."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return False
    return connection.scalar(sa.text("SELECT version_num FROM alembic_version")) == HEAD


def upgrade(engine: sa.Engine) -> None:
    """Run every pending migration in one transaction (a no-op when already at head).

    On PostgreSQL the transaction holds an advisory lock, so of several workers starting
    together on an old database one migrates it and the others then find it at head.
    """
    with engine.begin() as connection:
        if not at_head(connection):
            from alembic import command

            from . import dialects

            dialects.lock_for_migration(connection)
            command.upgrade(_alembic_config(connection), "head")
