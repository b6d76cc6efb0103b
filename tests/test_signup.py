"""The public sign-up and manage forms under attack, against the real app under uvicorn and a real
SMTP server, with the clock injected: mail-bombing, link tampering and expiry, enumeration,
robots and oversized bodies."""

from __future__ import annotations

import datetime as dt
import threading
from urllib.parse import urlencode

import pytest
from sendkit import NOW, SECRET, Site, load, make_project
from signupkit import Mail, link_in

from newsletter.deliver.tokens import Tokens
from newsletter.store import Store
from newsletter.web import create_app

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)


class Clock:
    """Now, moved by the test."""

    def __init__(self):
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


def project(tmp_path, smtp_server, **subscribe):
    path = make_project(tmp_path, smtp_server.port)
    with path.open("a", encoding="utf-8") as f:
        f.write("[subscribe]\n" + "".join(f"{k} = {v}\n" for k, v in subscribe.items()))
    return path


def site(path, clock):
    config = load(path)
    store = Store(config.store_url)
    return store, Site(create_app(config, store, clock=clock))


def post(server, path: str, **fields):
    return server.request("POST", path, urlencode(fields).encode(), FORM)


def test_fifty_sign_ups_of_one_address_send_at_most_the_limit_even_across_a_restart(tmp_path, smtp_server):
    path = project(tmp_path, smtp_server, mails_per_address=3, per_address=1000, per_client=1000)
    clock = Clock()
    for _ in range(2):  # the second app is a restarted server: its in-memory throttles are new
        store, server = site(path, clock)
        with store, server:
            for _ in range(50):
                clock.now += dt.timedelta(seconds=1)
                assert post(server, "/subscribe", email="victim@example.org")[0] == 200
        # leaving the server waits for its background mails
    assert len(smtp_server.to("victim@example.org")) == 3
    clock.now += dt.timedelta(hours=25)  # the window has passed: one more may go
    store, server = site(path, clock)
    with store, server:
        post(server, "/subscribe", email="victim@example.org")
    assert len(smtp_server.to("victim@example.org")) == 4


def test_per_client_and_per_address_throttles(tmp_path, smtp_server):
    path = project(tmp_path, smtp_server, per_client=4, per_address=2, mails_per_address=100)
    clock = Clock()
    store, server = site(path, clock)
    with store, server:
        answers = [post(server, "/subscribe", email="one@example.org")[0] for _ in range(3)]
        answers.append(post(server, "/subscribe", email="two@example.org")[0])
        refused = post(server, "/subscribe", email="three@example.org")
        clock.now += dt.timedelta(hours=1, seconds=1)
        later = post(server, "/subscribe", email="three@example.org")[0]
    assert answers == [200] * 4  # the third for one@ is answered as usual, and not mailed
    assert refused[0] == 429 and "try again in an hour" in refused[2]
    assert later == 200
    assert [len(smtp_server.to(a)) for a in ("one@example.org", "two@example.org", "three@example.org")] == [2, 1, 1]


def test_robots_oversized_bodies_and_bad_addresses(tmp_path, smtp_server):
    path = project(tmp_path, smtp_server, max_form_bytes=300)
    store, server = site(path, Clock())
    with store, server:
        robot = post(server, "/subscribe", email="bot@example.org", website="http://spam.example")
        person = post(server, "/subscribe", email="bot@example.org")
        big = post(server, "/subscribe", email="big@example.org", name="x" * 400)
        bad = post(server, "/subscribe", email="not an address")
        crlf = post(server, "/subscribe", email="a@example.org\r\nBcc: b@example.org")
    assert robot[0] == 200 and robot[2] == person[2]  # a robot learns nothing
    assert big[0] == 413 and bad[0] == 400 and crlf[0] == 400
    assert [r.recipient for r in smtp_server.received] == ["bot@example.org"]
    with Store(load(path).store_url) as store:
        assert [s.email for s in store.subscribers.all()] == ["bot@example.org"]


