"""`newsletter send` against a real SMTP server (aiosmtpd on 127.0.0.1) and a real ledger on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from email.utils import parseaddr
from pathlib import Path

import pytest
from click.testing import CliRunner
from sendkit import BASE_URL, NOW, SECRET, add_people, draft_issue, ledger, load, make_project
from shellkit import on_store

from newsletter import pipeline
from newsletter.cli import cli
from newsletter.deliver.smtp import RateLimit
from newsletter.errors import DeliverError, StoreError
from newsletter.store import Store

DATA = Path(__file__).parent / "data"  # keys and a certificate made for these tests only


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)


@pytest.fixture
def project(tmp_path, smtp_server, store_url):
    path = make_project(tmp_path, smtp_server.port, store_url=store_url)
    draft_issue(path)
    return path


def send(path, **kwargs):
    pauses = kwargs.pop("pauses", [])
    return on_store(pipeline.send, load(path), sleep=pauses.append, **kwargs)


def test_each_active_subscriber_gets_one_personalised_message(project, smtp_server):
    people = add_people(project, 6)
    with Store(load(project).store_url) as store:
        store.subscribers.unsubscribe(3, store.issues.draft().updated, "test")  # person2 left before the send
    result = send(project)
    assert result.complete and result.summary.counts["sent"] == 5
    expected = [p for p in people if p != "person2@example.com"]
    assert sorted(r.recipient for r in smtp_server.received) == sorted(expected)
    rows = ledger(project)
    for received in smtp_server.received:
        message = received.message
        assert parseaddr(str(message["To"]))[1] == received.recipient
        assert message["To"].addresses[0].display_name.startswith("Person ")
        assert rows[received.recipient] == ("sent", message["Message-ID"], 0)
        assert message["Message-ID"].endswith("@example.org>")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["List-Id"] == "The Test eLetter <eletter.example.org>"
        https, mailto = [link.strip(" <>") for link in str(message["List-Unsubscribe"]).split(",")]
        assert https.startswith(f"{BASE_URL}/unsubscribe/") and "@" not in https
        assert mailto.startswith("mailto:unsubscribe@example.org?subject=unsubscribe")
        text, html = (part.get_content() for part in message.iter_parts())
        assert https in text and f'href="{https}"' in html
    assert "person2@example.com" not in rows
    with Store(load(project).store_url) as store:
        assert [item for item, _ in store.items.pool()] == []  # the sent issue's items are spent
        assert store.issues.current() is None


def test_a_sent_issue_is_sent_again_only_with_force(project, smtp_server):
    add_people(project, 2)
    first = send(project)
    assert first.complete
    with pytest.raises(StoreError, match="issue 1 was sent on .*--force"):
        send(project, issue=1)
    again = send(project, issue=1, force=True)
    assert again.complete and again.summary.counts["sent"] == 2
    ids = [r.message["Message-ID"] for r in smtp_server.received]
    assert len(ids) == 4 and len(set(ids)) == 4  # a forced round gets new Message-IDs


@pytest.mark.parametrize("pipelining", [True, False])
def test_replies_and_dropped_connections(project, smtp_server, pipelining):
    smtp_server.pipelining = pipelining
    add_people(project, 5)
    smtp_server.reply("rcpt", "person0@example.com", "451 4.7.1 greylisted", "451 4.7.1 greylisted")
    smtp_server.reply("rcpt", "person1@example.com", "550 5.1.1 no such user")
    smtp_server.reply("data", "person2@example.com", "drop")
    smtp_server.reply("rcpt", "person3@example.com", "421 4.3.2 shutting down")
    smtp_server.reply("rcpt", "person4@example.com", *["451 4.3.0 try later"] * 4)
    pauses = []
    result = send(project, pauses=pauses)
    rows = {a: s for a, (s, _, _) in ledger(project).items()}
    # a 421 closes the line: read as the reply (deferred) or, when the close wins, as a drop (tried again at once)
    closed = {"pending": 0, "sent": 1}[rows.pop("person3@example.com")]
    assert rows == {  # 4xx answers are deferred: pending, for later
        "person0@example.com": "pending",
        "person1@example.com": "bounced",
        "person2@example.com": "sent",
        "person4@example.com": "pending",
    }
    assert (
        sorted(r.recipient for r in smtp_server.received) == ["person2@example.com"] + ["person3@example.com"] * closed
    )
    assert result.summary.failures == (("person1@example.com", "bounced", "550 5.1.1 no such user"),)
    assert result.summary.counts["deferred"] == 3 - closed and not result.complete
    assert pauses == [1] * (1 + closed)  # only dropped connections are tried again at once (injected: no waiting)
    with Store(load(project).store_url) as store:
        assert [s.status for s in store.subscribers.all()] == ["active", "bounced", "active", "active", "active"]
    assert smtp_server.connections >= 4  # the drop and the 421 each cost a new connection


def test_dry_run_counts_and_shows_a_sample_without_sending(project, smtp_server):
    add_people(project, 3)
    result = send(project, dry_run=True)
    assert result.recipients == 3 and smtp_server.received == []
    assert b"To: Person 0 <person0@example.com>" in result.sample
    with Store(load(project).store_url) as store:
        assert store.issues.draft().number == 1 and ledger(project) == {}


def test_the_dry_run_command_prints_counts_first_recipients_headers_and_a_file(project, smtp_server):
    add_people(project, 7)
    with Store(load(project).store_url) as store:
        store.subscribers.unsubscribe(1, NOW, "unsubscribed (test)")
    result = CliRunner().invoke(cli, ["send", "--dry-run", "--config", str(project)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1:3] == [
        "  6 active subscriber(s) would get it; 1 unsubscribed or bounced would not",
        "  first: person1@example.com, person2@example.com, person3@example.com, "
        "person4@example.com, person5@example.com and 1 more",
    ]  # person0 (id 1) left
    assert lines[3] == "Headers of the message to person1@example.com:"
    assert (
        "  To: Person 1 <person1@example.com>" in lines
        and "  List-Unsubscribe-Post: List-Unsubscribe=One-Click" in lines
    )
    sample = Path(lines[-1].removeprefix("The whole message: "))
    sample = sample if sample.is_absolute() else Path.cwd() / sample
    assert sample == project.parent / "out" / "issue-0001.dry-run.eml"
    assert b"To: Person 1 <person1@example.com>" in sample.read_bytes() and len(lines) < 20
    assert smtp_server.received == []


def test_a_test_message_goes_to_one_address_outside_the_ledger(project, smtp_server):
    add_people(project, 3)
    result = send(project, test_address="Editor@Example.org")
    [received] = smtp_server.received
    assert received.recipient == "Editor@example.org"
    assert received.message["Subject"] == f"[TEST] {send(project, dry_run=True).subject}"
    assert result.test_reply.startswith("250") and ledger(project) == {}


def test_sending_needs_the_secret(project, monkeypatch):
    add_people(project, 1)
    monkeypatch.delenv("NEWSLETTER_SECRET")
    with pytest.raises(DeliverError, match="NEWSLETTER_SECRET is not set"):
        send(project)


def test_an_unreachable_server_stops_the_send_and_keeps_everyone_pending(tmp_path, smtp_server):
    path = make_project(tmp_path, 1)  # nothing listens on port 1
    draft_issue(path)
    add_people(path, 3)
    result = send(path)
    assert "cannot connect" in result.run.error and not result.complete
    assert {s for s, _, _ in ledger(path).values()} == {"pending"}


def test_the_command_prints_a_summary(project, smtp_server):
    add_people(project, 2)
    smtp_server.reply("rcpt", "person1@example.com", "550 5.1.1 no such user")
    result = CliRunner().invoke(cli, ["send", "--config", str(project)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Issue 1: The Test eLetter")
    assert lines[1:6] == [
        "  sent     1",
        "  failed   0",
        "  bounced  1",
        "  skipped  0",
        "  deferred 0",
    ]
    assert lines[6].startswith("This run: 2 message(s) in ")
    archive = Path(project).parent / "archive"
    assert lines[7:] == [
        "bounced: person1@example.com: 550 5.1.1 no such user",
        f"Issue 1 is sent; archive: 3 file(s) in {archive}",
    ]
    page = (archive / "issue-0001.html").read_text(encoding="utf-8")
    assert "The Test eLetter" in page and "unsubscribe" not in page.lower()


def test_rate_limit_spaces_messages():
    clock = [0.0]
    limit = RateLimit(4, clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s))
    for _ in range(9):
        limit.wait()
    assert clock[0] == pytest.approx(2.0)  # 9 messages at 4 per second: the 9th goes at 2 s


def command(path):
    return [sys.executable, "-m", "newsletter", "send", "--config", str(path)]


def test_kill_9_mid_send_then_resume_loses_nobody(project, smtp_server):
    people = add_people(project, 40)
    env = {**os.environ, "NEWSLETTER_SECRET": SECRET}
    sender = []
    smtp_server.on_message = lambda count: count == 12 and os.kill(sender[0].pid, signal.SIGKILL)
    sender.append(subprocess.Popen(command(project), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    sender[0].communicate(timeout=60)
    assert sender[0].returncode == -signal.SIGKILL
    smtp_server.on_message = None
    before = ledger(project)
    in_flight = {a for a, (status, _, _) in before.items() if status == "sending"}
    assert in_flight and "pending" in {s for s, _, _ in before.values()}

    done = subprocess.run(command(project), env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    after = ledger(project)
    assert {s for s, _, _ in after.values()} == {"sent"}
    got = [r.recipient for r in smtp_server.received]
    assert sorted(set(got)) == sorted(people)  # nobody skipped
    twice = {a for a in got if got.count(a) > 1}
    assert twice <= in_flight  # duplicates only from the in-flight window...
    assert {a for a, (_, _, crashes) in after.items() if crashes} == in_flight
    assert "In flight at a crash, so sent again (may have it twice): " + str(len(in_flight)) in done.stdout
    for address in in_flight:  # ...and they are listed
        assert f"  {address}" in done.stdout.splitlines()
    for received in smtp_server.received:  # the ledger names the Message-ID the server got
        assert after[received.recipient][1] == received.message["Message-ID"]


def test_two_senders_on_one_issue_never_send_to_the_same_person(tmp_path, smtp_server, store_url):
    project = make_project(tmp_path, smtp_server.port, store_url=store_url, rate_limit=40)  # both take part
    draft_issue(project)
    people = add_people(project, 80)
    env = {**os.environ, "NEWSLETTER_SECRET": SECRET}
    senders = [
        subprocess.Popen(command(project), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    shares = []
    for sender in senders:
        out, err = sender.communicate(timeout=60)
        assert sender.returncode == 0, err
        shares.append(int(out.split("This run: ")[1].split()[0]))
    assert sum(shares) == 80 and min(shares) > 0
    got = [r.recipient for r in smtp_server.received]
    assert sorted(got) == sorted(people)
    assert {s for s, _, _ in ledger(project).values()} == {"sent"}


def test_dkim_signature_covers_the_unsubscribe_headers(tmp_path, smtp_server):
    import dkim

    path = make_project(tmp_path, smtp_server.port, dkim_key_file=str(DATA / "dkim-test-key.pem"), dkim_selector="test")
    draft_issue(path)
    add_people(path, 1)
    assert send(path).complete
    [received] = smtp_server.received
    record = (DATA / "dkim-test-key.txt").read_bytes().strip()
    asked = []
    assert dkim.verify(received.data, dnsfunc=lambda name, timeout=5: asked.append(name) or record)
    assert asked == [b"test._domainkey.example.org."]
    signed = received.message["DKIM-Signature"].replace(" ", "").split("h=")[1].split(";")[0].split(":")
    assert {"list-unsubscribe", "list-unsubscribe-post", "to", "message-id"} <= set(signed)


@pytest.fixture
def tls_server():
    """aiosmtpd requiring STARTTLS, with a self-signed certificate for 127.0.0.1 made for these tests."""
    import ssl

    from smtp_server import LoopbackController, Recorder

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(DATA / "smtp-test-cert.pem", DATA / "smtp-test-key.pem")
    recorder = Recorder()
    controller = LoopbackController(recorder, hostname="127.0.0.1", port=0, tls_context=context, require_starttls=True)
    controller.start()
    recorder.port = controller.port
    yield recorder
    controller.stop()


def test_starttls_checks_the_certificate(tmp_path, tls_server, monkeypatch):
    path = make_project(tmp_path, tls_server.port, security="starttls")
    draft_issue(path)
    add_people(path, 1)
    refused = send(path)
    assert "TLS failed" in refused.run.error and "certificate verify failed" in refused.run.error
    assert tls_server.received == [] and ledger(path)["person0@example.com"][0] == "pending"
    monkeypatch.setenv("SSL_CERT_FILE", str(DATA / "smtp-test-cert.pem"))  # now the test CA is trusted
    assert send(path).complete and len(tls_server.received) == 1


def test_an_issue_check_finds_errors_in_is_refused_naming_them_unless_forced(project, smtp_server):
    add_people(project, 2)
    override = project.parent / "mine" / "email" / "_overflow.html"
    override.parent.mkdir(parents=True)
    override.write_text('<tr><td><a href="javascript:alert(1)">Win a prize</a></td></tr>\n', encoding="utf-8")
    with project.open("a", encoding="utf-8") as config:
        config.write('[templates]\ndir = "mine"\n')
    result = CliRunner().invoke(cli, ["send", "--config", str(project)])
    assert result.exit_code == 1 and smtp_server.received == []
    assert (
        "Error: issue 1 has 1 check error(s), so it is not sent: <a href=\"javascript:alert(1)\"> 'Win a prize'"
        in result.output
    )
    assert "--force sends it anyway" in result.output
    with Store(load(project).store_url) as store:
        assert store.issues.draft().number == 1  # nothing frozen, nothing spent
    assert send(project, force=True).complete and len(smtp_server.received) == 2


@pytest.mark.parametrize("security, built", [("none", 0), ("starttls", 1)])
def test_one_tls_context_per_send_and_none_without_tls(tmp_path, tls_server, smtp_server, monkeypatch, security, built):
    """Building a TLS context costs ~40 ms: once per send however many connections, never for security = none."""
    import ssl

    made = []
    real = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: made.append(1) or real(*a, **k))
    monkeypatch.setenv("SSL_CERT_FILE", str(DATA / "smtp-test-cert.pem"))
    server = tls_server if security == "starttls" else smtp_server
    path = make_project(tmp_path, server.port, security=security, connections=3)
    draft_issue(path)
    add_people(path, 6)
    assert send(path).complete and len(server.received) == 6
    assert len(made) == built and server.connections == 3 * (1 + built)  # EHLO again after STARTTLS


def test_deferred_recipients_are_delivered_by_a_later_resume_once_the_server_accepts(project, smtp_server):
    """451 (greylisting) defers with a backoff of minutes; 550 bounces at once; `send --resume` before the
    retry time sends nothing, after it delivers; the ledger keeps when it was first deferred."""
    import datetime as dt

    from newsletter.deliver.dispatch import FIRST_WAIT

    people = add_people(project, 6)
    for n in (1, 3):
        smtp_server.reply("rcpt", people[n], "451 4.7.1 greylisted, come back later")
    smtp_server.reply("rcpt", people[4], "550 5.1.1 no such user")
    smtp_server.reply("rcpt", people[5], *["452 4.2.2 mailbox full"] * 2)
    start = dt.datetime.now(dt.timezone.utc)
    first = send(project, now=start, jitter=lambda: 1.0)
    assert first.summary.counts["deferred"] == 3 and first.summary.counts["sent"] == 2 and not first.complete
    assert start + FIRST_WAIT <= first.summary.next_retry < start + FIRST_WAIT + dt.timedelta(minutes=1)
    too_soon = send(project, now=start + dt.timedelta(minutes=2), resume=True)
    assert sum(too_soon.run.counts.values()) == 0 and len(smtp_server.received) == 2

    later = send(project, now=start + dt.timedelta(minutes=6), resume=True, jitter=lambda: 1.0)
    assert sorted(r.recipient for r in smtp_server.received) == sorted(people[n] for n in (0, 1, 2, 3))
    assert later.summary.counts["deferred"] == 1 and not later.complete  # the full mailbox, once more
    waited = later.summary.next_retry - (start + dt.timedelta(minutes=6))
    assert dt.timedelta(minutes=5) < waited < dt.timedelta(minutes=7)  # as long as it has waited so far
    shown = CliRunner().invoke(cli, ["status", "--config", str(project)])
    assert shown.exit_code == 0 and "Deferred:     1 recipient(s) answered 4xx; next retry " in shown.output
    last = send(project, now=start + dt.timedelta(minutes=20), resume=True)
    assert last.complete and len(smtp_server.received) == 5
    assert ledger(project)[people[4]][0] == "bounced"
    with pytest.raises(DeliverError, match="no send is under way"):
        send(project, resume=True)


def test_a_recipient_still_deferred_after_retry_for_hours_fails(tmp_path, smtp_server):
    import datetime as dt

    path = make_project(tmp_path, smtp_server.port, retry_for_hours=1)
    draft_issue(path)
    [person] = add_people(path, 1)
    smtp_server.reply("rcpt", person, *["451 4.7.1 try later"] * 10)
    start = dt.datetime.now(dt.timezone.utc)
    moments = [start]
    while True:
        result = send(path, now=moments[-1], resume=len(moments) > 1)
        if result.complete:
            break
        assert result.summary.next_retry <= start + dt.timedelta(hours=1, seconds=5)  # the last try: the deadline
        moments.append(result.summary.next_retry + dt.timedelta(seconds=1))
    assert 4 <= len(moments) <= 6  # 5, 5, 10, 20 minutes (jittered), then the deadline
    status, reply = ledger(path)[person][0], result.summary.failures[0][2]
    assert status == "failed" and "451 4.7.1 try later (given up after 1 h)" == reply


def test_a_dry_run_counts_and_shows_no_reader_who_is_pausing(project, smtp_server):
    """A real send skips a pausing reader (the ledger says so); the dry run's counts and first names agree."""
    people = add_people(project, 4)
    with Store(load(project).store_url) as store:
        ada = store.subscribers.find(people[1])
        store.subscribers.pause(ada.id, ada.key, dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=7), NOW)
    result = CliRunner().invoke(cli, ["send", "--dry-run", "--config", str(project)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:3] == [
        "  3 active subscriber(s) would get it; 0 unsubscribed or bounced would not; 1 pausing would not",
        "  first: person0@example.com, person2@example.com, person3@example.com",
    ]
