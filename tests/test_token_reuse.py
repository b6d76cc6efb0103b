"""An unsubscribe link names one subscription (issue 14, item 2), on SQLite and PostgreSQL, also
after `db migrate-from`: a removed subscriber's old link never unsubscribes whoever gets the id next."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sendkit import NOW, SECRET, Site, load, make_config, make_project
from shellkit import on_store

from newsletter import pipeline
from newsletter.deliver.tokens import Tokens
from newsletter.store import Store
from newsletter.store.schema import subscribers
from newsletter.web import create_app

ONE_CLICK = (b"List-Unsubscribe=One-Click", {"Content-Type": "application/x-www-form-urlencoded"})


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)


def link_of(person) -> str:
    return f"/unsubscribe/{Tokens(SECRET).make(person.id, person.key)}"


def test_an_old_link_does_not_unsubscribe_the_next_holder_of_its_id(tmp_path, store_url):
    config = make_config(tmp_path, 2525, store_url=store_url)
    on_store(pipeline.add_subscriber, config, "first@example.com", now=NOW)
    leaving = on_store(pipeline.add_subscriber, config, "leaving@example.com", now=NOW)
    old_link = link_of(leaving)
    on_store(pipeline.remove_subscriber, config, "leaving@example.com")
    newcomer = on_store(pipeline.add_subscriber, config, "newcomer@example.com", now=NOW)
    assert newcomer.id == leaving.id or not store_url.startswith("sqlite")  # SQLite reuses the id
    with Store(config.store_url) as store:
        with Site(create_app(config, store)) as server:
            assert server.request("POST", old_link, *ONE_CLICK)[0] == 200  # no oracle: the same page as ever
            assert store.subscribers.get(newcomer.id).status == "active"
            assert server.request("POST", link_of(newcomer), *ONE_CLICK)[0] == 200
            assert store.subscribers.get(newcomer.id).status == "unsubscribed"


def test_links_keep_working_after_migrate_from_and_name_one_subscription(tmp_path, store_url):
    from click.testing import CliRunner

    from newsletter.cli import cli

    (tmp_path / "old").mkdir()
    source = make_config(tmp_path / "old", 2525)
    people = [on_store(pipeline.add_subscriber, source, f"p{n}@example.com", now=NOW) for n in range(3)]
    target_path = make_project(tmp_path, 2525, store_url=store_url)
    result = CliRunner().invoke(cli, ["db", "migrate-from", source.store_url, "--config", str(target_path)])
    assert result.exit_code == 0, result.output
    target = load(target_path)
    on_store(pipeline.remove_subscriber, target, "p2@example.com")
    newcomer = on_store(pipeline.add_subscriber, target, "newcomer@example.com", now=NOW)
    with Store(target.store_url) as store, Site(create_app(target, store)) as server:
        server.request("POST", link_of(people[2]), *ONE_CLICK)
        server.request("POST", link_of(people[0]), *ONE_CLICK)
        assert [(s.email, s.status) for s in store.subscribers.all()] == [
            ("p0@example.com", "unsubscribed"),
            ("p1@example.com", "active"),
            ("newcomer@example.com", "active"),
        ]
        assert store.subscribers.get(newcomer.id).key not in {p.key for p in people}


def test_rows_from_before_keys_keep_their_id_only_links_which_fit_no_keyed_row(tmp_path, store_url):
    config = make_config(tmp_path, 2525, store_url=store_url)
    old = on_store(pipeline.add_subscriber, config, "old@example.com", now=NOW)
    with Store(config.store_url) as store:
        with store.engine.begin() as conn:  # as migration 0006 leaves a row added before it
            conn.execute(subscribers.update().values(token_key=None))
        keyed = on_store(pipeline.add_subscriber, config, "keyed@example.com", now=NOW)
        with Site(create_app(config, store)) as server:
            server.request("POST", f"/unsubscribe/{Tokens(SECRET).make(keyed.id, None)}", *ONE_CLICK)
            assert store.subscribers.get(keyed.id).status == "active"
            server.request("POST", f"/unsubscribe/{Tokens(SECRET).make(old.id, None)}", *ONE_CLICK)
            assert store.subscribers.get(old.id).status == "unsubscribed"
        with store.engine.connect() as conn:
            assert conn.scalar(sa.select(sa.func.count()).where(subscribers.c.token_key.is_(None))) == 1
