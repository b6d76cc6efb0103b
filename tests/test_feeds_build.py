"""`newsletter build`, `fetch` and `feeds` on the shipped corpus plus feeds served on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from feed_data import NOW, RSS_TYPE, entry, rss
from feed_server import FeedServer, Reply
from shellkit import on_store

from newsletter import config, pipeline
from newsletter.cli import cli
from newsletter.sources.corpus import read_corpus

ROOT = Path(__file__).resolve().parent.parent
MERGER = "Two trusts in the north agree to merge their boards and back offices before the winter sets in"


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


@pytest.fixture
def project(tmp_path, server):
    """The shipped seeds and config, plus four feeds: RSS, Atom, JSON Feed, and one that fails."""
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    reworking = _corpus_piece("Reworking the NHS")
    server.routes["/rss"] = Reply(
        200,
        rss(
            entry(
                1,
                title="Trust merger agreed",
                link="https://www.health.example/merger?utm_source=rss",
                description=f"<p>{MERGER}.</p>",
            ),
            entry(
                2,
                title="Reworking the NHS",
                link="https://copies.example/reworking",
                description="".join(f"<p>{p}</p>" for p in reworking.paragraphs),
            ),
        ),
        {**RSS_TYPE, "ETag": '"r1"'},
    )
    server.routes["/atom"] = Reply(
        200,
        f"""<?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id><updated>2026-11-22T09:00:00Z</updated>
        <entry><title>Merger: the boards say yes</title><id>urn:a:1</id><link href="http://health.example/merger/"/>
        <updated>2026-11-22T09:00:00Z</updated><content type="html">&lt;p&gt;{MERGER}, a day later.&lt;/p&gt;</content>
        </entry></feed>""".encode(),
        {"Content-Type": "application/atom+xml"},
    )
    hearing = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [
            {
                "id": "h1",
                "content_text": "A royal college is about to change its mind on physician associates.",
                "date_published": "2026-11-21T07:00:00Z",
            }
        ],
    }
    server.routes["/json"] = Reply(200, json.dumps(hearing).encode(), {"Content-Type": "application/feed+json"})
    feeds = "".join(
        f'[[feeds]]\nurl = "{server.url(path)}"\nname = "{name}"\nsection = "{section}"\n\n'
        for path, name, section in (
            ("/rss", "Health RSS", "news"),
            ("/atom", "Health Atom", "news"),
            ("/json", "Whispers", "hearing"),
            ("/missing", "Broken", "news"),
        )
    )
    shipped = (ROOT / "config.toml").read_text(encoding="utf-8").split("\n[[feeds]]\n", 1)[0] + "\n"
    # No window, so the 2016 corpus and the 2026 feeds meet in one issue (dated 2030, after both).
    shipped = shipped.replace("max_age_days = 14", "max_age_days = 100000")
    (tmp_path / "config.toml").write_text(shipped.replace("workers = 0", "workers = 1") + feeds, encoding="utf-8")
    return tmp_path


def _corpus_piece(title: str):
    documents, _ = read_corpus(ROOT / "seeds")
    return next(item for document in documents for item in document.items if item.title == title)


def run(project, *args):
    return CliRunner().invoke(cli, [*args, "--config", str(project / "config.toml")])


def test_build_mixes_corpus_and_feeds_and_shows_each_duplicate_once(project, server):
    result = run(project, "build", "--date", "2030-01-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:4] == [
        "  10 new item(s)",
        "  feeds    4 (3 updated, 0 not modified, 0 skipped, 1 failed)",
        "  2 duplicate(s) set aside",
    ]
    assert f"warning: feed Broken: HTTP 404 Not Found ({server.url('/missing')})" in result.stderr.splitlines()
    assert "feed Health RSS: 2 entries (HTTP 200)" in result.stderr.splitlines()
    text = (project / "out" / "issue-0001" / "issue.txt").read_text(encoding="utf-8")
    assert text.count("Reworking the NHS") == 1 and text.count("Two trusts in the north") == 1
    assert "Trust merger agreed" in text and "Merger: the boards say yes" not in text
    assert "about to change its mind on physician associates" in text


def test_fetch_then_fetch_again_is_all_not_modified_where_the_server_can_say_so(project, server):
    server.routes["/rss"] = lambda headers: (
        Reply(304, b"", {}) if headers.get("if-none-match") == '"r1"' else Reply(200, rss(entry(1)), {"ETag": '"r1"'})
    )
    first = run(project, "fetch")
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [
        "Feeds: 4 (3 updated, 0 not modified, 0 skipped, 1 failed)",
        "11 new item(s), 0 duplicate(s) set aside",
    ]
    again = run(project, "fetch")
    assert "feed Health RSS: not modified (HTTP 304)" in again.stderr.splitlines()
    assert again.stdout.splitlines()[1] == "0 new item(s), 0 duplicate(s) set aside"


def test_no_fetch_and_dry_run_leave_the_feeds_alone(project, server):
    assert run(project, "build", "--no-fetch").exit_code == 0
    assert run(project, "build", "--dry-run").exit_code == 0
    assert server.requests == []


def test_feeds_lists_each_feed_with_its_state(project, server):
    on_store(pipeline.fetch, config.load(project / "config.toml"), now=NOW)
    result = run(project, "feeds")
    assert result.exit_code == 0, result.output
    missing = server.url("/missing")
    assert result.stdout.splitlines() == [
        "NAME         SECTION  STATE        LAST SUCCESS      HTTP  ITEMS  DUPLICATES  LAST ERROR",
        "Health RSS   news     ok           2026-11-23 06:00  200   2      0           -",
        "Health Atom  news     ok           2026-11-23 06:00  200   0      1           -",
        "Whispers     hearing  ok           2026-11-23 06:00  200   1      0           -",
        f"Broken       news     failing (1)  never             404   0      0           HTTP 404 Not Found ({missing})",
    ]


def test_each_command_says_what_it_does_with_an_example():
    for name in ("fetch", "feeds"):
        help_text = CliRunner().invoke(cli, [name, "--help"]).output
        assert f"Example: newsletter {name}" in help_text
    assert "--no-fetch" in CliRunner().invoke(cli, ["build", "--help"]).output
