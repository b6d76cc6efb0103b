"""Readers' tips (issue 18): the confidential store, `newsletter tips fetch` from a Maildir and
from dovecot over IMAP (twice: each usable tip once, each hostile mail one warning), deciding tips, and
the /tip form's limits, all on real parts."""

from __future__ import annotations

import datetime as dt
import imaplib
import mailbox
import secrets
import urllib.error
import urllib.parse
import urllib.request

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from tipkit import MAILS, TIPSTER, TIPSTER_NAME, USABLE, plain

from newsletter import config as config_module
from newsletter import pipeline
from newsletter.cli import cli
from newsletter.errors import NewsletterError, StoreError
from newsletter.store import Store
from newsletter.store.tips import Source, digest

NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.timezone.utc)


# --- the store (store/tips.py), SQLite and PostgreSQL ---------------------------------------------


def test_the_source_is_kept_apart_and_purged_first(store_url):
    with Store(store_url) as store:
        first = store.tips.add("mail", "Text one.", Source(TIPSTER, TIPSTER_NAME), NOW, message_id="<m1@x>")
        second = store.tips.add("form", "Text two.", Source("", "", "192.0.2.7"), NOW + dt.timedelta(days=20))
        anonymous = store.tips.add("form", "Text three.", Source(), NOW)
        assert store.tips.add("mail", "Again.", Source(TIPSTER), NOW, message_id="<m1@x>") is None  # read before
        assert [t.text for t in store.tips.open()] == ["Text one.", "Text three.", "Text two."]
        assert store.tips.source(first) == Source(TIPSTER, TIPSTER_NAME, "")
        assert store.tips.source(anonymous) is None
        with store.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("tips")}
            recorded = conn.execute(sa.text("SELECT message_id FROM mailbox_seen")).scalars().all()
        assert not columns & {"address", "name", "client", "contact", "sender"}
        assert recorded == [digest("<m1@x>")] and "m1" not in recorded[0]
        assert store.tips.purge(NOW + dt.timedelta(days=30), 30, 90) == (0, 0)  # not older than 30 days yet
        assert store.tips.purge(NOW + dt.timedelta(days=30, seconds=1), 30, 90) == (1, 0)
        assert store.tips.source(first) is None and store.tips.source(second).client == "192.0.2.7"
        assert store.tips.get(first).text == "Text one."


def test_unused_tips_are_purged_after_keep_days_and_accepted_ones_kept(store_url):
    with Store(store_url) as store:
        used = store.tips.add("form", "Used.", Source("a@example.org"), NOW)
        checking = store.tips.add("form", "Being checked.", Source(), NOW)
        store.tips.add("form", "Unused.", Source(), NOW)
        later = store.tips.add("form", "Later.", Source(), NOW + dt.timedelta(days=2))
        store.tips.accept(used, "Used.", 3, NOW)
        store.tips.checking(checking, NOW)
        assert store.tips.purge(NOW + dt.timedelta(days=5, seconds=1), 30, 5) == (0, 2)
        assert [t.id for t in store.tips.open()] == [later]
        assert store.tips.get(used).line == "Used." and store.tips.get(used).issue == 3
        with pytest.raises(StoreError, match=f"no tip {checking}"):
            store.tips.get(checking)


def test_a_discarded_tip_goes_at_once_with_its_source(store_url):
    with Store(store_url) as store:
        number = store.tips.add("form", "Gone.", Source(TIPSTER), NOW)
        store.tips.discard(number)
        assert store.tips.open() == [] and store.tips.source(number) is None
        with pytest.raises(StoreError, match="no tip"):
            store.tips.discard(number)


def test_an_accepted_tip_cannot_be_decided_again(store_url):
    with Store(store_url) as store:
        number = store.tips.add("form", "Once.", Source(), NOW)
        assert store.tips.checking(number, NOW).status == "checking"
        assert store.tips.accept(number, "Once.", 1, NOW).status == "accepted"
        with pytest.raises(StoreError, match="accepted already"):
            store.tips.checking(number, NOW)


def test_the_0008_schema_with_data_upgrades_to_tips(blank_url):
    from alembic import command
    from test_migrations import _alembic

    engine = sa.create_engine(blank_url)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic(connection), "0008")
            connection.execute(
                sa.text("INSERT INTO mailbox_seen (mailbox, message_id, taken) VALUES ('bounces', '<b1@x>', :t)"),
                {"t": NOW},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO issues (number, day, status, subject, updated) VALUES (1, :d, 'draft', 'One', :t)"
                ),
                {"d": NOW.date(), "t": NOW},
            )
    finally:
        engine.dispose()
    with Store(blank_url) as store:
        assert store.issues.draft().number == 1 and store.bounces.seen("bounces", ["<b1@x>"]) == {"<b1@x>"}
        number = store.tips.add("mail", "After the upgrade.", Source(TIPSTER), NOW, message_id="<b1@x>")
        assert store.tips.get(number).text == "After the upgrade."  # the same id in another mailbox is no clash


