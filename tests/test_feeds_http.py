"""Fetching feeds from a real HTTP server on 127.0.0.1: every status is a decision, every bad input one line."""

from __future__ import annotations

import datetime as dt
import gzip
import zlib

import pytest
from feed_data import NOW, RSS_TYPE, entry, rss, settings
from feed_server import FeedServer, Reply
from shellkit import on_store

from newsletter import pipeline
from newsletter.store import Store


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


def run(tmp_path, server, *paths, now=NOW, **fetch):
    """Fetch the feeds served at `paths` (each named by its path); their outcomes by name, and the result."""
    cfg = settings(tmp_path, [{"url": server.url(p), "name": p} for p in paths], **fetch)
    result = on_store(pipeline.fetch, cfg, now=now)
    return {pulled.feed.name: pulled for pulled in result.feeds}, result


def stored(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'newsletter.db'}") as store:
        return [item for item, _ in store.items.pool()]


def test_a_feed_is_fetched_with_a_polite_request_and_its_items_stored(tmp_path, server):
    server.routes["/feed"] = Reply(200, rss(entry(1), entry(2)), RSS_TYPE)
    outcomes, result = run(tmp_path, server, "/feed")
    assert outcomes["/feed"].line == "2 entries (HTTP 200)" and not outcomes["/feed"].warn
    assert result.new_items == 2
    request = server.hits("/feed")[0]
    assert request["user-agent"].startswith("newsletter/") and request["accept-encoding"] == "gzip, deflate"
    items = sorted(stored(tmp_path), key=lambda i: i.title)
    assert [i.title for i in items] == ["Entry 1", "Entry 2"]
    assert items[0].link == "https://news.example/1" and items[0].source == server.url("/feed")
    assert items[0].published == dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.timezone.utc)
    assert items[0].html.startswith("<p>Body of entry 1.") and items[0].paragraphs[0].startswith("Body of entry 1.")


def test_conditional_get_makes_an_unchanged_feed_a_304(tmp_path, server):
    def conditional(headers):
        since = headers.get("if-modified-since") == "Sun, 22 Nov 2026 06:00:00 GMT"
        if headers.get("if-none-match") == '"v1"' and since:
            return Reply(304, b"", {})
        return Reply(200, rss(entry(1)), {**RSS_TYPE, "ETag": '"v1"', "Last-Modified": "Sun, 22 Nov 2026 06:00:00 GMT"})

    server.routes["/feed"] = conditional
    run(tmp_path, server, "/feed")
    outcomes, result = run(tmp_path, server, "/feed")
    assert outcomes["/feed"].line == "not modified (HTTP 304)" and result.new_items == 0
    assert len(stored(tmp_path)) == 1


def test_gzip_and_deflate_bodies_are_read(tmp_path, server):
    body = rss(entry(1))
    server.routes["/gz"] = Reply(200, gzip.compress(body), {**RSS_TYPE, "Content-Encoding": "gzip"})
    server.routes["/zl"] = Reply(200, zlib.compress(body), {**RSS_TYPE, "Content-Encoding": "deflate"})
    raw = zlib.compressobj(wbits=-15)
    server.routes["/raw"] = Reply(200, raw.compress(body) + raw.flush(), {**RSS_TYPE, "Content-Encoding": "deflate"})
    outcomes, _ = run(tmp_path, server, "/gz", "/zl", "/raw")
    assert [outcomes[p].line for p in ("/gz", "/zl", "/raw")] == ["1 entry (HTTP 200)"] * 3


def test_a_permanent_redirect_is_remembered_and_a_temporary_one_is_not(tmp_path, server):
    server.routes["/old"] = Reply(301, b"", {"Location": "/new"})
    server.routes["/new"] = Reply(200, rss(entry(1)), RSS_TYPE)
    server.routes["/temp"] = Reply(302, b"", {"Location": "/new"})
    outcomes, _ = run(tmp_path, server, "/old", "/temp")
    assert outcomes["/old"].line == f"1 entry (HTTP 200; moved permanently to {server.url('/new')})"
    assert outcomes["/temp"].line == "1 entry (HTTP 200)"
    run(tmp_path, server, "/old", "/temp")
    assert len(server.hits("/old")) == 1 and len(server.hits("/temp")) == 2
    cfg = settings(tmp_path, [{"url": server.url("/old"), "name": "/old"}])
    assert on_store(pipeline.feeds, cfg)[0].state.moved_to == server.url("/new")


