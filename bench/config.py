"""Benchmark: start-up cost of the typed config schema (issue 15) against the hand-written one it replaced.

Each command runs as a real subprocess (interpreter start included), RUNS times; medians are printed
with same-run ratios against the same commands on the code before the schema (commit BEFORE, taken
with `git archive`), on the shipped seeds and config.toml:
- `python -c "load config.toml"`: the config alone;
- `newsletter --help` (target < 0.3 s; it should not import the config at all);
- `newsletter build --dry-run` (target < 1.5 s).
And the candidates' import floors: `import pydantic.dataclasses` (chosen) and `import msgspec` (not chosen:
no secret type, no validation context for paths, `dataclasses.replace` would not re-validate),
against a bare `import tomllib, dataclasses`.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "d028693"  # the last commit with the hand-written config
RUNS = 9


def seconds(args: list[str], cwd: Path, code: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run."""
    cpu, start = _children_cpu(), time.perf_counter()
    subprocess.run(args, cwd=cwd, env={**os.environ, "PYTHONPATH": str(code)}, check=True, capture_output=True)
    return time.perf_counter() - start, _children_cpu() - cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def medians(args: list[str], cwd: Path, *codes: Path) -> list[tuple[float, float]]:
    """Median (wall, CPU) seconds of `args` run against each tree in turn, interleaved so that load on a
    shared machine falls on every tree alike (CPU time is the steadier figure on a busy machine)."""
    runs = [[seconds(args, cwd, code) for code in codes] for _ in range(RUNS)]
    return [tuple(statistics.median(t[i] for t in column) for i in (0, 1)) for column in zip(*runs)]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        before, project = tmp / "before", tmp / "project"
        before.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", BEFORE, "newsletter", "templates"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
        shutil.copytree(ROOT / "seeds", project / "seeds")
        shutil.copy(ROOT / "config.toml", project / "config.toml")
        cli = [sys.executable, "-m", "newsletter"]
        commands = {
            "config load": [sys.executable, "-c", "from newsletter import config; config.load('config.toml')"],
            "--help": [*cli, "--help"],
            "build --dry-run": [*cli, "build", "--dry-run"],
        }
        targets = {"--help": " (target < 0.3 s)", "build --dry-run": " (target < 1.5 s)"}
        for code in (before, ROOT):
            subprocess.run(
                commands["build --dry-run"],
                cwd=project,
                env={**os.environ, "PYTHONPATH": str(code)},
                check=True,
                capture_output=True,
            )  # creates (or migrates) the store first
        for name, args in commands.items():
            was, now = medians(args, project, before, ROOT)
            print(f"{name:<16} schema median {now[0]:.3f} s wall, {now[1]:.3f} s CPU{targets.get(name, '')}")
            print(
                f"{'':<16} before median {was[0]:.3f} s wall, {was[1]:.3f} s CPU   schema / before "
                f"{now[0] / was[0]:.2f}x wall ({(now[0] - was[0]) * 1000:+.0f} ms), "
                f"{now[1] / was[1]:.2f}x CPU ({(now[1] - was[1]) * 1000:+.0f} ms)"
            )
        [(floor, _)] = medians([sys.executable, "-c", "import tomllib, dataclasses"], project, ROOT)
        print(f"import floor     tomllib + dataclasses median {floor:.3f} s")
        for library in ("pydantic.dataclasses", "msgspec"):
            try:
                [(took, _)] = medians([sys.executable, "-c", f"import {library}"], project, ROOT)
            except subprocess.CalledProcessError:
                print(f"import {library}: not installed (pip install -e '.[bench]')")
                continue
            print(f"import {library:<20} median {took:.3f} s   ({(took - floor) * 1000:+.0f} ms over the floor)")


if __name__ == "__main__":
    main()
