"""Shared test helpers. `pytest --update-golden` rewrites tests/golden/ from current output."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parent.parent

# Property tests check behaviour, not speed; a per-example deadline only makes them fail
# when the 2-core machine is busy (speed is measured in bench/).
settings.register_profile("newsletter", deadline=None)
settings.load_profile("newsletter")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the files under tests/golden/ from the current output instead of comparing",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """check(name, actual): compare `actual` with tests/golden/<name>, failing with a unified diff."""
    update = request.config.getoption("--update-golden")

    def check(name: str, actual: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(actual.encode("utf-8"))
            return
        if not path.exists():
            pytest.fail(f"{path} is missing; create it with: pytest --update-golden", pytrace=False)
        expected = path.read_bytes().decode("utf-8")
        if actual != expected:
            diff = difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"tests/golden/{name}",
                tofile="rendered now",
            )
            pytest.fail(
                f"output differs from tests/golden/{name} (if intended: pytest --update-golden)\n" + "".join(diff),
                pytrace=False,
            )

    return check


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port; see tests/smtp_server.py."""
    from smtp_server import LoopbackController, Recorder

    recorder = Recorder()
    controller = LoopbackController(recorder, hostname="127.0.0.1", port=0)
    controller.start()
    recorder.port = controller.port
    yield recorder
    controller.stop()


CHROMIUM = "/usr/bin/chromium"  # Debian's package; never a downloaded browser build
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through Playwright, one per test module. Skipped on a developer's
    machine without /usr/bin/chromium; in CI (CI set) its absence fails, as .ci/run installs it."""
    import os

    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI; .ci/run installs Debian's chromium", pytrace=False)
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def imap():
    """A real IMAP server (dovecot, TLS) for the module; see tests/imapserver.py (skips or fails without it)."""
    import imapserver

    reason = imapserver.missing()
    if reason:
        imapserver.skip_or_fail(reason)
    with imapserver.running() as server:
        yield server


@pytest.fixture(autouse=True)
def no_database_override(monkeypatch):
    """A developer's NEWSLETTER_DATABASE_URL must never point the tests (or their subprocesses) at it."""
    monkeypatch.delenv("NEWSLETTER_DATABASE_URL", raising=False)


@pytest.fixture(scope="session")
def pg_admin_url():
    """A PostgreSQL server's admin URL: NEWSLETTER_TEST_PG_URL, else a throwaway cluster (tests/pgserver.py).
    Skipped on a developer's machine without PostgreSQL; in CI its absence fails, as .ci/run starts one."""
    import os
    import subprocess

    import pgserver

    if os.environ.get(pgserver.VARIABLE):
        yield os.environ[pgserver.VARIABLE]
        return
    try:
        with pgserver.cluster() as url:
            yield url
    except (OSError, subprocess.CalledProcessError) as e:
        why = getattr(e, "stderr", None) or e
        reason = f"no PostgreSQL for the tests: {why} (apt-get install postgresql, or set {pgserver.VARIABLE})"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_template(pg_admin_url):
    """A database migrated to the newest schema once, copied for each test (faster than migrating each)."""
    import pgserver
    import sqlalchemy as sa

    from newsletter.store import Store

    url = pgserver.create_database(pg_admin_url)
    Store(url).close()
    yield sa.engine.make_url(url).database
    pgserver.drop_database(pg_admin_url, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A fresh store at the newest schema, on SQLite and on PostgreSQL (a new database per test)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'newsletter.db'}"
    import pgserver

    admin, template = request.getfixturevalue("pg_admin_url"), request.getfixturevalue("pg_template")
    url = pgserver.create_database(admin, template=template)
    request.addfinalizer(lambda: pgserver.drop_database(admin, url))
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_url(request, tmp_path):
    """An empty database (no tables at all), on SQLite and on PostgreSQL: for migration tests."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'blank.db'}"
    import pgserver

    admin = request.getfixturevalue("pg_admin_url")
    url = pgserver.create_database(admin)
    request.addfinalizer(lambda: pgserver.drop_database(admin, url))
    return url


PRODUCTION_URL = "https://eletter.example.org"


@pytest.fixture
def production(project):
    """The shipped project with the README's one production change: an https [web] base_url."""
    config = project / "config.toml"
    text = config.read_text(encoding="utf-8")
    assert 'base_url = "http://127.0.0.1:8080"' in text
    config.write_text(
        text.replace('base_url = "http://127.0.0.1:8080"', f'base_url = "{PRODUCTION_URL}"'), encoding="utf-8"
    )
    return project


@pytest.fixture
def project(tmp_path):
    """A copy of the shipped seeds/ and config.toml that a test may change (modules may define their own)."""
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    return tmp_path


@pytest.fixture
def mailing_project(project, smtp_server):
    """The shipped project as it is, sending to this test's loopback SMTP server instead of port 8025."""
    config = project / "config.toml"
    text = config.read_text(encoding="utf-8")
    assert text.count("\nport = 8025\n") == 1
    config.write_text(text.replace("\nport = 8025\n", f"\nport = {smtp_server.port}\n"), encoding="utf-8")
    return project