# --- fetching: Maildir and dovecot ----------------------------------------------------------------


def make_project(tmp_path, tips: str) -> config_module.Config:
    path = tmp_path / "config.toml"
    path.write_text(f'[store]\nurl = "sqlite:///newsletter.db"\n[tips]\n{tips}\n', encoding="utf-8")
    return config_module.load(path)


def deliver(folder, raw: bytes) -> str:
    name = f"{secrets.token_hex(8)}.test"
    (folder / "new" / name).write_bytes(raw)
    return name


def deliver_all(folder) -> dict[str, str]:
    return {deliver(folder, raw): name for name, (raw, _) in MAILS.items()}


def check_first_read(result, usable_names, hostile_keys):
    assert result.taken == len(usable_names) and result.skipped == len(hostile_keys)
    assert result.attachments == 2
    assert len(result.warnings) == len(hostile_keys)
    for key, name in hostile_keys.items():
        said = [w for w in result.warnings if key in w]
        assert len(said) == 1 and MAILS[name][1].words in said[0], (name, result.warnings)
    assert not any(TIPSTER in w or TIPSTER_NAME in w for w in result.warnings)


def test_fetch_from_a_maildir_twice_takes_each_usable_tip_once(tmp_path):
    config = make_project(tmp_path, 'maildir = "Maildir"\nmax_message_kb = 1024')
    folder = tmp_path / "Maildir"
    mailbox.Maildir(folder, create=True)
    delivered = deliver_all(folder)
    hostile = {key: name for key, name in delivered.items() if name not in USABLE}
    with Store(config.store_url) as store:
        check_first_read(pipeline.fetch_tips(config, store, now=NOW), USABLE, hostile)
        deliver(folder, plain())  # the same mail again (same Message-ID)
        again = pipeline.fetch_tips(config, store, now=NOW)
        assert (again.taken, again.skipped, again.warnings) == (0, 0, [])
        assert sorted(t.text for t in store.tips.open()) == sorted(USABLE.values())
        assert {t.channel for t in store.tips.open()} == {"mail"}
    assert list((folder / "new").iterdir()) == [] and len(list((folder / "cur").iterdir())) == len(MAILS) + 1


def test_fetch_without_a_mailbox_says_where_to_set_one(tmp_path):
    config = make_project(tmp_path, "")
    with Store(config.store_url) as store, pytest.raises(NewsletterError, match=r"\[tips\] imap_url and maildir"):
        pipeline.fetch_tips(config, store, now=NOW)


def test_fetch_from_dovecot_over_imap_twice(tmp_path, imap, monkeypatch):
    """IMAP over TLS (the test CA trusted), by `newsletter tips fetch`: each usable tip once, each hostile
    mail one warning naming it, every message flagged seen, the second run finds nothing new."""
    from imapserver import DATA

    for leftover in (imap.maildir / "new").iterdir():
        leftover.unlink()
    config = make_project(tmp_path, f'imap_url = "{imap.url}"\nmax_message_kb = 1024')
    for raw, _ in MAILS.values():
        deliver(imap.maildir, raw)
    monkeypatch.setenv("NEWSLETTER_TIPS_PASSWORD", imap.password)
    monkeypatch.setenv("SSL_CERT_FILE", str(DATA / "smtp-test-cert.pem"))
    run = ["tips", "fetch", "--config", str(config.source)]
    first = CliRunner().invoke(cli, run)
    assert first.exit_code == 0, first.output
    hostile = [name for name in MAILS if name not in USABLE]
    assert f"Took {len(USABLE)} tip(s); skipped {len(hostile)} message(s); ignored 2 attachment(s)" in first.output
    assert first.output.count("warning: ") == len(hostile) and TIPSTER not in first.output
    assert f"imaps://127.0.0.1:{imap.port}/INBOX: message " in first.output
    second = CliRunner().invoke(cli, run)
    assert second.exit_code == 0 and "Took 0 tip(s); skipped 0 message(s)" in second.output
    with Store(config.store_url) as store:
        assert sorted(t.text for t in store.tips.open()) == sorted(USABLE.values())
    with imaplib.IMAP4_SSL("127.0.0.1", imap.port, ssl_context=imap.context) as box:
        box.login(imap.user, imap.password)
        box.select("INBOX")
        assert box.uid("SEARCH", None, "UNSEEN")[1] == [b""]


