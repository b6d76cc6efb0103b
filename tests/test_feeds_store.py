"""The store's feed state and dedup bookkeeping: each piece stored once, the others remembered."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command

from newsletter.models import ARTICLE, Event, FeedState, Item
from newsletter.store import Store, migrate
from newsletter.store.schema import duplicates

NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.timezone.utc)
TEXT = "The board met on Tuesday and agreed the plan for the winter after a long debate about money, staff and beds"


@pytest.fixture
def store(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'n.db'}") as opened:
        yield opened


def piece(id_, source, *, link=None, text=TEXT, published=None, title=None):
    return Item(id_, ARTICLE, title or f"Title {id_}", source, (text,), link=link, published=published)


def day(n):
    return dt.datetime(2026, 11, n, tzinfo=dt.timezone.utc)


def test_within_a_batch_the_earliest_published_copy_wins(store):
    added = store.items.add_unique(
        [piece("late", "feed:a", published=day(5)), piece("early", "feed:b", published=day(2)), piece("none", "c.txt")],
        NOW,
    )
    assert [i.id for i in added.new] == ["early"]
    assert sorted((d.id, kept) for d, kept in added.duplicates) == [("late", "early"), ("none", "early")]
    assert [i.id for i, _ in store.items.pool()] == ["early"]


def test_a_stored_item_wins_over_a_later_copy_even_one_dated_earlier(store):
    store.items.add_unique([piece("first", "feed:a", link="https://www.x.example/p/", published=day(9))], NOW)
    later = store.items.add_unique(
        [piece("copy", "feed:b", link="http://x.example/p?utm_medium=rss", text="other words", published=day(1))],
        NOW + dt.timedelta(hours=1),
    )
    assert later.new == () and [(d.id, kept) for d, kept in later.duplicates] == [("copy", "first")]
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(duplicates)).one()
    assert (row.item, row.of_item, row.source) == ("copy", "first", "feed:b")
    assert row.link == "http://x.example/p?utm_medium=rss"
    again = store.items.add_unique([piece("copy", "feed:b", link="http://x.example/p")], NOW)
    assert again.new == again.duplicates == ()


def test_a_source_repeating_its_own_text_later_is_a_revision_not_a_duplicate(store):
    store.items.add_unique([piece("v1", "a.txt", title="Old title")], NOW)
    revised = store.items.add_unique([piece("v2", "a.txt", title="New title")], NOW)
    assert [i.id for i in revised.new] == ["v2"] and revised.duplicates == ()
    other = store.items.add_unique([piece("v3", "b.txt")], NOW)
    assert other.new == () and other.duplicates[0][1] == "v1"


def test_a_dry_run_writes_nothing(store):
    added = store.items.add_unique([piece("a", "s"), piece("b", "t")], NOW, save=False)
    assert [i.id for i in added.new] == ["a"] and len(added.duplicates) == 1
    assert [item for item, _ in store.items.pool()] == [] and store.items.counts() == {}


def test_feed_state_round_trips_and_counts_are_per_source(store):
    state = FeedState(
        "https://f.example/rss",
        moved_to="https://g.example/rss",
        etag='"e"',
        last_modified="Sun, 22 Nov 2026",
        retry_after=NOW,
        gone=None,
        last_attempt=NOW,
        last_success=NOW,
        last_error="x",
        last_status=200,
        failures=2,
        entries=7,
    )
    store.feeds.save_states([state])
    store.feeds.save_states([state])
    assert store.feeds.states() == {state.url: state}
    store.items.add_unique([piece("a", state.url, published=day(1)), piece("b", "other", published=day(2))], NOW)
    assert store.items.counts() == {state.url: (1, 0), "other": (0, 1)}


def test_items_keep_their_html_and_summary(store):
    rich = Item("h", ARTICLE, "T", "s", ("p",), html="<p>p</p>", summary="short", event=Event(dt.date(2026, 1, 2)))
    store.items.add_unique([rich], NOW)
    assert [item for item, _ in store.items.pool()] == [rich]


def test_upgrading_from_0002_keeps_the_items(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        cfg = migrate._alembic_config(conn)
        command.upgrade(cfg, "0002")
        conn.execute(
            sa.text(
                "INSERT INTO items (id, kind, source, first_seen, data) VALUES ('old', 'article', 's', '2026-01-01', :d)"
            ),
            {"d": '{"id": "old", "kind": "article", "title": "Kept", "source": "s", "paragraphs": ["p"]}'},
        )
    engine.dispose()
    with Store(url) as upgraded:
        with upgraded.engine.connect() as conn:
            assert migrate.current(conn) == migrate.HEAD
        assert [i.title for i, _ in upgraded.items.pool()] == ["Kept"] and upgraded.feeds.states() == {}
