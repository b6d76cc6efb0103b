"""Long fuzz run of the feed path and the corpus reader: `python bench/fuzz.py --minutes 10`.

The same strategies and checks as tests/test_fuzz.py (tests/fuzzkit.py), run in rounds of
fresh random examples until the time is up: well-formed RSS, Atom and JSON Feed with any
field values, any bytes (and cut documents) as a feed, any bytes as a corpus file. Each
example is parsed, cleaned, stored in a real SQLite file, read back and rendered. Prints
the examples run per check and every failure (a broken promise or an uncaught exception)
as one line, with hypothesis' shrunk example after it. Target: 0 failures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fuzzkit import BYTES, CORPUS_FILES, DOCUMENTS, Door  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402

ROUND = settings(max_examples=200, database=None, deadline=None, suppress_health_check=list(HealthCheck))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to run (default 10)")
    minutes = parser.parse_args().minutes
    with tempfile.TemporaryDirectory() as tmp:
        door = Door(Path(tmp))
        checks = {
            "feeds (well-formed, any values)": (DOCUMENTS, lambda doc: door.check_feed(*doc)),
            "feeds (any bytes, cut documents)": (BYTES, lambda doc: door.check_feed(*doc)),
            "corpus files (any bytes)": (CORPUS_FILES, door.check_corpus_file),
        }
        examples = dict.fromkeys(checks, 0)
        failures: list[str] = []
        end = time.monotonic() + minutes * 60
        while time.monotonic() < end:
            for name, (strategy, check) in checks.items():
                failure = _round(strategy, check, lambda name=name: examples.__setitem__(name, examples[name] + 1))
                if failure:
                    failures.append(f"{name}: {failure}")
                    print(f"FAILURE {failures[-1]}", flush=True)
        door.close()
    print(f"fuzzed for {minutes:g} min:")
    for name, count in examples.items():
        print(f"  {name:<36}{count:>8} examples")
    print(f"  failures: {len(failures)}   target: 0")


def _round(strategy, check, count) -> str | None:
    """One round of fresh examples; the first failure (after shrinking) as one line, or None."""

    @ROUND
    @given(strategy)
    def run(value):
        count()
        check(value)

    try:
        run()
    except Exception as e:  # a failure is what a fuzz run is looking for: report it, go on
        return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    return None


if __name__ == "__main__":
    main()
