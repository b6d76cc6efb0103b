"""Unsubscribing through the real ASGI app: the confirm page, RFC 8058 one-click, forged tokens,
and a subscriber who leaves while a send is under way."""

from __future__ import annotations

import re
import sqlite3

import pytest
from sendkit import NOW, SECRET, Site, add_people, draft_issue, ledger, load, make_project
from shellkit import on_store

from newsletter import pipeline
from newsletter.deliver.tokens import Tokens
from newsletter.store import Store
from newsletter.web import create_app

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ONE_CLICK = b"List-Unsubscribe=One-Click"  # RFC 8058's body, from a mail client


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)


@pytest.fixture
def site(tmp_path):
    """(a real server for the app, its store) with three subscribers."""
    path = make_project(tmp_path, 2525)
    add_people(path, 3)
    config = load(path)
    with Store(config.store_url) as store, Site(create_app(config, store)) as server:
        yield server, store


def link(subscriber_id: int, store) -> str:
    return f"/unsubscribe/{Tokens(SECRET).make(subscriber_id, store.subscribers.get(subscriber_id).key)}"


def statuses(store):
    return [s.status for s in store.subscribers.all()]


def test_one_click_post_unsubscribes_at_once_without_cookies_or_redirect(site):
    server, store = site
    status, headers, text = server.request("POST", link(2, store), ONE_CLICK, FORM)
    assert status == 200 and "You are unsubscribed" in text
    assert "set-cookie" not in headers and headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    assert statuses(store) == ["active", "unsubscribed", "active"]
    assert store.subscribers.get(2).reason == "unsubscribed (one-click)"
    assert server.request("POST", link(2, store), ONE_CLICK, FORM)[0] == 200  # again: fine, nothing changes


def test_get_shows_a_confirm_button_and_changes_nothing(site):
    server, store = site
    status, _, text = server.request("GET", link(1, store))
    assert status == 200
    assert f'<form method="post" action="{link(1, store)}">' in text and "<button" in text
    assert statuses(store) == ["active"] * 3
    assert server.request("POST", link(1, store), ONE_CLICK, FORM)[0] == 200
    assert statuses(store)[0] == "unsubscribed"


def test_forged_and_altered_tokens_are_refused(site):
    server, store = site
    genuine = link(3, store)
    altered = genuine[:-1] + ("A" if genuine[-1] != "A" else "B")
    forged = f"/unsubscribe/{Tokens('another-secret-0123456789').make(3, store.subscribers.get(3).key)}"
    for url in (altered, forged, "/unsubscribe/3", "/unsubscribe/" + "A" * 32, "/unsubscribe/" + "A" * 44):
        for method in ("GET", "POST"):
            status, _, text = server.request(method, url, ONE_CLICK if method == "POST" else b"")
            assert status == 400, (url, method)
            assert "This link does not work" in text
    assert statuses(store) == ["active"] * 3


def test_the_token_hides_the_subscriber():
    tokens = Tokens(SECRET)
    assert tokens.read(tokens.make(7, "ab" * 9)) == (7, "ab" * 9)
    assert tokens.read(tokens.make(7, None)) == (7, None)  # a row added before keys existed
    assert tokens.make(7, "ab" * 9)[:10] != tokens.make(8, "ab" * 9)[:10]  # no visible counter


def test_unsubscribing_mid_send_stops_the_rest(tmp_path, smtp_server):
    path = make_project(tmp_path, smtp_server.port, connections=1)
    draft_issue(path)
    people = add_people(path, 5)
    config = load(path)
    with Store(config.store_url) as store, Site(create_app(config, store)) as server:

        def leave_after_first(count):
            if count == 1:  # the send is under way: person4's mail client sends the one-click POST
                assert server.request("POST", link(5, store), ONE_CLICK, FORM)[0] == 200

        smtp_server.on_message = leave_after_first
        result = on_store(pipeline.send, config)
    assert sorted(r.recipient for r in smtp_server.received) == people[:4]
    assert ledger(path)[people[4]][0] == "skipped"
    assert result.summary.counts["skipped"] == 1 and result.complete


def test_many_leaving_mid_send_cost_no_reconnect(tmp_path, smtp_server):
    """A skipped recipient's envelope is RSET and the connection kept: one connection for the whole send."""
    path = make_project(tmp_path, smtp_server.port, connections=1)
    draft_issue(path)
    people = add_people(path, 30)
    config = load(path)
    with Store(config.store_url) as store:

        def half_leave(count):
            if count == 1:
                for n in range(2, 31, 2):  # the ids of people[1::2]
                    store.subscribers.unsubscribe(n, NOW, "left mid-send")

        smtp_server.on_message = half_leave
        result = on_store(pipeline.send, config)
    assert sorted(r.recipient for r in smtp_server.received) == sorted(people[0:1] + people[2::2])
    assert result.summary.counts["skipped"] == 15 and result.complete
    assert smtp_server.connections == 1


def test_serve_needs_the_secret(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from newsletter.cli import cli

    monkeypatch.delenv("NEWSLETTER_SECRET")
    result = CliRunner().invoke(cli, ["serve", "--config", str(make_project(tmp_path, 2525))])
    assert result.exit_code == 1 and "NEWSLETTER_SECRET is not set" in result.output


def test_head_of_an_unsubscribe_link_changes_nothing(site):
    server, store = site
    for method in ("HEAD", "GET", "OPTIONS", "PUT", "DELETE"):
        server.request(method, link(1, store))
    assert statuses(store) == ["active"] * 3


def test_a_trailing_slash_is_a_404_not_a_redirect_built_from_the_host_header(site):
    server, store = site
    for path in (link(1, store) + "/", "/archive"):
        status, headers, _ = server.request("GET", path, headers={"Host": "evil.example"})
        assert status == 404 and "location" not in headers, path
    assert statuses(store) == ["active"] * 3


def test_the_reason_says_which_channel_and_timestamps_have_one_format(site, tmp_path):
    server, store = site
    status, _, page = server.request("GET", link(1, store))
    button = re.search(r'<button type="submit" name="(\w+)" value="(\w+)"', page)
    server.request("POST", link(1, store), f"{button[1]}={button[2]}".encode(), FORM)  # what the page's form posts
    server.request("POST", link(2, store), ONE_CLICK, FORM)
    assert [s.reason for s in store.subscribers.all()][:2] == ["unsubscribed (web page)", "unsubscribed (one-click)"]
    with sqlite3.connect(tmp_path / "newsletter.db") as db:
        stamps = [
            row[0] for row in db.execute("SELECT updated FROM subscribers UNION ALL SELECT created FROM subscribers")
        ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", s) for s in stamps), stamps
