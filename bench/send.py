"""Benchmark: personalised messages built per second, and `newsletter send` end to end over SMTP.

One run measures, against a lean SMTP sink on 127.0.0.1 (bench/sink.py, its own process):
- building personalised messages alone (no SMTP), for the subscriber count (default
  100,000) and an issue of about 50 KB; and DKIM-signed, by our OpenSSL signer and by
  dkimpy (the naive signer, pure-Python RSA) on the same messages;
- the naive way on a sample: render, inline and MIME-encode again for every recipient;
- `newsletter send` as a real subprocess to that many subscribers: its rate, its peak RSS;
  then again DKIM-signed (RSA 2048) to --signed subscribers;
- a bare smtplib loop with as many connections sending one fixed message to the same sink
  (smtplib cannot pipeline; `newsletter send` pipelines MAIL, RCPT and DATA when the server
  offers it, as the sink does unless --no-pipelining).
Targets (issue 6): building >= 20,000/s and >= 1,000x naive; end to end >= 70% of bare
smtplib; peak RSS < 300 MB. Issue 19: DKIM-signed sending >= 1,000 msg/s and >= 15x dkimpy.
Usage: python bench/send.py [--subscribers N] [--signed N] [--no-pipelining]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter import config as config_module  # noqa: E402
from newsletter.models import ARTICLE, HEARING, Addressee, Issue, Item  # noqa: E402
from newsletter.store import Store  # noqa: E402
from newsletter.store.subscribers import NewSubscriber  # noqa: E402

SECRET = "benchmark-secret-0123456789"
CONNECTIONS = 4
NOW = dt.datetime(2024, 3, 1, 7, 0, tzinfo=dt.timezone.utc)
WORDS = (
    "health service managers waiting lists funding workforce reform patients clinicians "
    "commissioning budgets quality targets integration social care primary hospital"
).split()


def paragraph(seed: int, words: int = 90) -> str:
    return " ".join(WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(words)).capitalize() + "."


def issue() -> Issue:
    """An issue whose message is about 50 KB: a long lead, seven pieces, five "I'm hearing" lines."""

    def piece(n: int, paragraphs: int) -> Item:
        return Item(
            id=f"p{n}",
            kind=ARTICLE,
            source="bench",
            title=f"Piece number {n} on reform",
            author="A. Writer",
            paragraphs=tuple(paragraph(n * 10 + k) for k in range(paragraphs)),
            published=NOW,
            link=f"https://example.org/pieces/{n}",
        )

    hearing = tuple(
        Item(id=f"h{n}", kind=HEARING, source="bench", title="h", paragraphs=(paragraph(n, 40),)) for n in range(5)
    )
    return Issue(
        1, NOW.date(), "Bench", lead=piece(0, 6), pieces=tuple(piece(n, 2) for n in range(1, 8)), hearing=hearing
    )


KEY = ROOT / "tests" / "data" / "dkim-test-key.pem"


def project(folder: Path, port: int, subscribers: int, *, dkim: bool = False):
    folder.mkdir(exist_ok=True)
    path = folder / "config.toml"
    signing = f'dkim_key_file = "{KEY}"\ndkim_selector = "bench"\n' if dkim else ""
    path.write_text(
        f'[web]\nbase_url = "https://eletter.example.org"\n[email]\nunsubscribe_address = "u@example.org"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nconnections = {CONNECTIONS}\n{signing}',
        encoding="utf-8",
    )
    config = config_module.load(path)
    with Store(config.store_url) as store:
        the_issue = issue()
        store.items.add_unique(the_issue.items, NOW)
        store.issues.save_draft(the_issue, NOW)
        for start in range(0, subscribers, 10_000):  # in slices, so setup does not inflate anything
            rows = [
                NewSubscriber(f"reader{n}@example.com", f"reader{n}@example.com", f"Reader {n}")
                for n in range(start, min(start + 10_000, subscribers))
            ]
            store.subscribers.import_all(rows, NOW)
    return config


def letters(config, *, dkim: str = ""):
    """The message maker of `newsletter send`; signing with "ours" (OpenSSL) or "dkimpy"."""
    from dataclasses import replace

    from newsletter.pipeline.send import _letters

    if dkim:
        config = config_module.from_dict(
            {**_as_dict(config), "smtp": {"dkim_key_file": str(KEY), "dkim_selector": "bench"}}, config.source
        )
    with Store(config.store_url) as store:
        maker = _letters(config, store, 1, NOW, test=False)[0]
    return replace(maker, sign=dkimpy_signer()) if dkim == "dkimpy" else maker


def dkimpy_signer():
    """The signer newsletter used before issue 19: dkimpy, relaxed/relaxed, the same headers."""
    import dkim

    from newsletter.deliver.dkim import SIGNED_HEADERS

    key = KEY.read_bytes()
    return lambda message, _parts=None: (
        dkim.sign(
            message,
            b"bench",
            b"example.org",
            key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=list(SIGNED_HEADERS),
            linesep=b"\r\n",
        )
        + message
    )


def _as_dict(config) -> dict:
    return {
        "web": {"base_url": config.web.base_url},
        "email": {"unsubscribe_address": config.email.unsubscribe_address},
    }


def build_rate(maker, count: int) -> float:
    people = (Addressee(n, f"reader{n}@example.com", f"Reader {n}", 1) for n in range(count))
    start = time.perf_counter()
    size = 0
    for who in people:
        size = len(maker.make(who)[0])
    build_rate.size = size
    return count / (time.perf_counter() - start)


def naive_rate(config, sample: int) -> float:
    """What personalising costs without the template: render, inline and encode per recipient."""
    from newsletter.deliver.message import build_message, message_bytes
    from newsletter.render import render_issue

    start = time.perf_counter()
    for n in range(sample):
        rendered = render_issue(issue(), config)
        html = rendered.html.replace("%%UNSUBSCRIBE_URL%%", f"https://eletter.example.org/unsubscribe/{n}")
        message = build_message(
            rendered.__class__(rendered.subject, html, rendered.text),
            sender="a@example.org",
            to=f"Reader {n} <reader{n}@example.com>",
            date=NOW,
            message_id=f"<{n}@example.org>",
        )
        message_bytes(message)
    return sample / (time.perf_counter() - start)


def bare_smtplib(port: int, data: bytes, count: int) -> float:
    import smtplib

    def loop(share: int) -> None:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for n in range(share):
                smtp.sendmail("eletter@example.org", [f"reader{n}@example.com"], data)

    threads = [threading.Thread(target=loop, args=(count // CONNECTIONS,)) for _ in range(CONNECTIONS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count // CONNECTIONS * CONNECTIONS / (time.perf_counter() - start)


def end_to_end(config) -> tuple[float, float, float]:
    """`newsletter send` as a subprocess: (its own messages/s, wall seconds, peak RSS in MB)."""
    code = (
        "import atexit, resource, sys; atexit.register(lambda: print('maxrss', "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)); "
        "from newsletter.cli import main; sys.argv[0] = 'newsletter'; main()"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, "send", "--config", str(config.source)],
        env={**os.environ, "NEWSLETTER_SECRET": SECRET},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(done.stdout + done.stderr)
    line = next(line for line in done.stdout.splitlines() if line.startswith("This run:"))
    count, seconds = int(line.split()[2]), float(line.split("in ")[1].split()[0])
    rss = int(done.stderr.split("maxrss ")[1].split()[0]) / 1024
    return count / seconds, wall, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--bare", type=int, default=20_000, help="messages in each bare smtplib run")
    parser.add_argument("--signed", type=int, default=20_000, help="subscribers of the DKIM-signed send")
    parser.add_argument("--no-pipelining", action="store_true", help="a sink that does not offer PIPELINING")
    args = parser.parse_args()
    os.environ["NEWSLETTER_SECRET"] = SECRET
    options = ["--no-pipelining"] if args.no_pipelining else []
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "sink.py"), *options],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    port = int(sink.stdout.readline())
    with tempfile.TemporaryDirectory() as tmp:
        config = project(Path(tmp), port, args.subscribers)
        maker = letters(config)
        build = statistics.median(build_rate(maker, args.subscribers) for _ in range(3))
        size = build_rate.size
        ours = statistics.median(build_rate(letters(config, dkim="ours"), 2_000) for _ in range(3))
        theirs = statistics.median(build_rate(letters(config, dkim="dkimpy"), 100) for _ in range(3))
        naive = statistics.median(naive_rate(config, 5) for _ in range(3))
        sample = maker.make(Addressee(1, "reader1@example.com", "Reader 1", 1))[0]
        bare = statistics.median(bare_smtplib(port, sample, args.bare) for _ in range(3))
        rate, wall, rss = end_to_end(config)
        signed_config = project(Path(tmp) / "signed", port, args.signed, dkim=True)
        signed_rate, signed_wall, _ = end_to_end(signed_config)
    sink.stdin.close()
    sink.wait()
    print(f"message size            {size / 1024:.1f} KB")
    print(f"build personalised      median {build:,.0f} msg/s over {args.subscribers:,} (target >= 20,000)")
    print(f"  DKIM-signed, ours     median {ours:,.0f} msg/s (3 x 2,000; RSA 2048 through OpenSSL)")
    print(f"  DKIM-signed, dkimpy   median {theirs:,.1f} msg/s (3 x 100; pure-Python RSA)")
    print(f"  ours / dkimpy         {ours / theirs:,.1f}x (target >= 15x)")
    print(f"  naive re-render       median {naive:,.1f} msg/s (3 x 5 messages)")
    print(f"  build / naive         {build / naive:,.0f}x (target >= 1,000x)")
    print(f"bare smtplib            median {bare:,.0f} msg/s ({CONNECTIONS} connections, 3 x {args.bare:,})")
    mode = "without" if args.no_pipelining else "with"
    print(
        f"send end to end         {rate:,.0f} msg/s, {args.subscribers:,} messages, {wall:.1f} s wall ({mode} PIPELINING)"
    )
    print(f"  send / bare           {rate / bare:.0%} (target >= 70%)")
    print(f"  peak RSS              {rss:.0f} MB (target < 300 MB)")
    print(
        f"send DKIM-signed        {signed_rate:,.0f} msg/s, {args.signed:,} messages, {signed_wall:.1f} s wall "
        f"(target >= 1,000 msg/s)"
    )
    print(f"  100,000 signed        {100_000 / signed_rate:.0f} s at that rate (target < 120 s)")


if __name__ == "__main__":
    main()
