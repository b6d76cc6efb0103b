"""The fetcher's less common paths, one feed at a time against a real HTTP server on 127.0.0.1.

Each test calls `feeds.fetch` itself (no parser, no store), so it can state the exact line
and the exact new state: redirects other than 301/302, validators at their limits, every
Content-Encoding, timeouts and refused connections, and feeds given as local paths.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gzip
import socket
import struct
import threading
import zlib

import pytest
from feed_data import NOW, RSS_TYPE, entry, rss
from feed_server import FeedServer, Reply

from newsletter.config import FeedConfig, FetchSection
from newsletter.models import FeedState
from newsletter.sources import feeds

BODY = rss(entry(1))
LAST_MODIFIED = "Sun, 22 Nov 2026 06:00:00 GMT"


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


def fetch(url: str, state: FeedState | None = None, *, now: dt.datetime = NOW, **fetch_settings) -> feeds.Fetched:
    """One feed fetched as `pipeline.fetch` would, from a state the test chooses."""
    section = FetchSection(**{"read_timeout": 5.0, "connect_timeout": 5.0, **fetch_settings})
    feed = FeedConfig(url=url, name="the feed", section="news")

    async def go():
        async with feeds.client(section) as http:
            return await feeds.fetch(http, feed, state or FeedState(feed.key), section, now)

    return asyncio.run(go())


# Redirects


@pytest.mark.parametrize("status", [302, 303, 307])
def test_a_temporary_redirect_is_followed_and_not_remembered(server, status):
    server.routes["/feed"] = Reply(status, b"", {"Location": "/new"})
    server.routes["/new"] = Reply(200, BODY, RSS_TYPE)
    got = fetch(server.url("/feed"))
    assert (got.line, got.body, got.url, got.error) == ("HTTP 200", BODY, server.url("/new"), None)
    assert got.state.moved_to is None and got.state.last_status == 200
    assert got.content_type == RSS_TYPE["Content-Type"]


@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_redirect_is_remembered(server, status):
    server.routes["/feed"] = Reply(status, b"", {"Location": "/new"})
    server.routes["/new"] = Reply(200, BODY, RSS_TYPE)
    got = fetch(server.url("/feed"))
    assert got.line == f"HTTP 200; moved permanently to {server.url('/new')}"
    assert got.state.moved_to == server.url("/new") and got.url == server.url("/new")


def test_a_chain_is_remembered_only_when_every_hop_is_permanent(server):
    server.routes["/a"] = Reply(308, b"", {"Location": "/b"})
    server.routes["/b"] = Reply(301, b"", {"Location": "/c"})
    server.routes["/c"] = Reply(200, BODY, RSS_TYPE)
    server.routes["/x"] = Reply(301, b"", {"Location": "/y"})
    server.routes["/y"] = Reply(307, b"", {"Location": "/c"})
    assert fetch(server.url("/a")).state.moved_to == server.url("/c")
    mixed = fetch(server.url("/x"))
    assert mixed.line == "HTTP 200" and mixed.state.moved_to is None and mixed.url == server.url("/c")


def test_a_remembered_move_is_where_the_next_fetch_goes(server):
    server.routes["/new"] = Reply(200, BODY, RSS_TYPE)
    got = fetch(server.url("/old"), FeedState(server.url("/old"), moved_to=server.url("/new")))
    assert got.line == "HTTP 200" and got.state.moved_to == server.url("/new")
    assert not server.hits("/old") and len(server.hits("/new")) == 1


def test_a_move_back_to_the_configured_url_is_not_announced(server):
    server.routes["/new"] = Reply(301, b"", {"Location": "/old"})
    server.routes["/old"] = Reply(200, BODY, RSS_TYPE)
    got = fetch(server.url("/old"), FeedState(server.url("/old"), moved_to=server.url("/new")))
    assert got.line == "HTTP 200" and got.state.moved_to == server.url("/old")


def test_exactly_five_redirects_are_followed(server):
    for n in range(5):
        server.routes[f"/r{n}"] = Reply(302, b"", {"Location": f"/r{n + 1}"})
    server.routes["/r5"] = Reply(200, BODY, RSS_TYPE)
    got = fetch(server.url("/r0"))
    assert got.line == "HTTP 200" and got.url == server.url("/r5")


def test_a_location_is_resolved_against_the_url_and_trimmed(server):
    server.routes["/dir/feed"] = Reply(302, b"", {"Location": "  next  "})
    server.routes["/dir/next"] = Reply(200, BODY, RSS_TYPE)
    assert fetch(server.url("/dir/feed")).url == server.url("/dir/next")


def test_a_200_carrying_location_is_the_feed_itself(server):
    server.routes["/feed"] = Reply(200, BODY, {**RSS_TYPE, "Location": "/elsewhere"})
    got = fetch(server.url("/feed"))
    assert (got.line, got.body, got.url) == ("HTTP 200", BODY, server.url("/feed"))
    assert not server.hits("/elsewhere")


def test_a_redirect_status_without_location_is_a_failure_line(server):
    server.routes["/feed"] = Reply(301, b"", {})
    got = fetch(server.url("/feed"))
    assert got.line == got.error == f"HTTP 301 Moved Permanently ({server.url('/feed')})"
    assert got.state.moved_to is None and got.state.last_status == 301


# Validators


def test_validators_are_sent_back_and_a_304_without_any_keeps_the_old_ones(server):
    server.routes["/feed"] = Reply(304, b"", {})
    state = FeedState(server.url("/feed"), etag='"v1"', last_modified=LAST_MODIFIED)
    got = fetch(server.url("/feed"), state)
    assert got.line == "not modified (HTTP 304)" and got.body is None and got.error is None
    assert (got.state.etag, got.state.last_modified, got.state.last_status) == ('"v1"', LAST_MODIFIED, 304)
    [request] = server.hits("/feed")
    assert request["if-none-match"] == '"v1"' and request["if-modified-since"] == LAST_MODIFIED


def test_a_304_with_new_validators_replaces_the_old_ones(server):
    server.routes["/feed"] = Reply(304, b"", {"ETag": '"v2"', "Last-Modified": "Mon, 23 Nov 2026 06:00:00 GMT"})
    got = fetch(server.url("/feed"), FeedState(server.url("/feed"), etag='"v1"', last_modified=LAST_MODIFIED))
    assert (got.state.etag, got.state.last_modified) == ('"v2"', "Mon, 23 Nov 2026 06:00:00 GMT")


def test_a_feed_without_validators_is_asked_without_conditions(server):
    server.routes["/feed"] = Reply(200, BODY, RSS_TYPE)
    fetch(server.url("/feed"))
    [request] = server.hits("/feed")
    assert set(request) == {"host", "user-agent", "accept", "accept-encoding", "connection"}
    assert request["accept-encoding"] == "gzip, deflate"  # what _Inflater undoes, and nothing else
    assert request["accept"] == (
        "application/atom+xml, application/rss+xml, application/feed+json, application/xml;q=0.9, */*;q=0.8"
    )


def test_a_200_without_validators_forgets_the_old_ones_and_any_retry_after(server):
    server.routes["/feed"] = Reply(200, BODY, RSS_TYPE)
    state = FeedState(server.url("/feed"), etag='"v1"', last_modified=LAST_MODIFIED, retry_after=NOW)
    got = fetch(server.url("/feed"), state)
    assert (got.state.etag, got.state.last_modified, got.state.retry_after) == (None, None, None)
    assert got.state.last_attempt == NOW


@pytest.mark.parametrize(
    "etag, kept",
    [
        ('"' + "a" * 1022 + '"', True),  # 1,024 characters: the limit
        ('"' + "a" * 1023 + '"', False),  # 1,025
        ('"a\tb"', False),  # a tab is not printable
        ('"caf\u00e9"', False),  # not ASCII
    ],
)
def test_an_etag_is_kept_only_when_it_can_go_back_into_a_header(server, etag, kept):
    server.routes["/feed"] = Reply(200, BODY, {**RSS_TYPE, "ETag": etag, "Last-Modified": LAST_MODIFIED})
    got = fetch(server.url("/feed"))
    assert got.state.etag == (etag if kept else None) and got.state.last_modified == LAST_MODIFIED


# Content-Encoding and size


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", " GZip "])
def test_gzip_under_any_of_its_names_is_read(server, encoding):
    server.routes["/feed"] = Reply(200, gzip.compress(BODY), {**RSS_TYPE, "Content-Encoding": encoding})
    got = fetch(server.url("/feed"))
    assert (got.line, got.body) == ("HTTP 200", BODY)


@pytest.mark.parametrize("encoding", ["", "identity"])
def test_an_empty_or_identity_encoding_is_the_body_as_sent(server, encoding):
    server.routes["/feed"] = Reply(200, BODY, {**RSS_TYPE, "Content-Encoding": encoding})
    assert fetch(server.url("/feed")).body == BODY


def test_brotli_is_refused_by_name(server):
    server.routes["/feed"] = Reply(200, b"\x1b\x00", {**RSS_TYPE, "Content-Encoding": "br"})
    got = fetch(server.url("/feed"))
    assert got.line == got.error == f"unsupported Content-Encoding 'br' ({server.url('/feed')})"
    assert got.body is None and got.state.last_status is None


@pytest.mark.parametrize(
    "encoding, body, problem",
    [
        ("deflate", b"this is not deflate at all", "body is not valid deflate (Error -3 while decompressing data: "),
        ("gzip", b"this is not gzip at all", "body is not valid gzip (Error -3 while decompressing data: "),
        ("deflate", zlib.compress(BODY)[:2] + b"\xff" * 40, "body is not valid deflate ("),
        ("gzip", zlib.compress(BODY), "body is not valid gzip ("),  # zlib-wrapped is deflate, not gzip
    ],
)
def test_an_invalid_compressed_body_is_one_line(server, encoding, body, problem):
    server.routes["/feed"] = Reply(200, body, {**RSS_TYPE, "Content-Encoding": encoding})
    got = fetch(server.url("/feed"))
    assert got.line.startswith(problem) and got.line.endswith(f") ({server.url('/feed')})")
    assert got.error == got.line and got.body is None


def test_raw_deflate_is_tried_only_from_the_first_piece():
    inflater = feeds._Inflater("deflate")
    wrapped = zlib.compress(BODY)
    assert inflater.inflate(wrapped[:10], 10_000) + inflater.inflate(wrapped[10:], 10_000) == BODY
    broken = feeds._Inflater("deflate")
    broken.inflate(wrapped[:10], 10_000)
    with pytest.raises(feeds._Refused, match=r"^body is not valid deflate \("):
        broken.inflate(b"\xff" * 20, 10_000)


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_a_body_of_exactly_the_cap_is_kept_and_one_more_byte_is_refused(server, encoding):
    def coded(data):
        return gzip.compress(data) if encoding == "gzip" else data

    server.routes["/fits"] = Reply(200, coded(b"x" * 1024), {**RSS_TYPE, "Content-Encoding": encoding})
    server.routes["/over"] = Reply(200, coded(b"x" * 1025), {**RSS_TYPE, "Content-Encoding": encoding})
    assert fetch(server.url("/fits"), max_bytes=1024).body == b"x" * 1024
    assert fetch(server.url("/over"), max_bytes=1024).line == f"body larger than 1 KiB; skipped ({server.url('/over')})"


def test_a_body_without_a_content_type_has_none(server):
    server.routes["/feed"] = Reply(200, BODY, {})
    got = fetch(server.url("/feed"))
    assert (got.line, got.content_type) == ("HTTP 200", "")


def test_an_empty_200_is_a_failure_line(server):
    server.routes["/feed"] = Reply(200, b"", RSS_TYPE)
    got = fetch(server.url("/feed"))
    assert got.line == got.error == f"empty response (HTTP 200) ({server.url('/feed')})"


# Statuses and their state


def test_410_records_when_the_feed_went_and_later_runs_skip_it(server):
    server.routes["/feed"] = Reply(410, b"gone", {"Content-Type": "text/plain"})
    got = fetch(server.url("/feed"))
    assert got.state.gone == NOW and got.error == "HTTP 410 Gone: disabled from now on; remove it"
    later = fetch(server.url("/feed"), got.state, now=NOW + dt.timedelta(days=3))
    assert later.skipped and later.error == later.line
    assert later.line == "disabled: gone (HTTP 410) since 2026-11-23; remove it from the config"
    assert later.state == got.state and len(server.hits("/feed")) == 1


@pytest.mark.parametrize(
    "retry_after, until",
    [
        (None, None),
        ("soon", None),
        (" 90 ", dt.datetime(2026, 11, 23, 6, 1, 30, tzinfo=dt.timezone.utc)),
        ("Mon, 23 Nov 2026 07:00:00 -0000", dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.timezone.utc)),  # no zone: UTC
        ("86401", NOW + dt.timedelta(days=1)),
    ],
)
def test_retry_after_in_every_form(server, retry_after, until):
    server.routes["/feed"] = Reply(503, b"", {"Retry-After": retry_after} if retry_after else {})
    got = fetch(server.url("/feed"))
    assert got.state.retry_after == until
    later = f"; no visit before {until:%Y-%m-%d %H:%M} UTC" if until else ""
    assert got.line == f"HTTP 503 Service Unavailable{later} ({server.url('/feed')})"


def test_a_feed_is_visited_again_once_its_retry_after_has_passed(server):
    server.routes["/feed"] = Reply(200, BODY, RSS_TYPE)
    waiting = FeedState(server.url("/feed"), retry_after=NOW + dt.timedelta(minutes=1))
    skipped = fetch(server.url("/feed"), waiting)
    assert skipped.skipped and skipped.error is None and skipped.state == waiting
    assert skipped.line == "skipped: its server asked for no visit before 2026-11-23 06:01 UTC"
    due = fetch(server.url("/feed"), FeedState(server.url("/feed"), retry_after=NOW))
    assert due.line == "HTTP 200" and not due.skipped


# Timeouts, refusals and broken servers


def test_a_read_timeout_names_the_setting(server):
    server.routes["/feed"] = Reply(stall=True)
    got = fetch(server.url("/feed"), read_timeout=0.2)
    assert got.line == got.error == f"no response within 0.2 s ({server.url('/feed')})"
    assert got.state.last_status is None and got.state.last_attempt == NOW


def test_the_total_timeout_bounds_the_whole_download(server):
    server.routes["/feed"] = Reply(stall=True)
    got = fetch(server.url("/feed"), read_timeout=30.0, total_timeout=0.2)
    assert got.line == f"took longer than 0.2 s in all ({server.url('/feed')})"


@contextlib.contextmanager
def full_backlog():
    """A port whose listen queue is full: the kernel drops further SYNs, so a connect never completes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
        fillers.append(filler)
    try:
        yield listener.getsockname()[1]
    finally:
        for sock in (*fillers, listener):
            sock.close()