def test_410_disables_the_feed_and_says_so_on_every_run(tmp_path, server):
    server.routes["/gone"] = Reply(410, b"gone", {"Content-Type": "text/plain"})
    outcomes, _ = run(tmp_path, server, "/gone")
    assert outcomes["/gone"].warn and outcomes["/gone"].line == "HTTP 410 Gone: disabled from now on; remove it"
    outcomes, _ = run(tmp_path, server, "/gone", now=NOW + dt.timedelta(days=1))
    assert outcomes["/gone"].warn and outcomes["/gone"].line.startswith("disabled: gone (HTTP 410) since 2026-11-23")
    assert len(server.hits("/gone")) == 1


def test_429_retry_after_is_honoured_on_the_next_run(tmp_path, server):
    server.routes["/busy"] = Reply(429, b"slow down", {"Retry-After": "3600"})
    outcomes, _ = run(tmp_path, server, "/busy")
    assert outcomes["/busy"].line.startswith("HTTP 429 Too Many Requests; no visit before 2026-11-23 07:00 UTC")
    outcomes, _ = run(tmp_path, server, "/busy", now=NOW + dt.timedelta(minutes=30))
    assert outcomes["/busy"].outcome == "skipped" and not outcomes["/busy"].warn
    assert len(server.hits("/busy")) == 1
    server.routes["/busy"] = Reply(200, rss(entry(1)), RSS_TYPE)
    outcomes, _ = run(tmp_path, server, "/busy", now=NOW + dt.timedelta(hours=2))
    assert outcomes["/busy"].line == "1 entry (HTTP 200)"


def test_503_with_an_http_date_is_capped_at_a_day(tmp_path, server):
    server.routes["/down"] = Reply(503, b"", {"Retry-After": "Fri, 01 Jan 2100 00:00:00 GMT"})
    outcomes, _ = run(tmp_path, server, "/down")
    assert outcomes["/down"].line.startswith("HTTP 503 Service Unavailable; no visit before 2026-11-24 06:00 UTC")


