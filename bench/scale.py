"""Benchmark: one issue to 100,000 subscribers on PostgreSQL, drained by 1, 2 and 4 `newsletter send` workers.

Each run gets a fresh copy of one prepared database (the subscribers and a 50 KB draft, as
bench/send.py makes them) and starts N `newsletter send --issue 1` processes at once on
it, against the lean SMTP sink of bench/sink.py: aiosmtpd, which the issue names, tops
out near 350 messages a second on two cores and would hide any scaling. It prints each
run's messages per second (all N together, wall clock from start to the last exit), the
2-vs-1 and 4-vs-1 ratios (medians with --repeat), and where the machine's CPU went:
the workers, the sink, and PostgreSQL with everything else (from /proc/stat), against
what the cores could give, in all and per message. Target (issues 8 and 19): 2 workers >= 1.6x
one, or the reason; issue 19: PostgreSQL's CPU per message at least halved (the ledger's steps
go as one pipelined batch per group commit).

PostgreSQL: NEWSLETTER_TEST_PG_URL if set, else a throwaway cluster with Debian's
binaries and PostgreSQL's default durability (fsync on). Needs psycopg: pip install -e '.[postgres]'.
Usage: python bench/scale.py [--subscribers N] [--workers 1 2 4] [--repeat R]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import pgserver  # noqa: E402  (tests/pgserver.py: the throwaway cluster the tests use too)
from send import NOW, SECRET, issue  # noqa: E402  (bench/send.py: the same 50 KB issue)

from newsletter.store import Store  # noqa: E402
from newsletter.store.subscribers import NewSubscriber  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def prepare(admin_url: str, subscribers: int) -> str:
    """A database holding the draft and the subscribers; each run copies it. Returns its name."""
    url = pgserver.create_database(admin_url)
    with Store(url) as store:
        store.items.add_unique(issue().items, NOW)
        store.issues.save_draft(issue(), NOW)
        for start in range(0, subscribers, 10_000):
            rows = [
                NewSubscriber(f"reader{n}@example.com", f"reader{n}@example.com", f"Reader {n}")
                for n in range(start, min(start + 10_000, subscribers))
            ]
            store.subscribers.import_all(rows, NOW)
    settle(url)
    return url.rsplit("/", 1)[1]


def settle(url: str) -> None:
    """Vacuum, analyse and checkpoint after the bulk load, so no run pays for the load's background work."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
        conn.execute(sa.text("CHECKPOINT"))
    engine.dispose()


def config(folder: Path, url: str, port: int) -> Path:
    path = folder / "config.toml"
    path.write_text(
        f'[store]\nurl = "{url}"\n[web]\nbase_url = "https://eletter.example.org"\n'
        f'[email]\nunsubscribe_address = "u@example.org"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nconnections = 4\n',
        encoding="utf-8",
    )
    return path


