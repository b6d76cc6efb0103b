"""The sign-up's store on SQLite and PostgreSQL: pending rows, confirmations (the consent record),
the per-address mail limit under concurrency, pauses in the ledger, and migration 0009 from a
0008 database with subscribers in it."""

from __future__ import annotations

import datetime as dt
import threading

import sqlalchemy as sa

from newsletter.models import ARTICLE, Issue, Item
from newsletter.store import Store
from newsletter.store.consents import ALREADY, CHANGE, CHANGED, MANAGE, SUBSCRIBE, SUBSCRIBED, TAKEN
from newsletter.store.subscribers import NewSubscriber

NOW = dt.datetime(2024, 3, 1, 7, 0, tzinfo=dt.timezone.utc)
HOUR = dt.timedelta(hours=1)


def record(store, who, purpose=SUBSCRIBE, email=None, *, name=None, limit=10, at=NOW):
    email = email or who.email
    return store.consents.record(
        who.id, purpose, email, email.lower(), "sign-up page", at, name, limit=limit, since=at - 24 * HOUR
    )


def test_a_sign_up_is_one_pending_row_per_address_whatever_its_case(store_url):
    with Store(store_url) as store:
        first = store.subscribers.signed_up("Ann@example.org", "ann@example.org", NOW)
        again = store.subscribers.signed_up("ANN@example.org", "ann@example.org", NOW + HOUR)
        assert first == again and first.status == "pending" and first.email == "Ann@example.org"
        store.subscribers.add(NewSubscriber("bo@example.org", "bo@example.org", status="bounced"), NOW)
        assert store.subscribers.signed_up("bo@example.org", "bo@example.org", NOW).status == "bounced"
        found = []
        threads = [
            threading.Thread(
                target=lambda: found.append(store.subscribers.signed_up("race@example.org", "race@example.org", NOW))
            )
            for _ in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len({s.id for s in found}) == 1
        assert store.subscribers.count("pending") == 2


def test_confirming_subscribes_once_and_takes_the_name_given(store_url):
    with Store(store_url) as store:
        who = store.subscribers.signed_up("cy@example.org", "cy@example.org", NOW)
        mail = record(store, who, name="Cy")
        assert store.consents.confirm(mail.id, "00" * 9, NOW) is None  # the right id with a wrong key
        outcome, done = store.consents.confirm(mail.id, mail.key, NOW + HOUR)
        assert (outcome, done.purpose, done.confirmed, done.previous) == ("subscribed", "subscribe", NOW + HOUR, None)
        assert done in {done} and store.consents.confirm(mail.id, mail.key, NOW + 2 * HOUR)[0] == "already" == ALREADY
        now = store.subscribers.get(who.id)
        assert (now.status, now.name, now.reason) == ("active", "Cy", None)
        assert store.consents.since(NOW - HOUR) == (1, 1) and store.consents.since(NOW + 2 * HOUR) == (0, 0)
        assert store.consents.since(NOW) == (1, 1) and store.consents.since(NOW + HOUR) == (0, 1)  # from the moment on


def test_a_change_of_address_moves_the_subscription_only_when_confirmed(store_url):
    with Store(store_url) as store:
        who = store.subscribers.add(NewSubscriber("old@example.org", "old@example.org", "Di"), NOW)
        store.subscribers.add(NewSubscriber("held@example.org", "held@example.org"), NOW)
        waiting = store.subscribers.signed_up("free@example.org", "free@example.org", NOW)
        taken = record(store, who, CHANGE, "held@example.org")
        free = record(store, who, CHANGE, "free@example.org")
        assert store.subscribers.get(who.id).email == "old@example.org"  # until confirmed
        assert store.consents.confirm(taken.id, taken.key, NOW)[0] == "taken" == TAKEN
        assert store.subscribers.get(who.id).email == "old@example.org"
        outcome, done = store.consents.confirm(free.id, free.key, NOW)
        assert (outcome, done.purpose, done.previous) == (
            "changed",
            "change",
            "old@example.org",
        ) and CHANGED == "changed"
        moved = store.subscribers.get(who.id)
        assert (moved.email, moved.status, moved.key) == ("free@example.org", "active", who.key)  # links keep working
        assert store.subscribers.get(waiting.id) is None  # the unconfirmed sign-up of that address gave way
        assert store.subscribers.find("old@example.org") is None


def test_concurrent_mails_to_one_address_stop_at_the_limit(store_url):
    with Store(store_url) as store:
        who = store.subscribers.signed_up("victim@example.org", "victim@example.org", NOW)
        kept = []
        threads = [threading.Thread(target=lambda: kept.append(record(store, who, limit=3))) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(k is not None for k in kept) == 3
        assert store.consents.mailed("victim@example.org", NOW - HOUR) == 3
        assert store.consents.mailed("victim@example.org", NOW) == 3  # mailed at the very start of a window: in it
        assert record(store, who, limit=3, at=NOW + 25 * HOUR) is not None  # the window moved on
        assert [c.purpose for c in store.consents.of(who.id)] == ["subscribe"] * 4 == [SUBSCRIBE] * 4
        manage = store.consents.record(
            who.id, MANAGE, who.email, "victim@example.org", "f" * 100, NOW + 25 * HOUR, limit=9, since=NOW
        )
        assert (manage.purpose, manage.form) == ("manage", "f" * 64)  # an embedding's name is bounded


def test_a_pausing_reader_is_skipped_in_the_ledger_and_back_when_the_pause_ends(store_url):
    with Store(store_url) as store:
        people = [store.subscribers.add(NewSubscriber(f"p{n}@example.org", f"p{n}@example.org"), NOW) for n in range(3)]
        store.subscribers.pause(people[1].id, people[1].key, NOW + 7 * 24 * HOUR, NOW)
        store.subscribers.pause(people[2].id, people[2].key, NOW - HOUR, NOW)  # a pause already over
        assert store.subscribers.pause(people[0].id, "ab" * 9, NOW + HOUR, NOW) is None  # another key: nobody
        assert store.subscribers.paused(NOW) == 1 and store.subscribers.paused(NOW + 8 * 24 * HOUR) == 0
        for number in (1, 2):
            item = Item(f"i{number}", ARTICLE, "A piece", "test", ("Text.",))
            store.items.add_unique([item], NOW)
            store.issues.save_draft(Issue(number, NOW.date(), "Issue", lead=item), NOW)
        store.ledger.freeze(1, NOW)
        summary = store.ledger.summary(1)
        assert (summary.counts["pending"], summary.counts["skipped"]) == (2, 1)
        with store.engine.connect() as conn:
            from newsletter.store.schema import sends

            reply = conn.scalar(sa.select(sends.c.reply).where(sends.c.subscriber == people[1].id))
        assert reply == "paused by the reader"
        store.ledger.freeze(2, NOW + 8 * 24 * HOUR)
        assert store.ledger.summary(2).counts["pending"] == 3


def test_migration_0009_keeps_a_0008_list_and_adds_the_pause_and_the_record(blank_url):
    from alembic import command
    from test_migrations import _alembic

    engine = sa.create_engine(blank_url)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic(connection), "0008")
            table = sa.Table("subscribers", sa.MetaData(), autoload_with=connection)
            connection.execute(
                table.insert(),
                [
                    {
                        "email": f"p{n}@example.org",
                        "email_key": f"p{n}@example.org",
                        "name": f"P {n}",
                        "status": status,
                        "reason": None,
                        "created": NOW,
                        "updated": NOW,
                        "token_key": "ab" * 9 if n else None,
                        "soft_bounces": n,
                    }
                    for n, status in enumerate(("active", "unsubscribed", "bounced"))
                ],
            )
    finally:
        engine.dispose()
    with Store(blank_url) as store:
        people = list(store.subscribers.all())
        assert [(p.email, p.name, p.status, p.key, p.paused_until) for p in people] == [
            ("p0@example.org", "P 0", "active", None, None),
            ("p1@example.org", "P 1", "unsubscribed", "ab" * 9, None),
            ("p2@example.org", "P 2", "bounced", "ab" * 9, None),
        ]
        assert store.consents.of(people[0].id) == []
        # an old keyless row can pause, and come back through a confirmation, like any other
        assert store.subscribers.pause(people[0].id, None, NOW + HOUR, NOW).paused_until == NOW + HOUR
        mail = record(store, people[1])
        assert store.consents.confirm(mail.id, mail.key, NOW)[0] == SUBSCRIBED
        assert store.subscribers.get(people[1].id).status == "active"
