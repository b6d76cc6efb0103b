"""Core statements compiled once per engine and run on the driver's own cursor.

For the statements a send runs for every message, SQLAlchemy's per-call work (cache
lookup, parameter processing, result set-up) costs several times what SQLite spends
running them, and holds the GIL that the SMTP threads need. The SQL is still SQLAlchemy's,
compiled for the engine's dialect, so the store keeps one code path for every database.
"""

from __future__ import annotations

import sqlalchemy as sa


class Prepared:
    def __init__(self, statement: sa.Executable, dialect: sa.Dialect):
        compiled = statement.compile(dialect=dialect)
        required = {name: None for name, bind in compiled.binds.items() if bind.required}
        self.sql = compiled.string
        self.literals = {k: v for k, v in compiled.construct_params(required).items() if k not in required}
        self.order = compiled.positiontup  # None for drivers that take named parameters
        # The dialect's own type: generic DateTime has no processor, and sqlite3 would then store
        # "+00:00" on some rows and not on the rows SQLAlchemy writes (one format per column).
        processors = (
            (name, bind.type.dialect_impl(dialect).bind_processor(dialect))
            for bind, name in compiled.bind_names.items()
        )
        self.processors = {name: process for name, process in processors if process}

    def run(self, conn: sa.Connection, values: dict) -> int:
        """Execute within `conn`'s transaction; returns the number of rows changed."""
        return self.run_many(conn, [values])

    def run_many(self, conn: sa.Connection, rows: list[dict]) -> int:
        """Execute once per row in one driver call (psycopg sends them all in pipeline mode: one
        round trip, not one per row); returns the number of rows changed in all."""
        if not rows:
            return 0
        cursor = conn.connection.driver_connection.cursor()
        try:
            cursor.executemany(self.sql, [self._params(values) for values in rows])
            return cursor.rowcount
        finally:
            cursor.close()

    def _params(self, values: dict):
        params = {**self.literals, **values}
        for name, process in self.processors.items():
            params[name] = process(params[name])
        return params if self.order is None else tuple(params[n] for n in self.order)
