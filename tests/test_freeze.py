"""What goes out is what was built: send refuses a draft changed since its build, the scheduler
in approve mode sends the approved bytes, and the shipped config (with an https base_url) makes
messages that pass `check` and unsubscribe in one click."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import threading

import pytest
from click.testing import CliRunner
from schedulekit import at
from schedulekit import make_project as schedule_project
from sendkit import SECRET, Site, add_people, load
from shellkit import on_store

from newsletter import pipeline
from newsletter.cli import cli
from newsletter.store import Store
from newsletter.web import create_app

DAY = "2016-08-31"


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)


@pytest.fixture
def shipped(production, smtp_server):
    """The shipped project, with the test SMTP server's port for the README's 8025."""
    config = production / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("\nport = 8025\n", f"\nport = {smtp_server.port}\n"),
        encoding="utf-8",
    )
    return production


def run(project, *args):
    result = CliRunner().invoke(cli, [*args, "--config", str(project / "config.toml")])
    return result


def subscribers_mail(smtp_server):
    return [r for r in smtp_server.received if r.recipient != "editor@example.org"]


@pytest.mark.parametrize("change", ["drafts file", "template", "config"])
def test_a_change_after_the_build_makes_send_refuse_until_rebuilt(shipped, smtp_server, change):
    project = shipped
    assert run(project, "build", "--date", DAY, "--no-fetch").exit_code == 0
    assert run(project, "subscribers", "add", "ada@example.org").exit_code == 0
    if change == "drafts file":
        (project / "drafts").mkdir(exist_ok=True)
        (project / "drafts" / "issue-0001.toml").write_text('subject = "Shaped after the build"\n', encoding="utf-8")
        said = [
            "subject 'The Daily eLetter: As health services management comes under more and more…' "
            "is now 'Shaped after the build'",
            "drafts/issue-0001.toml",
        ]
    elif change == "template":
        pipeline.copy_templates(project / "mine")
        footer = project / "mine" / "email" / "issue.txt"
        footer.write_text(footer.read_text(encoding="utf-8") + "\nA line added after the build.\n", encoding="utf-8")
        config = project / "config.toml"
        config.write_text(
            config.read_text(encoding="utf-8").replace('\ndir = ""\n', '\ndir = "mine"\n'), encoding="utf-8"
        )
        said = ["saved since: config.toml, mine/"]
    else:
        config = project / "config.toml"
        config.write_text(
            config.read_text(encoding="utf-8").replace('editor = "Roy Lilley"', 'editor = "Ada"'), encoding="utf-8"
        )
        said = ["saved since: config.toml"]
    refused = run(project, "send")
    assert refused.exit_code == 1 and smtp_server.received == []
    line = refused.output.strip()
    assert line.startswith("Error: issue 1 changed since it was built") and len(line.splitlines()) == 1
    assert all(part in line for part in said), line
    assert "newsletter build --no-fetch" in line
    assert run(project, "build", "--date", DAY, "--no-fetch").exit_code == 0
    sent = run(project, "send")
    assert sent.exit_code == 0, sent.output
    message = smtp_server.to("ada@example.org")[0].message
    built = email.message_from_bytes(
        (project / "out" / "issue-0001" / "issue.eml").read_bytes(), policy=email.policy.default
    )
    assert message["Subject"] == built["Subject"]
    if change == "drafts file":
        assert message["Subject"] == "Shaped after the build"
    if change == "template":
        assert "A line added after the build." in message.get_body(("plain",)).get_content()


def test_an_unchanged_draft_sends_exactly_what_was_built(shipped, smtp_server):
    project = shipped
    assert run(project, "build", "--date", DAY, "--no-fetch").exit_code == 0
    run(project, "subscribers", "add", "ada@example.org")
    assert run(project, "send").exit_code == 0
    sent = smtp_server.to("ada@example.org")[0].message
    built = email.message_from_bytes(
        (project / "out" / "issue-0001" / "issue.eml").read_bytes(), policy=email.policy.default
    )
    link = "https://eletter.example.org/unsubscribe"
    built_html = built.get_body(("html",)).get_content()
    sent_html = sent.get_body(("html",)).get_content()
    personal = sent["List-Unsubscribe"].split(",")[0].strip("<> ")
    assert link in built_html and personal.startswith(link + "/")
    manage = "https://eletter.example.org/manage"  # the general page in the built file, the reader's own when sent
    own = re.search(re.escape(manage) + r"/[A-Za-z0-9_-]+", sent_html).group()
    assert sent_html == built_html.replace(f'href="{link}"', f'href="{personal}"').replace(
        f'href="{manage}"', f'href="{own}"'
    )


def test_approve_mode_sends_the_approved_bytes_and_holds_an_issue_changed_after_approval(tmp_path, smtp_server):
    path = schedule_project(tmp_path, smtp_server.port, mode="approve")
    add_people(path, 1)
    on_store(pipeline.run_due, load(path), now=at(2024, 3, 4, 5, 0))
    on_store(pipeline.approve, load(path), 1)
    drafts = tmp_path / "drafts"
    drafts.mkdir(exist_ok=True)
    shaped = drafts / "issue-0001.toml"
    shaped.write_text('subject = "Edited after approval"\n', encoding="utf-8")
    on_store(
        pipeline.build, load(path), date=at(2024, 3, 4, 7, 0).date(), no_fetch=True
    )  # other bytes than approved ...
    with Store(load(path).store_url) as store:
        assert store.issues.get(1).review is None  # ... so the approval is void
    on_store(pipeline.approve, load(path), 1)
    shaped.write_text('subject = "Edited again, not rebuilt"\n', encoding="utf-8")
    held = on_store(pipeline.run_due, load(path), now=at(2024, 3, 4, 7, 0))
    assert held.action == "held" and "changed since it was built" in held.message
    assert subscribers_mail(smtp_server) == []
    shaped.write_text('subject = "Edited after approval"\n', encoding="utf-8")  # back to the approved bytes
    on_store(pipeline.approve, load(path), 1)  # lifts the hold
    assert on_store(pipeline.run_due, load(path), now=at(2024, 3, 4, 7, 10)).action == "sent"
    assert subscribers_mail(smtp_server)[0].message["Subject"] == "Edited after approval"


def test_send_refuses_an_http_unsubscribe_url_for_real_mail_and_warns_on_loopback(project, smtp_server):
    config = project / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("\nport = 8025\n", f"\nport = {smtp_server.port}\n"),
        encoding="utf-8",
    )
    assert run(project, "build", "--date", DAY, "--no-fetch").exit_code == 0
    run(project, "subscribers", "add", "ada@example.org")
    loopback = run(project, "send", "--dry-run")
    assert loopback.exit_code == 0
    assert "warning: [web] base_url http://127.0.0.1:8080 is http: RFC 8058" in loopback.output
    config.write_text(
        config.read_text(encoding="utf-8").replace('host = "127.0.0.1"', 'host = "smtp.example.org"'), encoding="utf-8"
    )
    refused = run(project, "send")
    assert refused.exit_code == 1 and len(refused.output.strip().splitlines()) == 1
    assert "RFC 8058 one-click unsubscribe needs an https URL" in refused.output
    assert "smtp.example.org" in refused.output


def test_the_built_eml_and_a_sent_message_pass_check_and_unsubscribe_in_one_click(shipped, smtp_server, tmp_path):
    project = shipped
    assert run(project, "build", "--date", DAY, "--no-fetch").exit_code == 0
    run(project, "subscribers", "add", "ada@example.org")
    assert run(project, "send").exit_code == 0
    received = tmp_path / "received.eml"
    received.write_bytes(smtp_server.to("ada@example.org")[0].data)
    for path in (project / "out" / "issue-0001" / "issue.eml", received):
        checked = run(project, "check", str(path))
        assert (checked.exit_code, checked.output) == (0, "No problems found.\n")
        assert b"%%" not in path.read_bytes()
    message = email.message_from_bytes(received.read_bytes(), policy=email.policy.default)
    https = [u.strip(" <>") for u in message["List-Unsubscribe"].split(",") if "https:" in u]
    assert len(https) == 1 and https[0].startswith("https://eletter.example.org/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert https[0] in message.get_body(("html",)).get_content()
    path = https[0].removeprefix("https://eletter.example.org")
    config = load(project / "config.toml")
    with Store(config.store_url) as store, Site(create_app(config, store)) as site:
        status, headers, _ = site.request(
            "POST", path, b"List-Unsubscribe=One-Click", {"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert status == 200 and "location" not in headers
        assert [s.status for s in store.subscribers.all()] == ["unsubscribed"]


def test_the_general_unsubscribe_page_mails_a_link_and_answers_alike_for_anyone(shipped, smtp_server):
    project = shipped
    run(project, "subscribers", "add", "ada@example.org")
    config = load(project / "config.toml")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    arrived = threading.Event()
    smtp_server.on_message = lambda count: arrived.set()
    with Store(config.store_url) as store, Site(create_app(config, store)) as site:
        status, _, page = site.request("GET", "/unsubscribe")
        assert status == 200 and 'name="email"' in page
        answers = [
            site.request("POST", "/unsubscribe", f"email={who}".encode(), form)
            for who in ("Ada%40Example.org", "nobody%40example.org")
        ]
        assert [a[0] for a in answers] == [200, 200]
        assert answers[0][2].replace("Ada@example.org", "X") == answers[1][2].replace("nobody@example.org", "X")
        assert site.request("POST", "/unsubscribe", b"email=%0d%0aBcc:x", form)[0] == 400
        assert site.request("POST", "/unsubscribe", b"email=" + b"a" * 5000, form)[0] == 413
        assert arrived.wait(10)  # mailed after the answer, so the answer's timing tells nothing
        mail = list(smtp_server.received)
        assert [r.recipient for r in mail] == ["ada@example.org"]
        body = mail[0].message.get_content()
        link = next(word for word in body.split() if word.startswith("https://eletter.example.org/unsubscribe/"))
        assert (
            site.request("POST", link.removeprefix("https://eletter.example.org"), b"List-Unsubscribe=One-Click", form)[
                0
            ]
            == 200
        )
        assert [s.status for s in store.subscribers.all()] == ["unsubscribed"]


def test_the_general_unsubscribe_page_cannot_mail_bomb_an_address_or_be_flooded(shipped, smtp_server):
    """Per address, posts beyond [subscribe] per_address get the usual answer and no mail; per client,
    posts beyond per_client are a 429. The clock is moved, not waited for."""
    project = shipped
    for who in ("ada@example.org", "bob@example.org"):
        run(project, "subscribers", "add", who)
    config = load(project / "config.toml")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    limit = config.subscribe.per_address
    arrived = threading.Event()
    smtp_server.on_message = lambda count: count == limit + 1 and arrived.set()
    now = [dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)]
    with Store(config.store_url) as store, Site(create_app(config, store, clock=lambda: now[0])) as site:
        answers = [site.request("POST", "/unsubscribe", b"email=ada%40example.org", form) for _ in range(limit + 3)]
        assert {a[0] for a in answers} == {200} and len({a[2] for a in answers}) == 1
        assert site.request("POST", "/unsubscribe", b"email=bob%40example.org", form)[0] == 200
        assert arrived.wait(10)
        assert sorted(r.recipient for r in smtp_server.received) == ["ada@example.org"] * limit + ["bob@example.org"]
        for _ in range(config.subscribe.per_client - limit - 4):
            site.request("POST", "/unsubscribe", b"email=nobody%40example.org", form)
        assert site.request("POST", "/unsubscribe", b"email=nobody%40example.org", form)[0] == 429
        now[0] += dt.timedelta(hours=1, seconds=1)
        assert site.request("POST", "/unsubscribe", b"email=nobody%40example.org", form)[0] == 200


@pytest.mark.parametrize("command", ["serve", "preview"])
def test_a_busy_port_is_one_error_line_and_exit_1(project, command):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = run(project, command, "--port", str(port))
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"Error: cannot listen on 127.0.0.1:{port}: Address already in use"]


def test_serve_and_preview_default_to_different_ports():
    from newsletter.cli.serve import preview, serve

    ports = {c.name: next(p.default for p in c.params if p.name == "port") for c in (serve, preview)}
    assert ports == {"serve": 8080, "preview": 8000}
