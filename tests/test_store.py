"""The store on a real SQLite file and on PostgreSQL: items keyed by content, one draft, spent items stay spent."""

import datetime as dt

import pytest
from storekit import mark_sent

from newsletter.errors import StoreError
from newsletter.models import ARTICLE, EVENT, Event, Issue, Item
from newsletter.store import Store, migrate

NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def store(store_url):
    with Store(store_url) as opened:
        yield opened


def item(id_, kind=ARTICLE, **kw):
    return Item(id_, kind, f"Title {id_}", "x.txt", ("para",), **kw)


def test_a_new_file_is_migrated_to_head(store):
    assert migrate.HEAD == migrate.head()
    with store.engine.connect() as conn:
        assert migrate.current(conn) == migrate.head()
        assert migrate.at_head(conn)


def test_adding_the_same_items_twice_adds_nothing(store):
    assert [i.id for i in store.items.add_unique([item("a"), item("b")], NOW).new] == ["a", "b"]
    assert [i.id for i in store.items.add_unique([item("a"), item("b"), item("c")], NOW).new] == ["c"]
    assert [i.id for i, _ in store.items.pool()] == ["a", "b", "c"]


def test_items_round_trip_every_field(store):
    rich = Item(
        "e",
        EVENT,
        "Talk",
        "s.txt",
        ("one", "two"),
        author="Ann",
        published=dt.datetime(2016, 8, 31, tzinfo=dt.timezone.utc),
        link="https://example.org/a",
        comments=("c1",),
        event=Event(dt.date(2016, 9, 26), dt.time(17, 30), "Hall", "Ed", "Chair", ("d",), "Tickets", None, True),
    )
    store.items.add_unique([rich], NOW)
    assert [item for item, _ in store.items.pool()] == [rich]


def test_the_draft_is_refreshed_until_sent_and_then_its_items_are_spent(store):
    store.items.add_unique([item("a"), item("b")], NOW)
    assert store.issues.draft() is None and store.issues.next_number() == 1
    store.issues.save_draft(Issue(1, dt.date(2026, 11, 23), "s1", lead=item("a")), NOW)
    store.issues.save_draft(Issue(1, dt.date(2026, 11, 23), "s2", lead=item("a"), pieces=(item("b"),)), NOW)
    draft = store.issues.draft()
    assert (draft.number, draft.status, draft.subject) == (1, "draft", "s2")
    assert {k: [i.id for i in v] for k, v in store.issues.items(1).items()} == {"lead": ["a"], "pieces": ["b"]}
    mark_sent(store, 1, NOW)
    assert store.issues.draft() is None and store.issues.next_number() == 2
    assert [item for item, _ in store.items.pool()] == []
    with pytest.raises(StoreError, match="issue 1 is sent"):
        store.issues.save_draft(Issue(1, dt.date(2026, 11, 23), "again"), NOW)


def test_reopening_keeps_data(store_url):
    url = store_url
    with Store(url) as first:
        first.items.add_unique([item("a")], NOW)
    with Store(url) as again:
        assert [i.id for i, _ in again.items.pool()] == ["a"]


def test_an_unopenable_store_names_its_url(tmp_path):
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(StoreError, match=r"dir\.db: cannot open store"):
        Store(f"sqlite:///{tmp_path / 'dir.db'}")


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="bad.db: cannot open store"):
        Store(f"sqlite:///{bad}")
    assert bad.read_bytes().startswith(b"not a database")
