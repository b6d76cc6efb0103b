"""Benchmark: latency of a request on a kept-alive connection to `newsletter serve` (issue 14).

The public app (a real uvicorn server in a thread, the store a SQLite file with one
subscriber) answers GET of an unsubscribe link's confirm page, 300 times over ONE kept-alive
connection; median of the round trips. Same run, the naive socket: the listening socket
made with plain socket.create_server (no TCP_NODELAY), where each answer waited for the
client's delayed ACK (~40 ms); and a new connection per request, for scale.
Target: kept-alive answers as fast as fresh connections (under 2 ms on loopback).
Usage: python bench/serve.py
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

REQUESTS = 300


def serve_on(app, sock):
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", ws="none", http="h11"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return server, thread


def kept_alive(port: int, path: str) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        connection.request("GET", path)
        connection.getresponse().read()
        times.append(time.perf_counter() - start)
    connection.close()
    return statistics.median(times)


def fresh(port: int, path: str) -> float:
    times = []
    for _ in range(REQUESTS // 3):
        start = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.request("GET", path)
        connection.getresponse().read()
        connection.close()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from sendkit import SECRET, add_people, load, make_project

    from newsletter.cli.serve import _listen
    from newsletter.deliver.tokens import Tokens
    from newsletter.store import Store
    from newsletter.web import create_app

    os.environ["NEWSLETTER_SECRET"] = SECRET
    with tempfile.TemporaryDirectory() as tmp:
        path = make_project(Path(tmp), 2525)
        add_people(path, 1)
        config = load(path)
        with Store(config.store_url) as store:
            person = store.subscribers.get(1)
            url = f"/unsubscribe/{Tokens(SECRET).make(person.id, person.key)}"
            results = {}
            for name, sock in (
                ("TCP_NODELAY (serve)", _listen("127.0.0.1", 0)),
                ("plain create_server", socket.create_server(("127.0.0.1", 0))),
            ):
                server, thread = serve_on(create_app(config, store), sock)
                port = sock.getsockname()[1]
                results[name] = (kept_alive(port, url), fresh(port, url))
                server.should_exit = True
                thread.join()
    for name, (alive, new) in results.items():
        print(f"{name:<22} kept-alive median {alive * 1000:7.2f} ms   new connection median {new * 1000:6.2f} ms")
    ours, naive = results["TCP_NODELAY (serve)"][0], results["plain create_server"][0]
    print(f"kept-alive, ours / naive socket     {ours / naive:.3f}x  ({naive / ours:.0f}x faster; target < 2 ms)")


if __name__ == "__main__":
    main()