# --- deciding: pipeline and CLI -------------------------------------------------------------------


def cli_run(config, *args):
    result = CliRunner().invoke(cli, [*args, "--config", str(config.source)])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_cli_lists_accepts_checks_and_discards(tmp_path):
    config = make_project(tmp_path, 'maildir = "Maildir"')
    with Store(config.store_url) as store:
        ids = [
            pipeline.submit_tip(config, store, text, "", "192.0.2.1", now=NOW)
            for text in ("The pier is sold. Really.", "The mayor resigns.", "Nonsense.")
        ]
        ids.append(pipeline.submit_tip(config, store, "From a reader. Who says who.", TIPSTER, "192.0.2.1", now=NOW))
    listed = CliRunner().invoke(cli, ["tips", "--config", str(config.source)]).output
    assert f"#{ids[0]}" in listed and "The pier is sold. Really." in listed and "4 tip(s) to decide" in listed
    assert TIPSTER not in listed and "192.0.2.1" not in listed
    assert TIPSTER in CliRunner().invoke(cli, ["tips", "--contacts", "--config", str(config.source)]).output
    said = cli_run(config, "tips", "accept", str(ids[0]))
    assert "accepted into issue 1" in said and said.strip().endswith("The pier is sold.")
    cli_run(config, "tips", "accept", str(ids[1]), "--text", "  The mayor\n may resign. ")
    assert "marked as being checked" in cli_run(config, "tips", "check", str(ids[2]))
    assert "discarded" in cli_run(config, "tips", "discard", str(ids[3]))
    listed = CliRunner().invoke(cli, ["tips", "--config", str(config.source)]).output
    assert f"#{ids[2]}" in listed and "checking" in listed and "1 tip(s) to decide" in listed
    drafts_file = (config.drafts.dir / "issue-0001.toml").read_text(encoding="utf-8")
    assert 'hearing = [\n  "The pier is sold.",\n  "The mayor may resign.",\n]' in drafts_file
    missing = CliRunner().invoke(cli, ["tips", "accept", "999", "--config", str(config.source)])
    assert missing.exit_code == 1 and "no tip 999" in missing.output
    empty = CliRunner().invoke(cli, ["tips", "accept", str(ids[2]), "--text", " ", "--config", str(config.source)])
    assert empty.exit_code == 1 and "no text" in empty.output


def test_accepting_the_same_line_twice_writes_it_once(tmp_path):
    config = make_project(tmp_path, "")
    with Store(config.store_url) as store:
        first = pipeline.submit_tip(config, store, "Same words.", "", "", now=NOW)
        second = pipeline.submit_tip(config, store, "Same words.", "", "", now=NOW)
        pipeline.accept_tip(config, store, first, now=NOW)
        pipeline.accept_tip(config, store, second, now=NOW)
    assert (config.drafts.dir / "issue-0001.toml").read_text().count("Same words.") == 1


def test_tips_are_purged_as_each_verb_runs(tmp_path):
    config = make_project(tmp_path, "keep_source_days = 1\nkeep_days = 2")
    with Store(config.store_url) as store:
        number = pipeline.submit_tip(config, store, "Old.", TIPSTER, "192.0.2.1", now=NOW)
        assert [t.id for t in pipeline.list_tips(config, store, now=NOW + dt.timedelta(days=1))] == [number]
        assert store.tips.source(number) is not None
        assert pipeline.list_tips(config, store, now=NOW + dt.timedelta(days=1, seconds=1))[0].id == number
        assert store.tips.source(number) is None
        assert pipeline.list_tips(config, store, now=NOW + dt.timedelta(days=2, seconds=1)) == []


# --- the form on `newsletter serve` --------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def served(tmp_path, monkeypatch):
    """`newsletter serve`'s app under uvicorn in a thread, with a clock the test moves."""
    from sendkit import Site

    from newsletter.web import create_app

    monkeypatch.setenv("NEWSLETTER_SECRET", "tips-test-secret-0123456789")
    config = make_project(tmp_path, "rate_limit = 2\nrate_seconds = 60\nmax_chars = 100")
    clock = Clock()
    with Store(config.store_url) as store, Site(create_app(config, store, clock=clock)) as site:
        yield f"http://127.0.0.1:{site.port}/tip", clock, store


