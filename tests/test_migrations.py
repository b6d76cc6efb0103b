"""An upgrade never loses data: a database filled at each revision is migrated step by step to the newest."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from newsletter.store import Store, migrate

T0 = dt.datetime(2024, 3, 1, 7, 0, tzinfo=dt.timezone.utc)
T1 = T0 + dt.timedelta(minutes=5)
ITEM = {
    "id": "a1",
    "kind": "article",
    "title": "Waiting lists",
    "source": "seeds/a.txt",
    "paragraphs": ["One.", "Two."],
    "published": "2024-02-29T09:00:00+00:00",
}
# Rows written as soon as their tables exist (revision -> table -> rows): a subscriber list and a
# half-finished send of issue 1 (one sent, one in flight at a crash, one still to do), and a draft.
ROWS = {
    "0001": {
        "items": [
            {"id": "a1", "kind": "article", "source": "seeds/a.txt", "published": T0, "first_seen": T0, "data": ITEM},
            {
                "id": "b2",
                "kind": "hearing",
                "source": "feed",
                "published": None,
                "first_seen": T1,
                "data": {**ITEM, "id": "b2", "kind": "hearing"},
            },
        ],
        "issues": [
            {"number": 1, "day": T0.date(), "status": "sending", "subject": "Issue one", "updated": T0, "sent": None},
            {"number": 2, "day": T1.date(), "status": "draft", "subject": "Issue two", "updated": T1, "sent": None},
        ],
        "issue_items": [
            {"issue": 1, "item": "a1", "section": "lead", "position": 0},
            {"issue": 2, "item": "b2", "section": "hearing", "position": 0},
        ],
    },
    "0002": {
        "subscribers": [
            {
                "id": n,
                "email": f"p{n}@example.org",
                "email_key": f"p{n}@example.org",
                "name": f"Person {n}",
                "status": "active" if n < 4 else "unsubscribed",
                "reason": None if n < 4 else "link",
                "created": T0,
                "updated": T1,
            }
            for n in range(1, 5)
        ],
        "sends": [
            {
                "issue": 1,
                "subscriber": 1,
                "status": "sent",
                "message_id": "<1.1.1@x>",
                "reply": "250 ok",
                "attempts": 1,
                "crashes": 0,
                "round": 1,
                "claimed_by": None,
                "claimed_until": None,
                "updated": T1,
            },
            {
                "issue": 1,
                "subscriber": 2,
                "status": "sending",
                "message_id": "<1.1.2@x>",
                "reply": None,
                "attempts": 0,
                "crashes": 0,
                "round": 1,
                "claimed_by": "host:1:ab",
                "claimed_until": T1,
                "updated": T1,
            },
            {
                "issue": 1,
                "subscriber": 3,
                "status": "pending",
                "message_id": None,
                "reply": None,
                "attempts": 0,
                "crashes": 0,
                "round": 1,
                "claimed_by": None,
                "claimed_until": None,
                "updated": T0,
            },
        ],
    },
    "0003": {
        "feeds": [
            {
                "url": "https://example.org/feed",
                "moved_to": None,
                "etag": '"e1"',
                "last_modified": None,
                "retry_after": None,
                "gone": None,
                "last_attempt": T1,
                "last_success": T1,
                "last_error": None,
                "last_status": 200,
                "failures": 0,
                "entries": 3,
            }
        ],
        "item_keys": [{"key": "link:example.org/a", "item": "a1"}],
        "duplicates": [
            {"item": "c3", "of_item": "a1", "source": "feed", "title": "Again", "link": None, "first_seen": T1}
        ],
    },
}


def _alembic(connection: sa.Connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    return [script.revision for script in reversed(list(ScriptDirectory(str(migrate.MIGRATIONS)).walk_revisions()))]


def _same(value):
    """What a value reads back as on either database: datetimes in UTC, aware."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc) if isinstance(value, dt.datetime) else value


def _check_every_row(connection: sa.Connection, written: dict) -> None:
    tables = sa.MetaData()
    tables.reflect(connection)
    for name, rows in written.items():
        table = tables.tables[name]
        columns = [table.c[column] for column in rows[0]]
        found = connection.execute(sa.select(*columns).order_by(*table.primary_key.columns)).all()
        assert [{k: _same(v) for k, v in row._mapping.items()} for row in found] == rows, name


def test_every_row_survives_each_upgrade_from_the_first_revision(blank_url):
    revisions = _revisions()
    assert revisions[:3] == ["0001", "0002", "0003"] and revisions[-1] == migrate.HEAD
    engine = sa.create_engine(blank_url)
    written: dict[str, list] = {}
    try:
        for revision in revisions:
            with engine.begin() as connection:
                from alembic import command

                command.upgrade(_alembic(connection), revision)
                _check_every_row(connection, written)  # nothing lost by this step
                for name, rows in ROWS.get(revision, {}).items():
                    table = sa.Table(name, sa.MetaData(), autoload_with=connection)
                    connection.execute(table.insert(), rows)
                    written[name] = rows
        with engine.begin() as connection:
            assert migrate.at_head(connection)
            _check_every_row(connection, written)
    finally:
        engine.dispose()
    with Store(blank_url) as store:  # and the store carries on where it was: issue 1's send resumes
        assert store.issues.current().number == 1
        counts = store.ledger.summary(1).counts
        assert (counts["sent"], counts["sending"], counts["pending"]) == (1, 1, 1)
        assert [s.email for s in store.subscribers.all("active")] == [
            "p1@example.org",
            "p2@example.org",
            "p3@example.org",
        ]
        assert store.issues.draft().number == 2 and [i.id for i in store.issues.items(2)["hearing"]] == ["b2"]
