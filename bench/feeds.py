"""Benchmark: `newsletter fetch` of 50 feeds x 100 entries (about 2 KB of HTML each) served on 127.0.0.1.

Measured as real subprocesses (interpreter start included), medians of RUNS runs, on a
fresh store each time:
- first fetch (every entry new), then a second where every feed answers 304;
- the same one by one (`[fetch] concurrency = 1`, one parser process: downloads one
  after another, though a download still overlaps the previous feed's parse);
- rss2email 3.14 (`r2e run --no-send`) on the same feeds, first run and all-304 run
  (install it with `pip install -e '.[bench]'`; skipped with a note when missing).
The server runs in its own process and answers If-None-Match with 304. The corpus is
an empty folder, so the figures are the feeds' alone.
Targets (issue 5): the all-304 run under 1 s, the first run under 5 s on 2 cores.

Issue 11 adds:
- the all-304 run as the scheduler sees it: `pipeline.fetch` again in one process (no
  start-up), target well under 0.1 s; and the all-304 `newsletter fetch` against rss2email,
  run alternately so that both meet the same machine load, target: ours faster;
- an entity bomb (tests/hostile_fixtures.py, the reported shape: one 10,000-character
  entity used 20,000 times): `newsletter fetch` of it, time and peak memory (the largest
  of the command and its parser process), target < 1 s and < 100 MB; next to feedparser
  alone on a tenth of the bomb (the naive way: it expands the entity), same run.
Run one part with `python bench/feeds.py 304` or `python bench/feeds.py bomb`.
"""

from __future__ import annotations

import datetime as dt
import html
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from hostile_fixtures import entity_bombs

FEEDS, ENTRIES, RUNS, R2E_RUNS = 50, 100, 5, 3
BOMB = entity_bombs()["internal"]
PLAIN = BOMB.split(b"\n", 1)[0] + b"\n" + BOMB.split(b"]>\n", 1)[1].replace(b"&b;" * 20_000, b"A plain entry.")
WORDS = "health policy board trust finance integrated care system workforce strategy budget patient waiting".split()


def entry_html(feed: int, n: int) -> str:
    """About 2 KB of paragraphs with links and emphasis, different for every entry."""
    paragraphs, size, k = [], 0, 0
    while size < 2000:
        words = " ".join(WORDS[(feed * 7 + n * 3 + k * 5 + i) % len(WORDS)] for i in range(40))
        paragraphs.append(f'<p>{words} <a href="/story/{feed}/{n}/{k}">more</a> <em>{feed}-{n}-{k}</em></p>')
        size += len(paragraphs[-1])
        k += 1
    return "".join(paragraphs)


def feed_xml(feed: int) -> bytes:
    items = "".join(
        f"<item><title>Feed {feed} entry {n}</title><link>https://site{feed}.example/post/{n}</link>"
        f"<guid>https://site{feed}.example/post/{n}</guid>"
        f"<pubDate>Mon, {1 + n % 28:02d} Sep 2026 10:00:00 GMT</pubDate>"
        f"<description>{html.escape(entry_html(feed, n))}</description></item>"
        for n in range(ENTRIES)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {feed}</title>'
        f"<link>https://site{feed}.example/</link><description>Bench feed</description>{items}</channel></rss>"
    ).encode()


def serve(port_out) -> None:
    """Serve every feed at /feed/N with an ETag, answering a matching If-None-Match with 304."""
    bodies = {f"/feed/{n}": feed_xml(n) for n in range(FEEDS)} | {"/bomb": BOMB, "/plain": PLAIN}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            body = bodies.get(self.path)
            etag = f'"{self.path}"'
            if body is not None and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status, body = (200, body) if body is not None else (404, b"")
            self.send_response(status)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            """Quiet: a line per request would bury the figures the benchmark prints."""

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # the default 5 drops concurrent connects: a 1 s SYN retry each
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    port_out.send(server.server_address[1])
    server.serve_forever()


def newsletter_config(folder: Path, port: int, concurrency: int, workers: int) -> Path:
    (folder / "seeds").mkdir(parents=True, exist_ok=True)
    feeds = "".join(
        f'[[feeds]]\nurl = "http://127.0.0.1:{port}/feed/{n}"\nname = "Feed {n}"\nsection = "news"\n\n'
        for n in range(FEEDS)
    )
    path = folder / "config.toml"
    path.write_text(f"[fetch]\nconcurrency = {concurrency}\nworkers = {workers}\n\n{feeds}", encoding="utf-8")
    return path


