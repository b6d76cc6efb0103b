"""Bounces, complaints and unsubscribe mails: a real send through aiosmtpd (some RCPTs 550, some 451),
then a Maildir filled with the reports real servers write about it (tests/bouncekit.py); after
`bounces fetch` the statuses, the evidence, and the next send skipping those people."""

from __future__ import annotations

import mailbox
import secrets

import bouncekit
import pytest
from click.testing import CliRunner
from projectkit import write_config
from sendkit import SECRET, add_people, draft_issue, ledger, load, project_data
from shellkit import on_store

from newsletter import pipeline
from newsletter.cli import cli
from newsletter.deliver.bounces import Reader
from newsletter.deliver.tokens import Tokens
from newsletter.sources.mailbox import parse
from newsletter.store import Store

BOUNCE_ADDRESS = "bounces+{token}@example.org"


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)


def project(tmp_path, port, *, soft_limit=2, mailbox_location="Maildir", **smtp):
    data = project_data(port, bounce_address=BOUNCE_ADDRESS, **smtp)
    bounces = {"mailbox": mailbox_location, "soft_limit": soft_limit, "max_message_kb": 64}
    return write_config(tmp_path, data | {"bounces": bounces})


def deliver(folder, raw: bytes) -> None:
    (folder / "new" / f"{secrets.token_hex(8)}.test").write_bytes(raw)


def statuses(path) -> dict[str, str]:
    with Store(load(path).store_url) as store:
        return {s.email: s.status for s in store.subscribers.all()}


@pytest.fixture
def sent(tmp_path, smtp_server):
    """Issue 1 sent to person0..9: person1's server says 550 at RCPT, person2's 451 (deferred)."""
    path = project(tmp_path, smtp_server.port)
    draft_issue(path)
    people = add_people(path, 10)
    smtp_server.reply("rcpt", people[1], "550 5.1.1 no such user")
    smtp_server.reply("rcpt", people[2], "451 4.7.1 greylisted")
    result = on_store(pipeline.send, load(path), sleep=lambda _: None)
    assert result.summary.counts["deferred"] == 1 and result.summary.counts["bounced"] == 1
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    return path, people, {r.recipient: r for r in smtp_server.received}, tmp_path / "Maildir", box


