"""`newsletter db`: schema revision, upgrade, and copying a SQLite store into another database."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sendkit import NOW, add_people, draft_issue, make_project

from newsletter import config as config_module
from newsletter.cli import cli
from newsletter.errors import ConfigError
from newsletter.models import SENT, Outcome
from newsletter.store import Store, migrate


def run(path, *args):
    return CliRunner().invoke(cli, ["db", *args, "--config", str(path)])


def test_current_then_upgrade_then_current(tmp_path, blank_url):
    path = make_project(tmp_path, 25, store_url=blank_url)
    shown = sa.engine.make_url(blank_url).render_as_string()
    assert run(path, "current").output == (
        f"{shown}: revision none (an empty database)\n"
        f"The newest is {migrate.HEAD}: newsletter db upgrade brings it there (every command does).\n"
    )
    upgraded = run(path, "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.output == f"{shown}: upgraded from revision none (an empty database) to {migrate.HEAD}\n"
    assert run(path, "upgrade").output == f"{shown}: already at the newest revision ({migrate.HEAD})\n"
    assert run(path, "current").output == f"{shown}: revision {migrate.HEAD}\nIt is the newest ({migrate.HEAD}).\n"


def _source(tmp_path):
    """A SQLite store with items, a draft, subscribers and a half-finished send of issue 1."""
    (tmp_path / "old").mkdir()
    path = make_project(tmp_path / "old", 25)
    draft_issue(path)
    add_people(path, 5)
    url = config_module.load(path).store_url
    with Store(url) as store:
        store.ledger.freeze(1, NOW)
        [first, *_] = store.ledger.claim(1, "old-host:1:aa", NOW, 60, 2)
        store.ledger.steps(1, "old-host:1:aa", NOW, [(None, first.subscriber, "<m1@example.org>")])
        store.ledger.steps(1, "old-host:1:aa", NOW, [(Outcome(first.subscriber, SENT, "250 ok", 1), None, None)])
    return url


def _everything(url: str) -> dict:
    """Every row of every table but Alembic's, datetimes in UTC: what a copy must carry over."""
    engine = sa.create_engine(url)
    tables = sa.MetaData()
    try:
        with engine.connect() as conn:
            tables.reflect(conn)
            return {
                name: [
                    tuple(
                        v.astimezone(dt.timezone.utc)
                        if isinstance(v, dt.datetime) and v.tzinfo
                        else v.replace(tzinfo=dt.timezone.utc)
                        if isinstance(v, dt.datetime)
                        else v
                        for v in row
                    )
                    for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns))
                ]
                for name, table in tables.tables.items()
                if name != "alembic_version"
            }
    finally:
        engine.dispose()


def test_migrate_from_copies_every_row_and_ids_continue(tmp_path, store_url):
    source = _source(tmp_path)
    path = make_project(tmp_path, 25, store_url=store_url)
    result = run(path, "migrate-from", source)
    assert result.exit_code == 0, result.output
    copied = dict(line.split() for line in result.stdout.splitlines()[:-1])
    assert copied["subscribers"] == "5" and copied["sends"] == "5" and copied["items"] == "2"
    assert result.stdout.splitlines()[-1].startswith("Copied 17 row(s) from sqlite:///")
    assert _everything(store_url) == _everything(source)
    with Store(store_url) as store:  # the send resumes where it was, and new subscribers get new ids
        assert store.ledger.summary(1).counts["sent"] == 1 and store.issues.current().number == 1
    assert CliRunner().invoke(cli, ["subscribers", "add", "new@example.org", "--config", str(path)]).exit_code == 0
    with Store(store_url) as store:
        assert [s.id for s in store.subscribers.all()][-1] == 6


def test_migrate_from_refuses_a_target_with_data_unless_forced(tmp_path, store_url):
    source = _source(tmp_path)
    path = make_project(tmp_path, 25, store_url=store_url)
    add_people(path, 1, start=99)
    refused = run(path, "migrate-from", source)
    assert refused.exit_code == 1
    assert "the target is not empty (subscribers has 1 row(s)); --force replaces what it holds" in refused.output
    assert run(path, "migrate-from", source, "--force").exit_code == 0
    assert _everything(store_url) == _everything(source)


def test_migrate_from_needs_an_existing_source(tmp_path):
    path = make_project(tmp_path, 25)
    missing = run(path, "migrate-from", f"sqlite:///{tmp_path / 'nope.db'}")
    assert missing.exit_code == 1 and "nope.db: there is no such database to copy from" in missing.output
    assert not (tmp_path / "nope.db").exists()


def test_the_database_url_comes_from_the_environment_never_with_a_password_in_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", "postgresql+psycopg://eletter:s3cret@127.0.0.1:5432/eletter")
    assert config_module.from_dict({}).store_url == "postgresql+psycopg://eletter:s3cret@127.0.0.1:5432/eletter"
    with pytest.raises(ConfigError, match=r"\[store\]\.url: must not hold a password: set NEWSLETTER_DATABASE_URL"):
        config_module.from_dict({"store": {"url": "postgresql+psycopg://eletter:s3cret@db/eletter"}})