def test_new_pending_active_and_unsubscribed_addresses_get_the_same_answer_before_any_mail(tmp_path, smtp_server):
    """Same status and body (but for the address typed), sent while the SMTP server is still holding the
    mail: the answer never waits for the store's verdict or the mail, so its timing says nothing either."""
    path = project(tmp_path, smtp_server)
    with Store(load(path).store_url) as store:
        from newsletter.store.subscribers import NewSubscriber

        store.subscribers.add(NewSubscriber("active@example.org", "active@example.org"), NOW)
        store.subscribers.add(NewSubscriber("gone@example.org", "gone@example.org", status="unsubscribed"), NOW)
        store.subscribers.signed_up("waiting@example.org", "waiting@example.org", NOW)
    gate, held = threading.Event(), threading.Event()

    def hold(_count):
        held.set()
        gate.wait(20)

    smtp_server.on_message = hold
    store, server = site(path, Clock())
    answers = {}
    with store, server:
        for who in ("new", "active", "waiting", "gone"):
            status, headers, body = post(server, "/subscribe", email=f"{who}@example.org")
            answers[who] = (
                status,
                headers.get("content-length") and len(body.replace(who, "X")),
                body.replace(f"{who}@example.org", "ADDRESS"),
            )
        # All four answered, and the first mail is only now (or still) held at DATA: had an answer
        # waited for its mail, its request would have timed out.
        assert held.wait(20) and len(smtp_server.received) == 1
        gate.set()
    assert len(set(answers.values())) == 1, answers
    subjects = {r.recipient: r.message["Subject"] for r in smtp_server.received}
    assert subjects["active@example.org"].startswith("Your link to manage")
    assert all(subjects[f"{w}@example.org"].startswith("Please confirm") for w in ("new", "waiting", "gone"))


def test_expired_altered_and_misused_links_are_refused_with_a_friendly_page(tmp_path, smtp_server):
    path = project(tmp_path, smtp_server, confirm_hours=48)
    clock = Clock()
    mail = Mail(smtp_server)
    store, server = site(path, clock)
    with store, server:
        post(server, "/subscribe", email="late@example.org")
        link = link_in(mail.wait("late@example.org"), "confirm")
        token = link.rsplit("/", 1)[1]
        altered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
        as_manage = "/manage/" + token
        as_unsubscribe = "/unsubscribe/" + token
        clock.now += dt.timedelta(hours=47)
        assert server.request("GET", link)[0] == 200  # still good: the page with the button
        for method in ("GET", "POST"):
            status, _, page = server.request(method, altered, b"", FORM)
            assert status == 400 and "This link does not work" in page and "Traceback" not in page
        assert server.request("GET", as_manage)[0] == 400 and server.request("POST", as_unsubscribe)[0] == 400
        clock.now += dt.timedelta(hours=1)
        for method in ("GET", "POST"):
            status, _, page = server.request(method, link, b"", FORM)
            assert status == 410 and "This link has expired" in page and 'href="/subscribe"' in page
        assert store.subscribers.find("late@example.org").status == "pending"
        manage = Tokens(SECRET, "manage").make_until(
            store.subscribers.find("late@example.org").id, store.subscribers.find("late@example.org").key, clock.now
        )
        assert server.request("GET", "/confirm/" + manage)[0] == 400  # a manage link confirms nothing
        assert server.request("GET", "/manage/" + manage)[0] == 410  # and this one expired just now


def test_only_post_changes_anything_and_a_confirmation_works_once(tmp_path, smtp_server):
    path = project(tmp_path, smtp_server)
    mail = Mail(smtp_server)
    store, server = site(path, Clock())
    with store, server:
        post(server, "/subscribe", email="once@example.org", name="Once")
        link = link_in(mail.wait("once@example.org"), "confirm")
        for method in ("GET", "HEAD"):
            server.request(method, link)
        assert store.subscribers.find("once@example.org").status == "pending"
        assert "You are subscribed" in server.request("POST", link, b"", FORM)[2]
        assert "used already" in server.request("POST", link, b"", FORM)[2]
        found = store.subscribers.find("once@example.org")
        assert (found.status, found.name) == ("active", "Once")
        assert [c.purpose for c in store.consents.of(found.id)] == ["subscribe"]


def test_a_sign_up_cannot_rename_or_revive_someone_else(tmp_path, smtp_server):
    """An attacker signing up a victim's address with another name changes nothing until the victim confirms."""
    path = project(tmp_path, smtp_server)
    with Store(load(path).store_url) as store:
        from newsletter.store.subscribers import NewSubscriber

        store.subscribers.add(
            NewSubscriber("left@example.org", "left@example.org", "Real Name", status="unsubscribed"), NOW
        )
    store, server = site(path, Clock())
    with store, server:
        post(server, "/subscribe", email="LEFT@EXAMPLE.ORG", name="Mallory")
    with Store(load(path).store_url) as store:
        [who] = store.subscribers.all()
        assert (who.email, who.name, who.status) == ("left@example.org", "Real Name", "unsubscribed")
