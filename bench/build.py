"""Benchmark: wall time of `newsletter build --dry-run` on the shipped seeds and of `newsletter --help`.

Each command runs as a real subprocess (interpreter start included), 5 times; medians are
printed with same-run baselines:
- `--help` against a naive CLI that imports every heavy library up front;
- the build against the bare cost of starting Python and importing what a build needs.
Targets (issue 2): build under 1.5 s, --help under 0.3 s.
And in process, the cost of rendering templates in Jinja2's ImmutableSandboxedEnvironment
(issue 14): `render_issue` of the seeds' issue, median of 20, against a plain Environment
with the same settings in the same run.
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
    sandboxed, plain = sandbox_cost()
    print(f"render_issue, sandboxed templates  median {sandboxed * 1000:.1f} ms")
    print(f"  plain Environment                median {plain * 1000:.1f} ms")
    print(f"  sandboxed / plain                {sandboxed / plain:.2f}x")


def sandbox_cost(runs: int = 20) -> tuple[float, float]:
    """Median seconds of render_issue on the seeds' issue: as shipped (sandboxed), and with a plain Environment."""
    import datetime as dt

    import jinja2

    sys.path.insert(0, str(ROOT))
    from newsletter import config as config_module
    from newsletter import pipeline, render

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copytree(ROOT / "seeds", project / "seeds")
        shutil.copy(ROOT / "config.toml", project / "config.toml")
        config = config_module.load(project / "config.toml")
        issue = pipeline.build(config, date=dt.date(2016, 8, 31), dry_run=True, no_fetch=True).issue
    sandboxed_environment = render.make_environment

    def plain_environment(config):
        made = sandboxed_environment(config)
        env = jinja2.Environment(loader=made.loader, autoescape=made.autoescape, undefined=made.undefined,
                                 trim_blocks=True, lstrip_blocks=True)
        env.filters, env.tests = made.filters, made.tests
        return env

    def seconds(make) -> float:
        render.make_environment = make
        start = time.perf_counter()
        render.render_issue(issue, config)
        return time.perf_counter() - start

    times: dict = {sandboxed_environment: [], plain_environment: []}
    try:
        seconds(sandboxed_environment)  # warm caches (premailer, cssutils) before either is timed
        for _ in range(runs):  # alternated, so a busy moment on the machine hits both alike
            for make, kept in times.items():
                kept.append(seconds(make))
    finally:
        render.make_environment = sandboxed_environment
    return statistics.median(times[sandboxed_environment]), statistics.median(times[plain_environment])


if __name__ == "__main__":
    main()
