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
