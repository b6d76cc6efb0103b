"""Attacks on `newsletter serve` itself (issue 14), against the real command on a free port: slow
and oversized requests, clients that hang up mid-POST, and the listening socket's options."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sendkit import SECRET, add_people, load, make_project

from newsletter.deliver.tokens import Tokens
from newsletter.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def serve(tmp_path):
    """(port, process, config) of a running `newsletter serve` with [web] read_timeout = 0.5 s."""
    path = make_project(tmp_path, 2525)
    path.write_text(path.read_text().replace("[web]\n", "[web]\nread_timeout = 0.5\nmax_body_kb = 1\n"))
    add_people(path, 3)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSLETTER_SECRET": SECRET}
    command = [sys.executable, "-m", "newsletter", "serve", "--port", "0", "--config", str(path)]
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env) as process:
        try:
            port = int(re.match(r"Serving on http://127\.0\.0\.1:(\d+)/", process.stderr.readline())[1])
            yield port, process, load(path)
        finally:
            process.terminate()
            process.wait(timeout=30)


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """True when the server closes `sock` (recv returns b"" or the answer then b"") within `seconds`."""
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            continue  # drain the answer until the server closes
        return True
    except TimeoutError:
        return False


def test_slow_heads_and_bodies_are_cut_off(serve):
    port, _, _ = serve
    silent = socket.create_connection(("127.0.0.1", port))
    half_head = socket.create_connection(("127.0.0.1", port))
    half_head.sendall(b"GET /archive/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    half_body = socket.create_connection(("127.0.0.1", port))
    half_body.sendall(b"POST /unsubscribe/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 26\r\n\r\nList-")
    for sock in (silent, half_head, half_body):
        assert closed_within(sock, 10), "the server kept a slow client's connection open"
        sock.close()


def test_oversized_heads_and_bodies_are_refused(serve):
    port, _, _ = serve
    for head in (b"X-Big: " + b"a" * 100_000, b"".join(b"X-%d: %s\r\n" % (n, b"a" * 100) for n in range(300))):
        with socket.create_connection(("127.0.0.1", port)) as sock:  # one line too long; too many lines
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n" + head.rstrip(b"\r\n") + b"\r\n\r\n")
            sock.settimeout(10)
            assert sock.recv(100)[:12] in (b"HTTP/1.1 400", b"HTTP/1.1 431")
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"POST /unsubscribe/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + b"a" * 5000)
        sock.settimeout(10)
        assert sock.recv(100).startswith(b"HTTP/1.1 413")


def test_clients_that_hang_up_mid_post_leave_no_tracebacks_and_no_change(serve):
    port, process, config = serve
    with Store(config.store_url) as store:
        person = store.subscribers.get(1)
    url = f"/unsubscribe/{Tokens(SECRET).make(person.id, person.key)}"
    for _ in range(50):
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(f"POST {url} HTTP/1.1\r\nHost: x\r\nContent-Length: 26\r\n\r\nList-".encode())
    with socket.create_connection(("127.0.0.1", port)) as sock:  # the server still answers
        sock.sendall(f"GET {url} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        sock.settimeout(10)
        assert sock.recv(100).startswith(b"HTTP/1.1 200")
    process.terminate()
    log = process.stderr.read()
    assert "Traceback" not in log and "ClientDisconnect" not in log and log.count("\n") <= 5, log
    with Store(config.store_url) as store:
        assert [s.status for s in store.subscribers.all()] == ["active"] * 3


def test_the_listening_socket_sets_tcp_nodelay_for_every_connection():
    from newsletter.cli.serve import _listen

    with _listen("127.0.0.1", 0) as server, socket.create_connection(server.getsockname()):
        accepted, _ = server.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_many_one_click_posts_at_once_are_idempotent_and_forgeries_change_nothing(serve):
    from concurrent.futures import ThreadPoolExecutor

    port, _, config = serve
    with Store(config.store_url) as store:
        people = list(store.subscribers.all())
    links = [f"/unsubscribe/{Tokens(SECRET).make(p.id, p.key)}" for p in people[:2]]
    forged = [f"/unsubscribe/{Tokens(SECRET + 'x').make(p.id, p.key)}" for p in people] + [links[0][:-2] + "AA"]
    keyless = f"/unsubscribe/{Tokens(SECRET).make(people[2].id, None)}"  # signed, but not this row's: no change

    def post(url: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request(
                "POST", url, b"List-Unsubscribe=One-Click", {"Content-Type": "application/x-www-form-urlencoded"}
            )
            return connection.getresponse().status
        finally:
            connection.close()

    with ThreadPoolExecutor(25) as pool:
        answers = list(pool.map(post, links * 50 + forged * 20 + [keyless] * 20))
    assert answers == [200] * 100 + [400] * (len(forged) * 20) + [200] * 20
    with Store(config.store_url) as store:
        assert [(s.status, s.reason) for s in store.subscribers.all()] == [
            ("unsubscribed", "unsubscribed (one-click)")
        ] * 2 + [("active", None)]
