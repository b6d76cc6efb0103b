"""Hostile and oversized inputs through the real `newsletter fetch`, `build` and `feeds`, feeds served on 127.0.0.1.

Every fixture is made by tests/hostile_fixtures.py; the checks are the issue's: the build
never crashes, the store holds no more than the bounds allow, no outside file appears,
and no feed goes silent after one bad fetch.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from feed_data import RSS_TYPE, entry, rss
from feed_server import FeedServer, Reply
from hostile_fixtures import (
    BOOM,
    NASTY_CLEAN,
    SECRET,
    big_corpus_file,
    entity_bombs,
    long_entry_feed,
    nasty_atom,
    nasty_json,
    nasty_rss,
)

from newsletter.cli import cli
from newsletter.sources.entries import HTML_BYTES
from newsletter.store import Store

UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
ARTICLE = "A quiet week\n\n" + "The board met and agreed the plan for the winter after a long debate. " * 30 + "\n"


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


def project(tmp_path, feeds: dict[str, str], extra: str = ""):
    """A config in tmp_path with a one-article corpus and `feeds` (name -> URL), all in the news section."""
    (tmp_path / "seeds").mkdir(exist_ok=True)
    (tmp_path / "seeds" / "quiet.txt").write_text(ARTICLE, encoding="utf-8")
    listed = "".join(f'[[feeds]]\nurl = "{url}"\nname = "{name}"\nsection = "news"\n\n' for name, url in feeds.items())
    config = tmp_path / "config.toml"
    config.write_text(f"[fetch]\nworkers = 1\n\n{extra}\n{listed}", encoding="utf-8")
    return config


def run(config, *args):
    result = CliRunner().invoke(cli, [*args, "--config", str(config)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def stored(config) -> list:
    with Store(f"sqlite:///{config.parent / 'newsletter.db'}") as store:
        return [item for item, _ in store.items.pool()]


def every_string(item) -> str:
    return json.dumps([item.title, item.author, item.link, item.html, item.summary, item.paragraphs, item.source])


def test_entity_bombs_of_every_shape_expand_nothing_and_read_no_file(tmp_path, server):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    bombs = entity_bombs(secret)
    for name, body in bombs.items():
        server.routes[f"/{name}"] = Reply(200, body, RSS_TYPE)
    config = project(tmp_path, {name: server.url(f"/{name}") for name in bombs})
    fetched = run(config, "fetch")
    assert fetched.exit_code == 0, fetched.output
    for name in bombs:  # each one warning line naming the feed, and its entry kept as written
        assert f"warning: feed {name}: its DTD declared entities: removed unread" in fetched.stderr, name
    assert fetched.stdout.startswith(f"Feeds: {len(bombs)} ({len(bombs)} updated, 0 not modified, 0 skipped, 0 failed)")
    items = stored(config)  # (the bombs' entries are much alike: some are set aside as duplicates)
    assert not any(BOOM in every_string(i) or SECRET in every_string(i) for i in items)
    assert (tmp_path / "newsletter.db").stat().st_size < 8 * 2**20
    built = run(config, "build", "--no-fetch")
    assert built.exit_code == 0, built.output
    eml = (tmp_path / "out" / "issue-0001" / "issue.eml").read_bytes()
    assert BOOM.encode() not in eml and SECRET.encode() not in eml and len(eml) < 2 * 2**20


def test_an_over_long_entry_is_cut_with_a_note_and_the_next_one_kept(tmp_path, server):
    server.routes["/long"] = Reply(200, long_entry_feed(megabytes=2), RSS_TYPE)
    config = project(tmp_path, {"Long": server.url("/long")})
    fetched = run(config, "fetch")
    assert (
        "feed Long: 2 entries (HTTP 200); 2 had no date (dated when first seen); 1 too long (cut to 256 KB)"
        in fetched.stderr
    )
    items = {i.title: i for i in stored(config)}
    assert len(items["Long"].html.encode()) <= HTML_BYTES and items["Long"].html.endswith("<p>[…]</p>")
    assert sum(len(p) for p in items["Long"].paragraphs) <= HTML_BYTES
    assert items["Short"].paragraphs == ("Fine.",)
    assert run(config, "build", "--no-fetch").exit_code == 0


@pytest.mark.parametrize("maker", [nasty_rss, nasty_atom, nasty_json])
def test_controls_surrogates_and_bidi_in_every_field_are_removed_at_the_door(tmp_path, server, maker):
    media = "application/feed+json" if maker is nasty_json else "application/xml"
    server.routes["/nasty"] = Reply(200, maker(), {"Content-Type": media})
    config = project(tmp_path, {"Nasty": server.url("/nasty")})
    built = run(config, "build")
    assert built.exit_code == 0, built.output
    [item] = [i for i in stored(config) if i.source == server.url("/nasty")]
    for value in (item.title, item.author, item.link, item.html, item.summary, *item.paragraphs):
        assert value is None or not UNWANTED.search(value), value
    assert "".join(item.title.split()) == NASTY_CLEAN and NASTY_CLEAN in item.html
    text = (tmp_path / "out" / "issue-0001" / "issue.txt").read_text(encoding="utf-8")
    assert NASTY_CLEAN in "".join(text.split()) and not UNWANTED.search(text)


def test_a_failed_parse_leaves_the_feed_failing_and_the_next_fetch_unconditional(tmp_path, server):
    answers = iter(
        [
            Reply(200, b"<html><body>Maintenance</body></html>", {"Content-Type": "text/html", "ETag": '"m"'}),
            Reply(200, rss(entry(1)), {**RSS_TYPE, "ETag": '"good"'}),
        ]
    )
    server.routes["/feed"] = lambda headers: Reply(304, b"", {}) if headers.get("if-none-match") else next(answers)
    config = project(tmp_path, {"Flaky": server.url("/feed")})
    first = run(config, "fetch")
    assert "warning: feed Flaky: not a feed: an HTML page (HTTP 200)" in first.stderr
    status = run(config, "feeds").stdout.splitlines()[1]
    assert "failing (1)" in status and status.endswith("not a feed: an HTML page (HTTP 200)")
    second = run(config, "fetch")
    assert "if-none-match" not in server.hits("/feed")[1]
    assert "feed Flaky: 1 entry (HTTP 200)" in second.stderr
    assert " ok " in run(config, "feeds").stdout.splitlines()[1]
    third = run(config, "fetch")  # now the validators are those of a body that was used
    assert server.hits("/feed")[2]["if-none-match"] == '"good"' and "not modified" in third.stderr


def test_a_feed_cannot_redirect_the_fetcher_to_another_internal_address(tmp_path, server):
    with FeedServer() as internal:
        internal.routes["/admin"] = Reply(200, rss(entry(1, title="Internal admin page")), RSS_TYPE)
        port = server.httpd.server_address[1]
        server.routes["/away"] = Reply(302, b"", {"Location": internal.url("/admin")})
        server.routes["/home"] = Reply(302, b"", {"Location": server.url("/feed")})  # same address and port
        server.routes["/feed"] = Reply(200, rss(entry(2)), RSS_TYPE)
        config = project(tmp_path, {"Away": f"http://localhost:{port}/away", "Home": f"http://localhost:{port}/home"})
        fetched = run(config, "fetch")
        assert internal.requests == []
    [away] = [line for line in fetched.stderr.splitlines() if "feed Away" in line]
    assert away.startswith(f"warning: feed Away: refused: {internal.url('/admin')} leads to 127.0.0.1 port")
    assert "feed Home: 1 entry (HTTP 200)" in fetched.stderr
    assert "Internal admin page" not in json.dumps([i.title for i in stored(config)])


def test_a_remembered_new_url_inward_is_refused_for_a_feed_configured_outward(tmp_path, server):
    server.routes["/admin"] = Reply(200, rss(entry(1)), RSS_TYPE)
    config = project(tmp_path, {"Public": "http://192.0.2.10:9/feed"})  # TEST-NET: never connected to
    with Store(f"sqlite:///{tmp_path / 'newsletter.db'}") as store:
        from newsletter.models import FeedState

        store.feeds.save_states([FeedState("http://192.0.2.10:9/feed", moved_to=server.url("/admin"))])
    fetched = run(config, "fetch")
    assert f"warning: feed Public: refused: {server.url('/admin')} leads to 127.0.0.1" in fetched.stderr
    assert server.requests == []


def test_a_5_mib_corpus_file_is_read_up_to_max_bytes_and_its_tail_never_stored(tmp_path):
    config = project(tmp_path, {})
    big = big_corpus_file(tmp_path / "seeds" / "huge.txt", mebibytes=5)
    built = run(config, "build")
    assert built.exit_code == 0, built.output
    assert f"warning: {big}: larger than [corpus] max_bytes (1,048,576 bytes); read up to there only" in built.stderr
    [item] = [i for i in stored(config) if i.source == str(big)]
    assert "TAIL-MARK" not in every_string(item) and len(every_string(item)) < 1.1 * 2**20
    with Store(f"sqlite:///{tmp_path / 'newsletter.db'}") as store, store.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT max(length(data)) FROM items")) < 1.1 * 2**20
    half = project(tmp_path, {}, extra="[corpus]\nmax_bytes = 1000\n")
    assert "max_bytes (1,000 bytes)" in run(half, "build", "--dry-run").stderr


def test_symlinks_out_of_the_corpus_and_templates_folders_are_skipped_and_named(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "private.txt").write_text(
        "Private notes\n\n" + "SECRET payroll figures for everyone. " * 20, encoding="utf-8"
    )
    (outside / "issue.txt").write_text("SECRET template {{ subject }}", encoding="utf-8")
    templates = tmp_path / "mytemplates"
    (templates / "email").mkdir(parents=True)
    config = project(tmp_path, {}, extra=f'[templates]\ndir = "{templates}"\n')
    (tmp_path / "seeds" / "private.txt").symlink_to(outside / "private.txt")
    (tmp_path / "seeds" / "inside.txt").symlink_to(tmp_path / "seeds" / "quiet.txt")  # a link inside: fine
    (templates / "email" / "issue.txt").symlink_to(outside / "issue.txt")
    built = run(config, "build")
    assert built.exit_code == 0, built.output
    link = tmp_path / "seeds" / "private.txt"
    assert f"warning: {link}: a link to {outside / 'private.txt'}, outside the corpus folder, skipped" in built.stderr
    assert f"{templates / 'email' / 'issue.txt'}: a link to {outside / 'issue.txt'}, outside" in built.stderr
    folder = tmp_path / "out" / "issue-0001"
    assert all(SECRET.encode() not in path.read_bytes() for path in folder.iterdir())
    assert "A quiet week" in (folder / "issue.txt").read_text(encoding="utf-8")


def test_a_stored_row_that_cannot_be_rendered_is_left_out_with_a_warning(tmp_path):
    config = project(tmp_path, {})
    assert run(config, "fetch").exit_code == 0
    with Store(f"sqlite:///{tmp_path / 'newsletter.db'}") as store, store.engine.begin() as conn:
        data = json.loads(conn.scalar(sa.text("SELECT data FROM items")))
        bad = {**data, "id": "bad", "title": "Broken \ud800 row", "source": "https://bad.example/feed"}
        conn.execute(
            sa.text(
                "INSERT INTO items (id, kind, source, published, first_seen, data) "
                "SELECT 'bad', kind, :source, published, first_seen, :data FROM items"
            ),
            {"source": bad["source"], "data": json.dumps(bad)},
        )
    built = run(config, "build", "--no-fetch")
    assert built.exit_code == 0, built.output
    assert "left out 'Broken \\ud800 row' from https://bad.example/feed: it cannot be rendered" in built.stderr
    assert "A quiet week" in (tmp_path / "out" / "issue-0001" / "issue.txt").read_text(encoding="utf-8")


def test_the_migration_cleans_rows_stored_before_the_door_was_there(blank_url):
    from alembic import command

    from newsletter.store import migrate

    engine = sa.create_engine(blank_url)
    dirty = "Bad\x00 \u202etitle\x1b"
    data = {"id": "a1", "kind": "article", "title": dirty, "source": "feed", "paragraphs": [dirty, "Fine."]}
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic(connection), "0004")
            items = sa.Table("items", sa.MetaData(), autoload_with=connection)
            connection.execute(
                items.insert(),
                [
                    {
                        "id": "a1",
                        "kind": "article",
                        "source": "feed",
                        "first_seen": dt.datetime.now(dt.timezone.utc),
                        "data": data,
                    }
                ],
            )
            connection.execute(
                sa.text("INSERT INTO feeds (url, last_error, failures, entries) VALUES ('u', :error, 1, 0)"),
                {"error": dirty.replace("\x00", "\x07")},
            )  # PG text: no NUL
        with engine.begin() as connection:
            command.upgrade(_alembic(connection), "head")
            assert migrate.at_head(connection)
    finally:
        engine.dispose()
    with Store(blank_url) as store:
        [item] = [item for item, _ in store.items.pool()]
        assert item.title == "Bad title" and item.paragraphs == ("Bad title", "Fine.")
        assert store.feeds.states()["u"].last_error == "Bad title"


def _alembic(connection):
    from alembic.config import Config

    from newsletter.store import migrate

    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg
