"""The manage page and the mails behind it, in-process against the real app under uvicorn and a real
SMTP server (tests/test_signup_browser.py walks the same road in Chromium): each action, its answer,
what it changed, and what it mailed."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sendkit import NOW, SECRET, load
from signupkit import Mail, link_in
from test_signup import FORM, Clock, post, project, site

from newsletter.cli import cli
from newsletter.pipeline import signup
from newsletter.store.subscribers import NewSubscriber


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)


@pytest.fixture
def reader(tmp_path, smtp_server):
    """(server, store, clock, mail, manage path) for an active reader ada@example.org, named Ada."""
    path = project(tmp_path, smtp_server, mails_per_address=5)
    clock = Clock()
    store, server = site(path, clock)
    with store, server:
        who = store.subscribers.add(NewSubscriber("ada@example.org", "ada@example.org", "Ada"), NOW)
        link = signup.manage_link(load(path), who, NOW)
        assert link.startswith("https://eletter.example.org/manage/")
        yield server, store, clock, Mail(smtp_server), link.removeprefix("https://eletter.example.org"), path


def said(page: str) -> str:
    """The page's one notice or problem line, whole."""
    import re

    [line] = re.findall(r'<p role="(?:status|alert)"><strong>(.*?)</strong></p>', page, re.S)
    return line


def act(server, manage, **fields):
    status, _, page = post(server, manage, **fields)
    return status, page


def test_the_page_shows_the_subscription_and_only_post_changes_it(reader):
    server, store, clock, _, manage, _ = reader
    for method in ("GET", "HEAD"):
        assert server.request(method, manage)[0] == 200
    status, _, page = server.request("GET", manage)
    assert "ada@example.org" in page and "(Ada)" in page and "subscribed." in page
    assert 'name="action" value="unsubscribe"' in page and "Pause for 4 weeks" in page
    assert store.subscribers.find("ada@example.org").status == "active"


def test_rename_pause_resume_and_unsubscribe(reader):
    server, store, clock, _, manage, _ = reader
    status, page = act(server, manage, action="name", name="Ada\r\nBcc: x@example.org  Lovelace")
    assert status == 200 and "Your name is changed." in page
    assert store.subscribers.find("ada@example.org").name == "Ada Bcc: x@example.org Lovelace"  # one header line
    status, page = act(server, manage, action="pause", weeks="4")
    assert "Paused: no issues until Friday 29 March 2024." in page
    assert store.subscribers.find("ada@example.org").paused_until == NOW + dt.timedelta(weeks=4)
    assert "paused until Friday 29 March 2024" in page and "Resume now" in page
    for weeks in ("3", "-1", "x", ""):
        assert act(server, manage, action="pause", weeks=weeks)[0] == 400
    assert store.subscribers.find("ada@example.org").paused_until == NOW + dt.timedelta(weeks=4)
    status, page = act(server, manage, action="pause", weeks="0")
    assert "Resumed" in page and store.subscribers.find("ada@example.org").paused_until is None
    assert act(server, manage, action="nonsense")[0] == 400
    status, page = act(server, manage, action="unsubscribe")
    assert "You are unsubscribed" in page and "Subscribe again" in page
    who = store.subscribers.find("ada@example.org")
    assert (who.status, who.reason) == ("unsubscribed", "unsubscribed (manage page)")


def test_a_new_address_is_mailed_and_the_old_one_kept_until_it_is_confirmed(reader):
    server, store, clock, mail, manage, path = reader
    assert act(server, manage, action="address", email="not an address")[0] == 400
    status, page = act(server, manage, action="address", email="Ada@New.example.org")
    assert status == 200 and "confirmation link to Ada@new.example.org" in page and "to ada@example.org" in page
    sent = mail.wait("Ada@new.example.org")
    assert sent.message["Subject"] == "Please confirm your new address for The Test eLetter"
    assert "instead of ada@example.org" in sent.message.get_body(("plain",)).get_content()
    assert store.subscribers.find("ada@example.org").status == "active"
    confirm = link_in(sent, "confirm")
    status, _, page = server.request("POST", confirm, b"", FORM)
    assert "will come to Ada@new.example.org from now on" in page
    assert store.subscribers.find("ada@example.org") is None
    assert store.subscribers.find("ada@new.example.org").name == "Ada"
    shown = CliRunner().invoke(cli, ["subscribers", "show", "ada@new.example.org", "--config", str(path)]).output
    assert "change to Ada@new.example.org (was ada@example.org), from the 'manage page' form" in shown
    assert server.request("GET", manage)[0] == 200  # the manage link follows the subscription


def test_resubscribing_needs_a_fresh_confirmation(reader):
    server, store, clock, mail, manage, _ = reader
    act(server, manage, action="unsubscribe")
    status, page = act(server, manage, action="resubscribe")
    assert "follow it to subscribe again" in page
    confirm = link_in(mail.wait("ada@example.org"), "confirm")
    assert store.subscribers.find("ada@example.org").status == "unsubscribed"
    assert "You are subscribed" in server.request("POST", confirm, b"", FORM)[2]
    assert store.subscribers.find("ada@example.org").status == "active"


def test_signing_up_again_when_subscribed_mails_the_manage_link(reader):
    server, store, clock, mail, manage, _ = reader
    assert post(server, "/subscribe", email="ADA@example.org")[0] == 200
    sent = mail.wait("ada@example.org")
    assert sent.message["Subject"] == "Your link to manage The Test eLetter"
    assert server.request("GET", link_in(sent, "manage"))[0] == 200
    assert store.subscribers.find("ada@example.org").status == "active"


def test_the_general_manage_page_mails_only_subscribers_their_link(reader):
    server, store, clock, mail, manage, _ = reader
    assert "Manage your subscription" in server.request("GET", "/manage")[2]
    stranger = post(server, "/manage", email="stranger@example.org")
    known = post(server, "/manage", email="ada@example.org")
    assert stranger[0] == known[0] == 200
    assert stranger[2].replace("stranger@example.org", "X") == known[2].replace("ada@example.org", "X")
    sent = mail.wait("ada@example.org")
    assert server.request("GET", link_in(sent, "manage"))[0] == 200
    assert post(server, "/manage", email="nope")[0] == 400
    assert post(server, "/manage", email="ada@example.org", website="x")[0] == 200  # a robot: no mail
    assert post(server, "/manage", email="a@example.org", pad="x" * 5000)[0] == 413


def test_a_manage_link_expires_and_an_altered_one_does_not_work(reader):
    server, store, clock, _, manage, _ = reader
    assert server.request("GET", manage[:-2] + ("AA" if not manage.endswith("AA") else "BB"))[0] == 400
    clock.now = NOW + dt.timedelta(days=90)
    status, _, page = server.request("POST", manage, b"action=unsubscribe", FORM)
    assert status == 410 and "This link has expired" in page
    assert store.subscribers.find("ada@example.org").status == "active"


def test_the_editor_sees_counts_and_sign_ups(reader):
    server, store, clock, mail, manage, path = reader
    clock.now = dt.datetime.now(dt.timezone.utc)  # the command counts pauses as of the real now
    manage = signup.manage_link(load(path), store.subscribers.find("ada@example.org"), clock.now)
    post(server, "/subscribe", email="new@example.org")
    assert act(server, manage.removeprefix("https://eletter.example.org"), action="pause", weeks="1")[0] == 200
    mail.wait("new@example.org")
    listed = CliRunner().invoke(cli, ["subscribers", "list", "--config", str(path)])
    assert "2 subscriber(s): 1 active (1 paused), 1 pending, 0 unsubscribed, 0 bounced" in listed.output
    assert f"paused to {clock.now + dt.timedelta(weeks=1):%Y-%m-%d}" in listed.output
    assert signup.recent(store, now=clock.now + dt.timedelta(days=1)) == (1, 0)
    assert signup.recent(store, now=clock.now + dt.timedelta(days=8)) == (0, 0)
    status = CliRunner().invoke(cli, ["status", "--config", str(path)])
    assert "Sign-ups:     1 in the last 7 days, 0 confirmed" in status.output


def test_the_verbs_say_what_they_did_and_mail_as_issues_are_mailed(tmp_path, smtp_server, caplog):
    """The pipeline verbs directly: their outcomes, the log line when an address has had its mails,
    the message's shape, and a refusing server as one error naming the address."""
    import logging
    import re

    from newsletter.errors import DeliverError
    from newsletter.store import Store

    path = project(tmp_path, smtp_server, mails_per_address=2)
    config = load(path)
    caplog.set_level(logging.WARNING, logger="newsletter.signup")
    with Store(config.store_url) as store:
        assert signup.request_manage_link(config, store, "nobody@example.org", now=NOW) == "unknown"
        assert [signup.sign_up(config, store, "cy@example.org", "", "x", now=NOW) for _ in range(3)] == [
            "mailed",
            "mailed",
            "limited",
        ]
        assert [(r.name, r.getMessage()) for r in caplog.records] == [
            ("newsletter.signup", "not mailing cy@example.org: 2 mails in 24 hours already")
        ]
        sent = smtp_server.to("cy@example.org")[0].message
        assert re.fullmatch(r"<subscribe\.[0-9a-f]{16}@example\.org>", sent["Message-ID"])
        assert sent.get_body(("plain",)).get_content().endswith("ignore this message: nothing changes.\r\n")
        assert signup.link_state("A" * 52, now=NOW) == "invalid" == signup.INVALID
        token = link_in(smtp_server.to("cy@example.org")[0], "confirm").rsplit("/", 1)[1]
        assert signup.link_state(token, now=NOW) is None
        assert signup.link_state(token, now=NOW + dt.timedelta(hours=48)) == "expired" == signup.EXPIRED
        followed = signup.confirm(config, store, token, now=NOW)
        assert followed in {followed} and followed.outcome == "subscribed"
        who = followed.subscriber
        assert signup.request_manage_link(config, store, "cy@example.org", now=NOW + dt.timedelta(days=2)) == "mailed"
        signup.unsubscribe(store, who, now=NOW)
        assert signup.resubscribe(config, store, who, now=NOW + dt.timedelta(days=2)) == "mailed"
        assert [c.form for c in store.consents.of(who.id)][-2:] == ["manage page", "manage page"]
        standing = signup.standing(store, "CY@example.org")
        assert standing in {standing} and signup.standing(store, "no@example.org") is None
        with pytest.raises(ValueError, match="^a pause is 1, 2, 4 weeks, not 3$"):
            signup.pause(store, who, 3, now=NOW)
        smtp_server.reply("data", "dee@example.org", "550 5.7.1 no thanks")
        with pytest.raises(DeliverError, match=r"^dee@example.org: the server answered .*550"):
            signup.sign_up(config, store, "dee@example.org", "", "x", now=NOW)