def busy_seconds() -> tuple[float, float]:
    """(CPU seconds spent by the whole machine, idle CPU seconds) so far, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / TICKS, idle / TICKS


def process_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def postgres_seconds(postmaster: int) -> float:
    """CPU seconds of the PostgreSQL server: the postmaster, its exited backends (reaped into its
    children's times) and the processes still running under it. Other sessions on a shared machine
    do not count, unlike /proc/stat's "the rest"."""
    fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    total = sum(int(v) for v in fields[11:15]) / TICKS
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parts = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(parts[1]) == postmaster:
            total += (int(parts[11]) + int(parts[12])) / TICKS
    return total


def postmaster_pid(admin_url: str) -> int:
    """The server's main process: the parent of our own backend."""
    import sqlalchemy as sa

    engine = sa.create_engine(admin_url)
    with engine.connect() as conn:
        backend = conn.scalar(sa.text("SELECT pg_backend_pid()"))
        status = Path(f"/proc/{backend}/status").read_text()
    engine.dispose()
    return int(status.split("PPid:")[1].split()[0])


def children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(
    admin_url: str, template: str, port: int, sink_pid: int, workers: int, expected: int, postmaster: int
) -> dict:
    """N workers on a fresh copy of the prepared database: rate, wall time and the CPU split."""
    url = pgserver.create_database(admin_url, template=template)
    env = {**os.environ, "NEWSLETTER_SECRET": SECRET}
    with tempfile.TemporaryDirectory() as tmp:
        path = config(Path(tmp), url, port)
        before = (busy_seconds(), children_seconds(), process_seconds(sink_pid), postgres_seconds(postmaster))
        start = time.perf_counter()
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "newsletter", "send", "--issue", "1", "--config", str(path)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            for _ in range(workers)
        ]
        outputs = [proc.communicate() for proc in procs]
        wall = time.perf_counter() - start
        after = (busy_seconds(), children_seconds(), process_seconds(sink_pid), postgres_seconds(postmaster))
    for proc, (out, err) in zip(procs, outputs):
        if proc.returncode:
            raise SystemExit(out + err)
    shares = [int(out.split("This run: ")[1].split()[0]) for out, _ in outputs]
    sent = _sent(url)
    pgserver.drop_database(admin_url, url)
    if sum(shares) != expected or sent != expected:
        raise SystemExit(f"{workers} worker(s) sent {sum(shares)} (ledger: {sent}), expected {expected}")
    busy, idle = (after[0][i] - before[0][i] for i in (0, 1))
    workers_cpu, sink_cpu = after[1] - before[1], after[2] - before[2]
    return {
        "rate": expected / wall,
        "wall": wall,
        "shares": shares,
        "busy": busy,
        "idle": idle,
        "sent": expected,
        "workers": workers_cpu,
        "sink": sink_cpu,
        "rest": busy - workers_cpu - sink_cpu,
        "postgres": after[3] - before[3],
    }


def _sent(url: str) -> int:
    with Store(url) as store:
        return store.ledger.summary(1).counts["sent"]


@contextlib.contextmanager
def postgres():
    if os.environ.get(pgserver.VARIABLE):
        yield os.environ[pgserver.VARIABLE], "NEWSLETTER_TEST_PG_URL"
        return
    with pgserver.cluster(durable=True) as url:
        yield url, "a throwaway cluster (fsync on)"


def report(runs: dict[int, list[dict]], cores: int) -> None:
    rate = {n: statistics.median(r["rate"] for r in done) for n, done in runs.items()}
    for n, done in runs.items():
        last = done[-1]
        each = ", ".join(f"{r['rate']:,.0f}" for r in done)
        print(f"{n} worker(s)   median {rate[n]:7,.0f} msg/s  ({each}; shares {last['shares']})")
        print(
            f"              CPU {last['busy']:.0f} s of {last['wall'] * cores:.0f} s ({cores} cores x "
            f"{last['wall']:.1f} s): workers {last['workers']:.0f} s, sink {last['sink']:.0f} s, "
            f"PostgreSQL and the rest {last['rest']:.0f} s; idle {last['idle']:.0f} s"
        )
        per = {k: statistics.median(r[k] for r in done) / last["sent"] * 1e6 for k in ("workers", "sink", "postgres")}
        print(
            f"              CPU per message (medians): workers {per['workers']:.0f} us, sink {per['sink']:.0f} us, "
            f"PostgreSQL server {per['postgres']:.0f} us"
        )
    if 1 in rate:
        for n in (n for n in rate if n != 1):
            target = " (target >= 1.6x)" if n == 2 else ""
            print(f"{n} vs 1        {rate[n] / rate[1]:.2f}x{target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeat", type=int, default=1, help="runs per worker count; the median is reported")
    args = parser.parse_args()
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "sink.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    port = int(sink.stdout.readline())
    try:
        with postgres() as (admin_url, which):
            print(f"PostgreSQL: {which}; {args.subscribers:,} subscribers; sink: bench/sink.py", flush=True)
            template = prepare(admin_url, args.subscribers)
            postmaster = postmaster_pid(admin_url)
            runs: dict[int, list[dict]] = {n: [] for n in args.workers}
            for _ in range(args.repeat):
                for n in args.workers:
                    runs[n].append(one_run(admin_url, template, port, sink.pid, n, args.subscribers, postmaster))
            pgserver.drop_database(admin_url, f"{admin_url.rsplit('/', 1)[0]}/{template}")
    finally:
        sink.stdin.close()
        sink.wait()
    report(runs, os.cpu_count() or 1)


if __name__ == "__main__":
    main()
