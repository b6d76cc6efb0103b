"""Benchmark: wall time of `newsletter build --dry-run` on the shipped seeds and of `newsletter --help`.

Each command runs as a real subprocess (interpreter start included), 5 times; medians are
printed with same-run baselines:
- `--help` against a naive CLI that imports every heavy library up front;
- the build against the bare cost of starting Python and importing what a build needs.
Targets (issue 2): build under 1.5 s, --help under 0.3 s.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
HEAVY = "import premailer, sqlalchemy, jinja2, dateutil.parser"


def median_seconds(args: list[str], cwd: Path) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(args, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copytree(ROOT / "seeds", project / "seeds")
        shutil.copy(ROOT / "config.toml", project / "config.toml")
        cli = [sys.executable, "-m", "newsletter"]
        subprocess.run([*cli, "build", "--dry-run"], cwd=project, check=True, capture_output=True)  # create store
        build = median_seconds([*cli, "build", "--dry-run"], project)
        imports = median_seconds([sys.executable, "-c", HEAVY + "; import newsletter.cli"], project)
        help_ = median_seconds([*cli, "--help"], project)
        naive_help = median_seconds([sys.executable, "-c", HEAVY + "; from newsletter.cli import main; main()", "--help"], project)
    print(f"build --dry-run      median {build:.3f} s   (target < 1.5 s)")
    print(f"  import floor       median {imports:.3f} s   (python + libraries a build imports)")
    print(f"  build / floor      {build / imports:.2f}x")
    print(f"--help               median {help_:.3f} s   (target < 0.3 s)")
    print(f"  naive eager --help median {naive_help:.3f} s")
    print(f"  lazy / eager       {help_ / naive_help:.2f}x  ({naive_help / help_:.1f}x faster)")


if __name__ == "__main__":
    main()