@pytest.mark.parametrize(
    "where, fields, status, words",
    [
        ("/subscribe", {"email": "x@example.org", "pad": "p" * 5000}, 413, "That form is too long."),
        ("/subscribe", {"email": "not an address"}, 400, "That is not an email address; please check it."),
        ("/subscribe", {"name": "No Address"}, 400, "That is not an email address; please check it."),
        ("/manage", {"email": "x@example.org", "pad": "p" * 5000}, 413, "That form is too long."),
        ("/manage", {}, 400, "That is not an email address; please check it."),
    ],
)
def test_each_refusal_says_why(reader, where, fields, status, words):
    server = reader[0]
    answer = post(server, where, **fields)
    assert (answer[0], said(answer[2])) == (status, words)


def test_each_manage_answer_says_what_happened(reader):
    server, store, clock, mail, manage, _ = reader
    expected = [
        ({"action": "name"}, 200, "Your name is changed."),
        ({"action": "pause", "weeks": "1"}, 200, "Paused: no issues until Friday 08 March 2024."),
        ({"action": "pause", "weeks": "0"}, 200, "Resumed: the next issue comes to you."),
        ({"action": "pause"}, 400, "That is not something this page can do."),
        ({"action": "pause", "weeks": "3"}, 400, "That pause is not one this page offers."),
        ({"action": "address"}, 400, "That is not an email address; please check it."),
        (
            {"action": "address", "email": "b@example.org"},
            200,
            "We have sent a confirmation link to b@example.org. Until you follow it, the issues keep going to "
            "ada@example.org.",
        ),
        ({"action": "unsubscribe"}, 200, "You are unsubscribed: no more issues will come."),
        (
            {"action": "resubscribe"},
            200,
            "We have sent a confirmation link to ada@example.org; follow it to subscribe again.",
        ),
        ({}, 400, "That is not something this page can do."),
        ({"pad": "p" * 5000}, 413, "That form is too long."),
    ]
    for fields, status, words in expected:
        answer = act(server, manage, **fields)
        assert (answer[0], said(answer[1])) == (status, words), fields
    assert store.subscribers.find("ada@example.org").name == ""


def test_the_form_field_names_the_embedding_in_the_consent_record(reader):
    server, store, clock, mail, manage, _ = reader
    for n, form in enumerate(["partner site", "", "  \x07 ", "é" * 100]):
        post(server, "/subscribe", email=f"e{n}@example.org", form=form)
    for n in range(4):
        mail.wait(f"e{n}@example.org")
    forms = [store.consents.of(store.subscribers.find(f"e{n}@example.org").id)[0].form for n in range(4)]
    assert forms == ["partner site", "sign-up page", "sign-up page", "é" * 64]
    status, _, page = server.request("GET", "/subscribe")
    assert status == 200 and 'name="website"' in page and 'action="/subscribe"' in page


def test_limits_on_the_general_manage_page_and_the_managing_posts(tmp_path, smtp_server):
    path = project(tmp_path, smtp_server, per_client=2, per_address=1)
    store, server = site(path, Clock())
    with store, server:
        who = store.subscribers.add(NewSubscriber("fay@example.org", "fay@example.org"), NOW)
        manage = signup.manage_link(load(path), who, NOW).removeprefix("https://eletter.example.org")
        assert post(server, "/manage", email="fay@example.org", website="robot")[0] == 200
        assert post(server, "/manage", email="fay@example.org")[0] == 200
        refused = post(server, "/manage", email="fay@example.org")
        assert (refused[0], said(refused[2])) == (
            429,
            "Too many requests from your network; please try again in an hour.",
        )
        assert act(server, manage, action="name", name="Fay")[0] == 200  # not counted: it mails nobody
        status, page = act(server, manage, action="address", email="g@example.org")
        assert (status, said(page)) == (429, "Too many requests from your network; please try again in an hour.")
        assert act(server, manage, action="resubscribe")[0] == 429
        refused = post(server, "/subscribe", email="h@example.org")
        assert (refused[0], said(refused[2])) == (
            429,
            "Too many sign-ups from your network; please try again in an hour.",
        )
    assert [r.recipient for r in smtp_server.received] == ["fay@example.org"]  # the robot got nothing