def test_a_connect_timeout_names_the_setting():
    with full_backlog() as port:
        got = fetch(f"http://127.0.0.1:{port}/feed", connect_timeout=0.2)
    assert got.line == f"no connection within 0.2 s (http://127.0.0.1:{port}/feed)"


def test_a_refused_connection_is_one_line():
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    got = fetch(f"http://127.0.0.1:{port}/feed")
    assert got.line == got.error == f"cannot connect: All connection attempts failed (http://127.0.0.1:{port}/feed)"
    assert got.state.last_status is None and got.body is None


@contextlib.contextmanager
def one_connection(answer):
    """A bare TCP server on 127.0.0.1 that reads one request and lets `answer(conn)` reply; yields its URL."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            answer(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/feed"
    finally:
        thread.join(5)
        listener.close()


def test_a_server_that_speaks_no_http_is_a_broken_response():
    with one_connection(lambda conn: conn.sendall(b"SSH-2.0-not-http\r\n\r\n")) as url:
        got = fetch(url)
    assert got.line.startswith("broken HTTP response: ") and got.line.endswith(f" ({url})")


def reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a RST


def test_a_connection_reset_is_one_line_naming_the_error():
    with one_connection(reset) as url:
        got = fetch(url)
    assert got.line.startswith("ReadError: ") and got.line.endswith(f" ({url})") and got.error == got.line


def test_a_redirect_to_https_is_followed(server):
    """An https target is a web address: it is tried (and here fails, as the server speaks plain HTTP)."""
    port = server.httpd.server_address[1]
    server.routes["/feed"] = Reply(302, b"", {"Location": f"https://127.0.0.1:{port}/secure"})
    got = fetch(server.url("/feed"))
    assert got.line.startswith("cannot connect: ") and got.line.endswith(f" ({server.url('/feed')})")


# Feeds given as local paths


@pytest.mark.parametrize(
    "name, media",
    [
        ("feed.xml", "application/xml"),
        ("feed.rss", "application/xml"),
        ("feed.json", "application/feed+json"),
        ("FEED.JSON", "application/feed+json"),
    ],
)
def test_a_local_file_is_read_with_a_type_from_its_suffix(tmp_path, name, media):
    path = tmp_path / name
    path.write_bytes(BODY)
    got = fetch(str(path), FeedState(path.as_uri(), last_status=200))
    assert (got.line, got.body, got.content_type, got.url, got.error) == ("file", BODY, media, path.as_uri(), None)
    assert got.state.last_attempt == NOW and got.state.last_status == 200


def test_a_local_file_of_exactly_the_cap_is_read_and_a_larger_one_refused(tmp_path):
    fits, over = tmp_path / "fits.xml", tmp_path / "over.xml"
    fits.write_bytes(b"x" * 100)
    over.write_bytes(b"x" * 101)
    assert fetch(str(fits), max_bytes=100).body == b"x" * 100
    got = fetch(str(over), max_bytes=100)
    assert got.line == got.error == f"file larger than 100 bytes; skipped ({over})" and got.body is None


@pytest.mark.parametrize(
    "cap, said", [(1023, "1023 bytes"), (1024, "1 KiB"), (1536, "1.5 KiB"), (2**20, "1 MiB"), (10 * 2**20, "10 MiB")]
)
def test_the_cap_is_named_in_the_unit_a_person_reads(tmp_path, cap, said):
    path = tmp_path / "big.xml"
    path.write_bytes(b"x" * (cap + 1))
    assert fetch(str(path), max_bytes=cap).line == f"file larger than {said}; skipped ({path})"


def test_a_missing_local_file_is_one_line_naming_it(tmp_path):
    path = tmp_path / "nowhere.xml"
    got = fetch(str(path))
    assert got.line == got.error == f"cannot read {path}: No such file or directory"
    assert got.state.last_attempt == NOW
