"""Benchmark: wall time of `newsletter build --dry-run` on the shipped seeds and of `newsletter --help`.

Each command runs as a real subprocess (interpreter start included), 5 times; medians are
printed with same-run baselines:
- `--help` against a naive CLI that imports every heavy library up front;
- the build against the bare cost of starting Python and importing what a build needs.
Targets (issue 2): build under 1.5 s, --help under 0.3 s.

Then the selection curve (issue 12), in process: build time (median of 3) and HTML bytes of
a dry-run build against 10 to 10,000 unspent feed items, with the default caps and with the
caps lifted (the size budget alone keeps the HTML under 90 KB), next to the naive way (every
item in the issue, the whole page inlined) up to 1,000 items. Targets: bytes flat under the
budget, time growing no worse than linearly.
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
        naive_help = median_seconds(
            [sys.executable, "-c", HEAVY + "; from newsletter.cli import main; main()", "--help"], project
        )
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
    from newsletter.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copytree(ROOT / "seeds", project / "seeds")
        shutil.copy(ROOT / "config.toml", project / "config.toml")
        config = config_module.load(project / "config.toml")
        with Store(config.store_url) as store:
            issue = pipeline.build(
                config, store, now=dt.datetime.now(config.zone), date=dt.date(2016, 8, 31), dry_run=True, no_fetch=True
            ).issue
    sandboxed_environment = render.make_environment

    def plain_environment(config):
        made = sandboxed_environment(config)
        env = jinja2.Environment(
            loader=made.loader,
            autoescape=made.autoescape,
            undefined=made.undefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
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


# --- The selection curve (issue 12): HTML bytes and build time against unspent items --------

CURVE = (10, 100, 1_000, 10_000)
CURVE_RUNS = 3


def _unspent(count: int, now):
    """`count` feed items from 20 feeds, a third of them "I'm hearing" lines, a minute apart."""
    import datetime as dt

    from newsletter.models import ARTICLE, HEARING, Item

    def body(n: int) -> str:
        return "".join(
            f"<p>Story {n}, paragraph {p}, with <a href='https://news.example/{n}/{p}'>a link</a> and "
            "<em>emphasis</em>.</p>"
            for p in range(8)
        )

    return [
        Item(
            f"i{n}",
            HEARING if n % 3 == 2 else ARTICLE,
            f"Story {n}",
            f"https://feed{n % 20}.example/rss",
            paragraphs=tuple(f"Story {n}, paragraph {p}, with a link and emphasis." for p in range(8)),
            html=body(n),
            published=now - dt.timedelta(minutes=n),
            link=f"https://news.example/{n}",
        )
        for n in range(count)
    ]


def _build_once(config, date, now) -> tuple[float, int]:
    from newsletter import pipeline
    from newsletter.store import Store

    start = time.perf_counter()
    with Store(config.store_url) as store:  # opened per build, as the CLI does
        result = pipeline.build(config, store, date=date, now=now, dry_run=True)
    return time.perf_counter() - start, result.html_bytes


def _naive_once(config, date, now) -> tuple[float, int]:
    """The old way: every unspent item in the issue, the whole page inlined (no caps, no fitting)."""
    from newsletter.compose import ComposeSettings, compose
    from newsletter.render import _render, inline_css, make_environment
    from newsletter.store import Store

    start = time.perf_counter()
    with Store(config.store_url) as store:
        pool = [item for item, _ in store.items.pool()]
    wide = ComposeSettings(
        config.newsletter.title,
        max_pieces=10**9,
        max_hearing=10**9,
        max_age_days=10**5,
        feed_max_items=0,
        zone=config.zone,
    )
    issue = compose(pool, number=1, date=date, settings=wide)
    context = dict(
        issue=issue,
        newsletter=config.newsletter,
        sections=config.sections,
        email=config.email,
        subject=issue.subject,
        web_url=None,
        archive_url=None,
        unsubscribe_url="x",
        excerpts=frozenset(),
    )
    html, _ = inline_css(_render(make_environment(config), "email/issue.html", context))
    return time.perf_counter() - start, len(html.encode())


def curve() -> None:
    import dataclasses
    import datetime as dt

    from newsletter import config as config_module
    from newsletter.store import Store

    print("\nunspent items   build median   HTML bytes   (caps lifted: median, bytes)   naive: median, bytes")
    firsts = {}
    for count in CURVE:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            shutil.copytree(ROOT / "seeds", folder / "seeds")
            shutil.copy(ROOT / "config.toml", folder / "config.toml")
            config = config_module.load(folder / "config.toml")
            now = dt.datetime(2026, 11, 23, 6, tzinfo=config.zone)
            with Store(config.store_url) as store:
                store.items.add_unique(_unspent(count, now), now)
            lifted = dataclasses.replace(
                config, compose=dataclasses.replace(config.compose, pieces=10**9, hearing=10**9, max_age_days=10**5)
            )
            _build_once(config, now.date(), now)  # imports and caches warmed, not timed
            rows = {}
            for name, cfg, once in (
                ("default", config, _build_once),
                ("lifted", lifted, _build_once),
                ("naive", config, _naive_once),
            ):
                if name == "naive" and count > 1_000:
                    rows[name] = (float("nan"), 0)  # minutes of premailer on megabytes: not run
                    continue
                runs = [once(cfg, now.date(), now) for _ in range(CURVE_RUNS)]
                rows[name] = (statistics.median(t for t, _ in runs), runs[0][1])
            firsts.setdefault("default", rows["default"][0])
            firsts.setdefault("lifted", rows["lifted"][0])
            print(
                f"{count:>13,}   {rows['default'][0]:>10.3f} s   {rows['default'][1]:>10,}   "
                f"({rows['lifted'][0]:.3f} s, {rows['lifted'][1]:,})   "
                f"naive {rows['naive'][0]:.3f} s, {rows['naive'][1]:,} bytes; "
                f"x{count // CURVE[0]:,} items: default x{rows['default'][0] / firsts['default']:.1f}, "
                f"lifted x{rows['lifted'][0] / firsts['lifted']:.1f} time"
            )


if __name__ == "__main__":
    main()
    curve()
