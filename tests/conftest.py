"""Shared test helpers. `pytest --update-golden` rewrites tests/golden/ from current output."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"


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
