"""Several workers on one database: `newsletter send` processes sharing one issue (one dies with kill -9),
and schedulers racing for their lease."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter

import pytest
from sendkit import SECRET, add_people, draft_issue, ledger, make_project

WORKERS = 3


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_three_workers_one_killed_the_others_finish_and_nobody_gets_two_copies(tmp_path, smtp_server, store_url):
    # One config per worker, alike but for the name each gives in EHLO, so the server knows who sent what.
    configs = []
    for n in range(WORKERS):
        (tmp_path / f"w{n}").mkdir()
        configs.append(
            make_project(
                tmp_path / f"w{n}", smtp_server.port, store_url=store_url, domain=f"w{n}.example.org", rate_limit=30
            )
        )  # slow enough that all take part
    draft_issue(configs[0])
    people = add_people(configs[0], 120)
    workers: list[subprocess.Popen] = []
    victim = {"helo": "w1.example.org", "seen": 0}

    def kill_mid_send(count: int) -> None:  # inside the server's DATA handler: the victim awaits our 250
        if smtp_server.received[count - 1].helo == victim["helo"]:
            victim["seen"] += 1
            if victim["seen"] == 8:
                os.kill(workers[1].pid, signal.SIGKILL)

    smtp_server.on_message = kill_mid_send
    env = {**os.environ, "NEWSLETTER_SECRET": SECRET}
    for path in configs:
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "newsletter", "send", "--issue", "1", "--config", str(path)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = [worker.communicate(timeout=120) for worker in workers]
    assert workers[1].returncode == -signal.SIGKILL
    for n in (0, 2):
        assert workers[n].returncode == 0, outputs[n][1]
        assert int(outputs[n][0].split("This run: ")[1].split()[0]) > 0  # each survivor did its share

    rows = ledger(configs[0])
    assert {status for status, _, _ in rows.values()} == {"sent"}
    got = Counter(r.recipient for r in smtp_server.received)
    assert set(got) == set(people)  # nobody skipped
    in_flight = {address for address, (_, _, crashes) in rows.items() if crashes}
    assert in_flight and {a for a, copies in got.items() if copies > 1} <= in_flight
    assert max(got.values()) <= 2
    assert {r.helo for r in smtp_server.received} == {f"w{n}.example.org" for n in range(WORKERS)}
    for received in smtp_server.received:  # the ledger names the copy that counted
        if got[received.recipient] == 1:
            assert rows[received.recipient][1] == received.message["Message-ID"]


def test_of_racing_schedulers_one_takes_the_lease(store_url):
    """The scheduler's lease (store/leases.py) on both databases: several daemons starting at once, one wins."""
    import datetime as dt
    import threading

    from newsletter.store import Store

    now = dt.datetime(2024, 3, 4, 5, 0, tzinfo=dt.timezone.utc)
    stores = [Store(store_url) for _ in range(6)]
    start, won = threading.Barrier(len(stores)), []

    def race(n: int) -> None:
        start.wait()
        if stores[n].leases.acquire("schedule", f"daemon{n}", now, 60):
            won.append(n)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(won) == 1 and stores[0].leases.holder("schedule", now) == f"daemon{won[0]}"
    finally:
        for store in stores:
            store.close()
