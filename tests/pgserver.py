"""A throwaway PostgreSQL for tests and benchmarks: Debian's binaries, a temporary data folder, 127.0.0.1.

The tests use NEWSLETTER_TEST_PG_URL when it is set (CI starts a server, see .ci/run),
else `cluster()`: one started here and removed at the end (see tests/conftest.py). PostgreSQL refuses to run as root, so as root the cluster runs as the
`postgres` user (Debian's package makes it). Trust authentication on 127.0.0.1 only: the
data folder and the server live as long as the test session.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

VARIABLE = "NEWSLETTER_TEST_PG_URL"
DRIVER = "postgresql+psycopg"


def binaries() -> Path | None:
    """The folder of Debian's initdb and pg_ctl (the newest version installed), if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    """Run as `postgres` when we are root (initdb and postgres refuse root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def cluster(*, durable: bool = False):
    """Start a cluster in a temporary folder; yields its admin URL (database `postgres`).

    Not `durable`: no fsync, for tests. Durable: PostgreSQL's defaults, for benchmarks.
    """
    bin_dir = binaries()
    if bin_dir is None:
        raise FileNotFoundError("no initdb under /usr/lib/postgresql/*/bin")
    folder = Path(tempfile.mkdtemp(prefix="newsletter-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = _free_port()
    settings = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c max_connections=200"
    if not durable:
        settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "check": True}
    try:
        subprocess.run(
            _as_owner(
                [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale"]
            ),
            **quiet,
        )
        subprocess.run(
            _as_owner(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o", settings, "start"]
            ),
            **quiet,
        )
        yield f"{DRIVER}://postgres@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        shutil.rmtree(folder, ignore_errors=True)


def create_database(admin_url: str, *, template: str | None = None) -> str:
    """A new empty database (or a copy of `template`) on the server of `admin_url`; returns its URL."""
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:16]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
            conn.execute(sa.text(f"CREATE DATABASE {name}{copy}"))
    finally:
        engine.dispose()
    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    """Drop the database of `url`, closing whatever connections a test left open."""
    import sqlalchemy as sa

    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {sa.engine.make_url(url).database} WITH (FORCE)"))
    finally:
        engine.dispose()