def test_each_report_shape_acts_on_its_subscriber_and_keeps_the_evidence(sent, smtp_server):
    path, people, received, folder, _ = sent
    mail = {n: received[people[n]] for n in (3, 4, 5, 6, 7, 8, 9)}
    assert len({m.sender for m in mail.values()}) == 7  # VERP: one return path per recipient
    assert all(m.sender.startswith("bounces+") and m.sender.endswith("@example.org") for m in mail.values())
    deliver(folder, bouncekit.postfix(mail[3].data, mail[3].sender, people[3]))
    deliver(folder, bouncekit.exim(mail[4].data, "bounces@example.org", people[4]))  # found by the returned Message-ID
    deliver(folder, bouncekit.exchange(mail[5].data, mail[5].sender, people[5]))
    deliver(folder, bouncekit.gmail(mail[6].data, mail[6].sender, people[6]))  # 4.2.2 over quota: soft
    deliver(folder, bouncekit.arf(mail[7].data, "fbl@example.org", None))  # redacted: found by its unsubscribe token
    deliver(folder, bouncekit.unsubscribe_mail(mail[8].data, "unsubscribe@example.org", people[8]))
    deliver(folder, b"From: someone@example.net\r\nTo: bounces@example.org\r\nSubject: thanks!\r\n\r\nlovely issue\r\n")
    deliver(folder, b"\x00\xff\xfe garbage \r\n\r\n" + bytes(range(256)))
    deliver(folder, b"Subject: huge\r\n\r\n" + b"x" * 70_000)
    result = CliRunner().invoke(cli, ["bounces", "fetch", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{people[3]}: hard -> bounced" in result.output
    assert "Read 8 message(s): 6 about subscribers, 0 about nobody on the list, 2 not a report" in result.output
    assert "over the 65536-byte limit; set aside" in result.output
    now = statuses(path)
    assert [now[people[n]] for n in range(10)] == [
        "active",
        "bounced",
        "active",
        "bounced",
        "bounced",
        "bounced",
        "active",
        "unsubscribed",
        "unsubscribed",
        "active",
    ]
    with Store(load(path).store_url) as store:
        evidence = {n: store.bounces.evidence(n + 1) for n in (3, 4, 5, 6, 7, 8)}
    assert [(e[0]["kind"], e[0]["code"], e[0]["issue"]) for e in evidence.values()] == [
        ("hard", "5.1.1", 1),
        ("hard", "5.1.1", 1),
        ("hard", "5.1.10", 1),
        ("soft", "4.2.2", 1),
        ("complaint", "", 1),
        ("unsubscribe", "", None),
    ]
    assert "User unknown" in evidence[3][0]["detail"] and "RecipientNotFound" in evidence[5][0]["detail"]
    assert not list((folder / "new").iterdir()) and len(list((folder / "cur").iterdir())) == 9

    again = on_store(pipeline.fetch_bounces, load(path))
    assert again.read == 0 and not again.changes  # each message is read once


def test_the_next_issue_skips_them_and_soft_bounces_in_a_row_bounce(sent, smtp_server):
    path, people, received, folder, _ = sent
    deliver(folder, bouncekit.postfix(received[people[3]].data, received[people[3]].sender, people[3]))
    deliver(folder, bouncekit.gmail(received[people[6]].data, received[people[6]].sender, people[6]))
    on_store(pipeline.fetch_bounces, load(path))
    assert statuses(path)[people[6]] == "active"  # one soft bounce of soft_limit = 2
    smtp_server.received.clear()
    draft_issue(path, 2)
    on_store(pipeline.send, load(path), issue=2)
    second = {r.recipient: r for r in smtp_server.received}
    assert people[3] not in second and people[1] not in second and people[6] in second
    # the same report delivered twice (a copy with the same Message-ID) changes nothing more
    report = bouncekit.gmail(second[people[6]].data, second[people[6]].sender, people[6])
    deliver(folder, report)
    deliver(folder, report)
    result = on_store(pipeline.fetch_bounces, load(path))
    assert result.changes == [(people[6], "soft", "bounced")] and result.read == 1
    assert ledger(path, 2)[people[6]][0] == "sent" and statuses(path)[people[6]] == "bounced"


def test_a_soft_bounce_after_a_delivered_issue_starts_the_count_again(sent, smtp_server):
    path, people, received, folder, _ = sent
    deliver(folder, bouncekit.gmail(received[people[6]].data, received[people[6]].sender, people[6]))
    on_store(pipeline.fetch_bounces, load(path))
    for number in (2, 3):  # issue 2 arrives (no bounce); issue 3 soft-bounces: one in a row, not two
        smtp_server.received.clear()
        draft_issue(path, number)
        on_store(pipeline.send, load(path), issue=number)
    latest = {r.recipient: r for r in smtp_server.received}[people[6]]
    deliver(folder, bouncekit.gmail(latest.data, latest.sender, people[6]))
    on_store(pipeline.fetch_bounces, load(path))
    assert statuses(path)[people[6]] == "active"


def test_forged_tokens_and_strangers_change_nobody(sent):
    path, people, received, folder, _ = sent
    forged = received[people[3]].sender.replace("bounces+", "bounces+A")[:-1]
    other = Tokens(SECRET, "unsubscribe").make(4)  # an unsubscribe token is no bounce token
    deliver(
        folder,
        bouncekit.postfix(
            b"Message-ID: <not-ours@example.net>\r\n\r\n", f"bounces+{other}@example.org", "stranger@example.net"
        ),
    )
    deliver(folder, bouncekit.postfix(b"Subject: x\r\n\r\n", forged, "nobody@example.net"))
    result = on_store(pipeline.fetch_bounces, load(path))
    assert result.unknown == 2 and not result.changes
    assert list(statuses(path).values()).count("active") == 9  # all but the one refused at RCPT


@pytest.mark.parametrize("shape", ["postfix", "exchange", "gmail", "exim", "arf"])
def test_every_shape_is_read_whatever_the_recipient_and_code(shape):
    """The classifier over generated variations: addresses, codes, redaction; VERP decides who."""
    tokens, unsubscribe = Tokens(SECRET, "bounce"), Tokens(SECRET)
    reader = Reader(tokens, unsubscribe, BOUNCE_ADDRESS, "unsubscribe@example.org")
    for n in range(1, 40, 7):
        recipient = f"r{n}.x+y@sub{n}.example.com"
        original = (
            f"To: R <{recipient}>\r\nMessage-ID: <{n}.abc@example.org>\r\nList-Unsubscribe: "
            f"<https://e.example.org/unsubscribe/{unsubscribe.make(n)}>\r\n\r\nhello\r\n"
        ).encode()
        to = BOUNCE_ADDRESS.replace("{token}", tokens.make(n))
        kwargs = {
            "gmail": {"status": "5.1.1" if n % 2 else "4.2.2"},
            "exim": {"code": "550 5.1.1" if n % 2 else "452 4.2.2"},
            "postfix": {"status": "5.7.1" if n % 2 else "4.4.7"},
        }.get(shape, {})
        if shape == "arf":  # every third complaint has the recipient redacted
            raw = bouncekit.arf(original, to, recipient if n % 3 else None)
        else:
            raw = getattr(bouncekit, shape)(original, to, recipient, **kwargs)
        report = reader.classify(parse(raw, "k").message)
        assert report.subscriber == n
        expected = "complaint" if shape == "arf" else "hard" if shape == "exchange" or n % 2 else "soft"
        assert report.kind == expected, raw.decode()
        if shape != "arf":
            assert recipient.lower() in report.addresses and report.code
        assert f"<{n}.abc@example.org>" in report.message_ids
        assert "\n" not in report.detail and "\r" not in report.detail and len(report.detail) <= 300


def test_the_same_reports_over_imap_from_dovecot(tmp_path, smtp_server, imap, monkeypatch):
    """IMAP over TLS (the certificate checked against the test CA): reports read once, flagged seen."""
    import imaplib

    from imapserver import DATA

    for leftover in (imap.maildir / "new").iterdir():
        leftover.unlink()
    path = project(tmp_path, smtp_server.port, mailbox_location=imap.url)
    draft_issue(path)
    people = add_people(path, 4)
    on_store(pipeline.send, load(path))
    received = {r.recipient: r for r in smtp_server.received}
    deliver(imap.maildir, bouncekit.postfix(received[people[0]].data, received[people[0]].sender, people[0]))
    deliver(imap.maildir, bouncekit.arf(received[people[1]].data, "fbl@example.org", people[1]))
    deliver(imap.maildir, bouncekit.exim(received[people[2]].data, received[people[2]].sender, people[2], "452 4.2.2"))
    deliver(imap.maildir, b"Subject: too big\r\n\r\n" + b"y" * 70_000)
    monkeypatch.setenv("NEWSLETTER_BOUNCES_PASSWORD", imap.password)
    refused = CliRunner().invoke(cli, ["bounces", "fetch", "--config", str(path)])
    assert refused.exit_code == 1 and "certificate verify failed" in refused.output  # the test CA is not trusted yet
    monkeypatch.setenv("SSL_CERT_FILE", str(DATA / "smtp-test-cert.pem"))
    result = CliRunner().invoke(cli, ["bounces", "fetch", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert "Read 3 message(s): 3 about subscribers" in result.output and "set aside" in result.output
    assert [statuses(path)[p] for p in people] == ["bounced", "unsubscribed", "active", "active"]
    assert on_store(pipeline.fetch_bounces, load(path)).read == 0
    with imaplib.IMAP4_SSL("127.0.0.1", imap.port, ssl_context=imap.context) as box:
        box.login(imap.user, imap.password)
        box.select("INBOX")
        assert box.uid("SEARCH", None, "UNSEEN")[1] == [b""]  # all four flagged seen, the large one too
    monkeypatch.setenv("NEWSLETTER_BOUNCES_PASSWORD", "wrong")
    wrong = CliRunner().invoke(cli, ["bounces", "fetch", "--config", str(path)])
    assert wrong.exit_code == 1 and f"imaps://127.0.0.1:{imap.port}/INBOX" in wrong.output


@pytest.mark.parametrize("readable", [True, False])
def test_the_schedule_reads_the_mailbox_before_each_send(tmp_path, smtp_server, readable):
    """A bounce that arrived since the last issue keeps its address out of the next; a mailbox
    that cannot be read is a log line, and the send goes on."""
    from schedulekit import at
    from schedulekit import project_data as schedule_data

    from newsletter.pipeline import run_due

    bounces = {"mailbox": "Maildir" if readable else "missing"}
    path = write_config(tmp_path, schedule_data(smtp_server.port) | {"bounces": bounces})
    people = add_people(path, 3)
    folder = tmp_path / "Maildir"
    mailbox.Maildir(folder, create=True)
    deliver(folder, bouncekit.postfix(b"Subject: an older issue\r\n\r\n", "bounces@example.org", people[1]))
    assert on_store(run_due, load(path), now=at(2024, 4, 1, 5, 0)).action == "composed"
    sent = on_store(run_due, load(path), now=at(2024, 4, 1, 7, 0))
    got = sorted(r.recipient for r in smtp_server.received if r.recipient != "editor@example.org")
    assert sent.action == "sent"
    assert got == ([people[0], people[2]] if readable else people)


def test_an_unsubscribe_mail_needs_the_subscriptions_own_key_not_just_its_id(sent):
    """A genuine token for person3's id with another key (a deleted subscriber's, whose id was reused)
    or with none changes nobody; the real one unsubscribes person3 alone."""
    path, people, received, folder, _ = sent
    with Store(load(path).store_url) as store:
        person3 = store.subscribers.find(people[3])
    tokens = Tokens(SECRET)

    def mail(token: str) -> bytes:
        return (
            f"From: {people[3]}\r\nTo: unsubscribe@example.org\r\nSubject: unsubscribe {token}\r\n"
            f"Message-ID: <{secrets.token_hex(6)}@client.example>\r\n\r\nbye\r\n"
        ).encode()

    deliver(folder, mail(tokens.make(person3.id, "00" * 9)))
    deliver(folder, mail(tokens.make(person3.id)))
    result = on_store(pipeline.fetch_bounces, load(path))
    assert result.unknown == 2 and not result.changes and statuses(path)[people[3]] == "active"
    deliver(folder, mail(tokens.make(person3.id, person3.key)))
    assert on_store(pipeline.fetch_bounces, load(path)).changes == [(people[3], "unsubscribe", "unsubscribed")]