def post(url: str, **fields) -> tuple[int, str]:
    data = urllib.parse.urlencode(fields).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_the_form_takes_a_tip_and_says_nothing_of_others(served):
    url, _, store = served
    with urllib.request.urlopen(url, timeout=10) as page:
        form = page.read().decode()
    assert 'name="text"' in form and 'name="website"' in form and 'aria-hidden="true"' in form
    first = post(url, text="The pier is to be sold.", contact=TIPSTER)
    second = post(url, text="Something else entirely, longer.", contact="")
    assert first == second and first[0] == 200 and "Thank you" in first[1]
    assert "pier" not in first[1] and TIPSTER not in first[1]
    tips = store.tips.open()
    assert [t.text for t in tips] == ["The pier is to be sold.", "Something else entirely, longer."]
    assert store.tips.source(tips[0].id) == Source(TIPSTER, "", "127.0.0.1")
    assert {t.channel for t in tips} == {"form"}


def test_the_form_is_rate_limited_per_client_in_a_window(served):
    url, clock, store = served
    assert post(url, text="One.")[0] == 200 and post(url, text="Two.")[0] == 200
    refused = post(url, text="Three.", contact="x@example.org")
    assert refused[0] == 429 and "try again later" in refused[1] and "Three." in refused[1]
    clock.now += dt.timedelta(seconds=61)
    assert post(url, text="Four.")[0] == 200
    assert [t.text for t in store.tips.open()] == ["One.", "Two.", "Four."]


def test_robots_and_oversized_or_empty_tips_are_not_kept(served):
    url, clock, store = served
    robot = post(url, text="Buy now.", website="http://spam.example")
    assert robot[0] == 200 and "Thank you" in robot[1]
    too_long = post(url, text="x" * 101)
    assert too_long[0] == 400 and "101 characters, over the 100-character limit" in too_long[1]
    huge = post(url, text="x" * 2000)
    assert huge[0] == 413 and "at most 100 characters" in huge[1]
    empty = post(url, text=" \r\n ")
    assert empty[0] == 400 and "no text" in empty[1]
    clock.now += dt.timedelta(seconds=61)  # a refused tip counts against the limit too: trying costs the same
    assert post(url, text="ok", contact="c" * 321)[0] == 400
    assert store.tips.open() == []


@pytest.mark.parametrize("readable", [True, False])
def test_the_schedule_takes_tips_before_composing(tmp_path, smtp_server, readable, caplog):
    """The editor finds the night's tips beside the new draft; a mailbox that cannot be read is a log
    line naming no tipster, and the draft is composed all the same."""
    from schedulekit import at
    from schedulekit import make_project as schedule_project
    from shellkit import on_store

    from newsletter.pipeline import run_due

    path = schedule_project(tmp_path, smtp_server.port)
    with path.open("a", encoding="utf-8") as f:
        f.write(f'[tips]\nmaildir = "{"Maildir" if readable else "missing"}"\n')
    mailbox.Maildir(tmp_path / "Maildir", create=True)
    deliver(tmp_path / "Maildir", plain())
    deliver(tmp_path / "Maildir", MAILS["broken-mime"][0])
    caplog.set_level("INFO", logger="newsletter.schedule")
    assert on_store(run_due, config_module.load(path), now=at(2024, 4, 1, 5, 0)).action == "composed"
    with Store(config_module.load(path).store_url) as store:
        assert [t.text for t in store.tips.open()] == ([USABLE["plain"]] if readable else [])
    logged = caplog.text
    assert ("broken MIME" in logged) if readable else ("tips not read" in logged)
    assert TIPSTER not in logged and TIPSTER_NAME not in logged


def test_the_tips_panel_changes_state_only_by_a_same_site_post(tmp_path):
    from sendkit import Site

    from newsletter.web.preview import create_preview_app

    config = make_project(tmp_path, "")
    with Store(config.store_url) as store:
        kept = pipeline.submit_tip(config, store, "Kept.", "", "", now=NOW)
        gone = pipeline.submit_tip(config, store, "Gone.", "", "", now=NOW)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with Site(create_preview_app(config)) as site:
        assert site.request("GET", f"/draft/tips?tip={kept}&action=discard")[0] == 405
        forged = site.request(
            "POST", "/draft/tips", f"tip={kept}&action=discard".encode(), {**form, "Origin": "http://evil.example"}
        )
        assert forged[0] == 403
        done = site.request("POST", "/draft/tips", f"tip={gone}&action=discard".encode(), form)
        assert done[0] == 303
        unknown = site.request("POST", "/draft/tips", b"tip=x&action=discard", form)
        assert unknown[0] == 303
    with Store(config.store_url) as store:
        assert [t.id for t in store.tips.open()] == [kept]