def timed(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def newsletter_runs(port: int, concurrency: int, workers: int) -> tuple[list[float], list[float]]:
    """(first-run times, all-304 times), each run on a fresh store."""
    firsts, again = [], []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as tmp:
            config = newsletter_config(Path(tmp), port, concurrency, workers)
            command = [sys.executable, "-m", "newsletter", "fetch", "--config", str(config)]
            firsts.append(timed(command, Path(tmp)))
            again.append(timed(command, Path(tmp)))
    return firsts, again


def rss2email_runs(port: int) -> tuple[list[float], list[float]] | None:
    r2e = shutil.which("r2e")
    if r2e is None:
        return None
    firsts, again = [], []
    for _ in range(R2E_RUNS):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            base = [r2e, "-c", str(folder / "r2e.cfg"), "-d", str(folder / "r2e.json")]
            subprocess.run([*base, "new", "bench@example.invalid"], check=True, capture_output=True)
            with (folder / "r2e.cfg").open("a", encoding="utf-8") as cfg:
                for n in range(FEEDS):
                    cfg.write(f"\n[feed.feed{n}]\nurl = http://127.0.0.1:{port}/feed/{n}\n")
            firsts.append(timed([*base, "run", "--no-send"], folder))
            again.append(timed([*base, "run", "--no-send"], folder))
    return firsts, again


def in_process_304(port: int) -> list[float]:
    """`pipeline.fetch` repeated in this process once every feed has its validators: a scheduler's cycle."""
    from newsletter import config as settings
    from newsletter import pipeline
    from newsletter.store import Store

    def fetch(config) -> None:  # a store opened per run, as the scheduler's tick does
        with Store(config.store_url) as store:
            pipeline.fetch(config, store, now=dt.datetime.now(dt.timezone.utc))

    with tempfile.TemporaryDirectory() as tmp:
        config = settings.load(newsletter_config(Path(tmp), port, concurrency=8, workers=0))
        fetch(config)
        times = []
        for _ in range(RUNS * 3):
            start = time.perf_counter()
            fetch(config)
            times.append(time.perf_counter() - start)
    return times


def side_by_side_304(port: int) -> tuple[list[float], list[float]] | None:
    """All-304 `newsletter fetch` and `r2e run`, alternately on one machine load; None without rss2email."""
    r2e = shutil.which("r2e")
    if r2e is None:
        return None
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = newsletter_config(folder, port, concurrency=8, workers=0)
        command = [sys.executable, "-m", "newsletter", "fetch", "--config", str(config)]
        base = [r2e, "-c", str(folder / "r2e.cfg"), "-d", str(folder / "r2e.json")]
        subprocess.run([*base, "new", "bench@example.invalid"], check=True, capture_output=True)
        with (folder / "r2e.cfg").open("a", encoding="utf-8") as cfg:
            for n in range(FEEDS):
                cfg.write(f"\n[feed.feed{n}]\nurl = http://127.0.0.1:{port}/feed/{n}\n")
        timed(command, folder)
        timed([*base, "run", "--no-send"], folder)
        for _ in range(RUNS * 2):
            ours.append(timed(command, folder))
            theirs.append(timed([*base, "run", "--no-send"], folder))
    return ours, theirs


def bomb_runs(port: int, path: str = "/bomb") -> tuple[list[float], list[float]]:
    """`newsletter fetch` of the bomb (or the same feed without its DTD, `/plain`) on a fresh store: times,
    and peak memory (MB) of the command and of its parser process (the same parse alone, in a fresh process)."""
    times, peaks = [], []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "seeds").mkdir()
            config = folder / "config.toml"
            config.write_text(
                f'[fetch]\nworkers = 1\n\n[[feeds]]\nurl = "http://127.0.0.1:{port}{path}"\n'
                'name = "Bomb"\nsection = "news"\n',
                encoding="utf-8",
            )
            script = (
                "import resource, sys; from newsletter.cli import cli\n"
                "try:\n    cli.main(['fetch', '--config', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
                "worst = max(resource.getrusage(who).ru_maxrss for who in "
                "(resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
                "print(worst, file=open(sys.argv[2], 'w'))"
            )
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", script, str(config), str(folder / "peak")],
                cwd=folder,
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - start)
            peaks.append(max(int((folder / "peak").read_text()), _parse_peak_kb()) / 1024)
    return times, peaks