@pytest.mark.parametrize("status, words", [(404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error")])
def test_an_error_status_is_one_warning_line_naming_the_url(tmp_path, server, status, words):
    server.routes["/bad"] = Reply(status, b"oops", {"Content-Type": "text/plain"})
    server.routes["/good"] = Reply(200, rss(entry(1)), RSS_TYPE)
    outcomes, result = run(tmp_path, server, "/bad", "/good")
    assert outcomes["/bad"].warn and outcomes["/bad"].line == f"{words} ({server.url('/bad')})"
    assert outcomes["/good"].line == "1 entry (HTTP 200)" and result.new_items == 1
    assert (
        "failing (1)"
        == on_store(pipeline.feeds, settings(tmp_path, [{"url": server.url("/bad"), "name": "b"}]))[0].condition
    )


def test_a_stalled_server_is_a_timeout_line(tmp_path, server):
    server.routes["/stall"] = Reply(stall=True)
    outcomes, _ = run(tmp_path, server, "/stall", read_timeout=0.2)
    assert outcomes["/stall"].line == f"no response within 0.2 s ({server.url('/stall')})"


def test_a_redirect_loop_and_too_many_redirects_are_refused(tmp_path, server):
    server.routes["/a"] = Reply(302, b"", {"Location": "/b"})
    server.routes["/b"] = Reply(302, b"", {"Location": "/a"})
    for n in range(7):
        server.routes[f"/hop{n}"] = Reply(301, b"", {"Location": f"/hop{n + 1}"})
    outcomes, _ = run(tmp_path, server, "/a", "/hop0")
    assert outcomes["/a"].line == f"redirect loop back to {server.url('/a')} ({server.url('/a')})"
    assert outcomes["/hop0"].line.startswith("more than 5 redirects")
    assert len(server.hits("/hop5")) == 1 and not server.hits("/hop6")


def test_an_html_page_is_not_a_feed(tmp_path, server):
    page = b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Welcome</p></body></html>"
    server.routes["/page"] = Reply(200, page, {"Content-Type": "text/html; charset=utf-8"})
    outcomes, _ = run(tmp_path, server, "/page")
    assert outcomes["/page"].warn and outcomes["/page"].line == "not a feed: an HTML page (HTTP 200)"


def test_truncated_xml_keeps_what_parsed_with_a_warning(tmp_path, server):
    body = rss(entry(1), entry(2), entry(3))
    server.routes["/cut"] = Reply(200, body[: body.index(b"<item><title>Entry 3") + 30], RSS_TYPE)
    outcomes, _ = run(tmp_path, server, "/cut")
    assert outcomes["/cut"].warn
    assert outcomes["/cut"].line.startswith("ill-formed XML at line 2 (unclosed token); kept what parsed; 3 entries")
    assert {"Entry 1", "Entry 2"} <= {i.title for i in stored(tmp_path)}


def test_a_wrong_declared_encoding_is_read_as_what_it_is(tmp_path, server):
    body = rss(entry(1, title="Caf\u00e9 \u2019quotes\u2019")).decode().encode("cp1252")
    server.routes["/enc"] = Reply(200, body, {"Content-Type": "application/rss+xml; charset=utf-8"})
    outcomes, _ = run(tmp_path, server, "/enc")
    assert outcomes["/enc"].line == "its declared encoding was wrong; read as Windows-1252; 1 entry (HTTP 200)"
    assert outcomes["/enc"].warn
    assert [i.title for i in stored(tmp_path)] == ["Caf\u00e9 \u2019quotes\u2019"]


def test_a_body_over_the_cap_is_refused(tmp_path, server):
    server.routes["/big"] = Reply(200, rss(*(entry(n) for n in range(20))), RSS_TYPE)
    outcomes, _ = run(tmp_path, server, "/big", max_bytes=4096)
    assert outcomes["/big"].line == f"body larger than 4 KiB; skipped ({server.url('/big')})"


def test_a_gzip_bomb_stops_at_the_cap(tmp_path, server):
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = b"".join(squeeze.compress(bytes(2**20)) for _ in range(64)) + squeeze.flush()  # 64 MiB of zeros
    assert len(bomb) < 2**17
    server.routes["/bomb"] = Reply(200, bomb, {**RSS_TYPE, "Content-Encoding": "gzip"})
    outcomes, _ = run(tmp_path, server, "/bomb", max_bytes=2**20)
    assert outcomes["/bomb"].line == f"body larger than 1 MiB; skipped ({server.url('/bomb')})"


def test_billion_laughs_is_never_expanded(tmp_path, server):
    # On the XML declaration's line, where feedparser's own DOCTYPE filter does not look.
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10)
    )
    body = rss(entry(1, guid="x"), head=f"<!DOCTYPE rss [{entities}]>").replace(b"Entry 1", b"&lol9;")
    server.routes["/lol"] = Reply(200, body, RSS_TYPE)
    outcomes, _ = run(tmp_path, server, "/lol")
    assert outcomes["/lol"].warn
    assert outcomes["/lol"].line.startswith("its DTD declared entities: removed unread; ill-formed XML")
    [item] = stored(tmp_path)
    assert "lollol" not in item.title


def test_an_external_entity_never_reads_a_local_file(tmp_path, server):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    head = f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    body = rss(entry(1, description="&xxe;"), head=head).replace(b"&amp;xxe;", b"&xxe;")
    server.routes["/xxe"] = Reply(200, body, RSS_TYPE)
    outcomes, _ = run(tmp_path, server, "/xxe")
    assert outcomes["/xxe"].warn
    assert outcomes["/xxe"].line.startswith("its DTD declared entities: removed unread; ill-formed XML")
    assert all("TOP-SECRET" not in " ".join(i.paragraphs) + (i.html or "") for i in stored(tmp_path))


def test_duplicate_guids_keep_the_first_entry(tmp_path, server):
    body = rss(entry(1), entry(2, guid="guid-1", title="Same guid again"), entry(3))
    server.routes["/dup"] = Reply(200, body, RSS_TYPE)
    outcomes, _ = run(tmp_path, server, "/dup")
    assert outcomes["/dup"].line == "3 entries (HTTP 200); 1 repeated an earlier entry's id (kept the first)"
    assert sorted(i.title for i in stored(tmp_path)) == ["Entry 1", "Entry 3"]


def test_an_entry_without_title_link_or_date_is_still_an_item(tmp_path, server):
    bare = entry(1, title=None, link=None, guid=None, pubDate=None, description="<p>Only words here, nothing else.</p>")
    body = rss(bare)
    server.routes["/bare"] = Reply(200, body, RSS_TYPE)
    outcomes, _ = run(tmp_path, server, "/bare")
    assert outcomes["/bare"].line == (
        "1 entry (HTTP 200); 1 had no title (first words used); 1 had no link; 1 had no date (dated when first seen)"
    )
    [item] = stored(tmp_path)
    assert item.title == "Only words here, nothing else." and item.link is None and item.published == NOW


def test_script_and_event_handlers_are_removed(tmp_path, server):
    html = (
        '<p onclick="steal()">Hello <a href="javascript:alert(1)">click</a> <a href="/ok">ok</a></p>'
        '<script>alert(1)</script><iframe src="https://evil.example/"></iframe>'
        '<img src="https://t.example/p.gif" width="1" height="1"><img src="https://img.example/a.png" alt="A">'
    )
    server.routes["/xss"] = Reply(200, rss(entry(1, description=html)), RSS_TYPE)
    outcomes, _ = run(tmp_path, server, "/xss")
    assert outcomes["/xss"].line == "1 entry (HTTP 200); 1 had unsafe HTML (removed)"
    [item] = stored(tmp_path)
    assert item.html == (
        f'<p>Hello <a rel="noopener">click</a> <a href="{server.url("/ok")}" rel="noopener">ok</a></p>'
        '<img src="https://img.example/a.png" alt="A">'
    )
    assert item.paragraphs == ("Hello click ok",)


def test_a_slow_parse_is_given_up_alone(tmp_path, server):
    server.routes["/huge"] = Reply(200, rss(*(entry(n) for n in range(400))), RSS_TYPE)
    server.routes["/small"] = Reply(200, rss(entry(1)), RSS_TYPE)
    outcomes, result = run(tmp_path, server, "/huge", "/small", parse_timeout=0.02)
    assert outcomes["/huge"].line == "parsing took longer than 0.02 s; skipped (HTTP 200)"
    assert outcomes["/small"].line == "1 entry (HTTP 200)" and result.new_items == 1


def test_a_feed_that_kills_its_parser_process_fails_alone(tmp_path, server):
    # 12 MB cannot even be handed to a process allowed 8 MiB more than it started with.
    server.routes["/hog"] = Reply(200, rss(entry(1, description="x" * 12_000_000)), RSS_TYPE)
    server.routes["/small"] = Reply(200, rss(entry(1)), RSS_TYPE)
    outcomes, result = run(tmp_path, server, "/hog", "/small", parse_memory=8, max_bytes=2**25)
    assert outcomes["/hog"].line == "its parser process died (over [fetch] parse_memory?); skipped (HTTP 200)"
    assert outcomes["/small"].line == "1 entry (HTTP 200)" and result.new_items == 1


def test_a_redirect_off_the_web_is_refused(tmp_path, server):
    server.routes["/sneaky"] = Reply(302, b"", {"Location": "file:///etc/passwd"})
    outcomes, _ = run(tmp_path, server, "/sneaky")
    refused = "redirected to 'file:///etc/passwd', which is not a web address"
    assert outcomes["/sneaky"].line == f"{refused} ({server.url('/sneaky')})"