def _parse_peak_kb() -> int:
    """The parser process's peak: the same parse the worker runs, alone in a fresh interpreter."""
    script = (
        "import resource, sys, datetime as dt; sys.path.insert(0, 'tests')\n"
        "from hostile_fixtures import entity_bombs\n"
        "from newsletter.sources.entries import Feed\nfrom newsletter.sources.feedparse import ParseJob, parse\n"
        "now = dt.datetime.now(dt.timezone.utc)\n"
        "parse(ParseJob(Feed('b', 'news', 0, now, dt.timezone.utc), entity_bombs()['internal'], "
        "'application/rss+xml', 'http://x/', 30))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", script], cwd=root, check=True, capture_output=True, text=True)
    return int(out.stdout)


def naive_bomb() -> tuple[float, float]:
    """feedparser alone (its own parsers, entities honoured) on a tenth of the bomb: seconds, peak MB."""
    script = (
        "import io, resource, sys, time; sys.path.insert(0, 'tests'); import feedparser\n"
        "from hostile_fixtures import entity_bombs\n"
        "body = entity_bombs()['internal'].replace(b'&b;' * 20000, b'&b;' * 2000)\n"
        "start = time.perf_counter(); feedparser.parse(io.BytesIO(body))\n"
        "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", script], cwd=root, check=True, capture_output=True, text=True)
    seconds, peak = out.stdout.split()
    return float(seconds), int(peak) / 1024


def main() -> None:
    part = sys.argv[1] if len(sys.argv) > 1 else "all"
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH")])
    )
    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=serve, args=(send,), daemon=True)
    server.start()
    port = receive.recv()
    try:
        if part in ("all", "bomb"):
            _report_bomb(*bomb_runs(port), bomb_runs(port, "/plain")[0], naive_bomb())
        if part in ("all", "304"):
            _report_304(in_process_304(port), side_by_side_304(port))
        if part == "all":
            _report_runs(port)
    finally:
        server.terminate()


def _report_bomb(times: list[float], peaks: list[float], plain: list[float], naive: tuple[float, float]) -> None:
    med = statistics.median
    print(
        f"entity bomb ({len(BOMB) // 1024} KB, one 10,000-character entity x 20,000): `newsletter fetch`, "
        f"median of {RUNS}"
    )
    print(f"  {med(times):.2f} s, peak {max(peaks):.0f} MB   targets: < 1 s, < 100 MB")
    print(
        f"  the same feed with one plain entry and no DTD: {med(plain):.2f} s (bomb / plain = "
        f"{med(times) / med(plain):.2f}x: start-up and the parser process, not the bomb)"
    )
    print(
        f"  feedparser alone on a tenth of it: {naive[0]:.2f} s, peak {naive[1]:.0f} MB "
        f"(x{naive[0] / med(times):.1f} our time on the whole bomb)"
    )


def _report_304(cycles: list[float], side: tuple[list[float], list[float]] | None) -> None:
    med = statistics.median
    print(
        f"all-304 cycle inside one process (the scheduler's): median {med(cycles) * 1000:.0f} ms "
        f"of {len(cycles)}   target: well under 100 ms"
    )
    if side is None:
        print("rss2email: not installed (pip install -e '.[bench]')")
        return
    ours, theirs = side
    print(
        f"all-304 `newsletter fetch` {med(ours):.2f} s vs `r2e run` {med(theirs):.2f} s, alternating, "
        f"median of {len(ours)}: rss2email / newsletter = {med(theirs) / med(ours):.2f}x   target: > 1"
    )


def _report_runs(port: int) -> None:
    first, again = newsletter_runs(port, concurrency=8, workers=0)
    one_first, one_again = newsletter_runs(port, concurrency=1, workers=1)
    r2e = rss2email_runs(port)
    print(f"{FEEDS} feeds x {ENTRIES} entries; medians (`newsletter fetch`, interpreter start included)")
    print(f"{'':28}{'first':>8}{'all-304':>10}")
    _row("newsletter (8 at once)", first, again, "targets: < 5 s, < 1 s")
    _row(
        "newsletter (one by one)",
        one_first,
        one_again,
        _ratio("one by one / 8 at once", one_first, first, one_again, again),
    )
    if r2e is None:
        print("rss2email: not installed (pip install -e '.[bench]')")
        return
    _row(f"rss2email 3.14 ({R2E_RUNS} runs)", *r2e, _ratio("rss2email / newsletter", r2e[0], first, r2e[1], again))


def _row(name: str, firsts: list[float], again: list[float], note: str) -> None:
    print(f"{name:<28}{statistics.median(firsts):7.2f}s{statistics.median(again):9.2f}s   {note}")


def _ratio(what: str, a_first, b_first, a_again, b_again) -> str:
    med = statistics.median
    return f"{what}: {med(a_first) / med(b_first):.2f}x, {med(a_again) / med(b_again):.2f}x"


if __name__ == "__main__":
    main()
