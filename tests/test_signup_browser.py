"""A reader's whole life on the list, in a real browser against a real `newsletter serve` and a
real SMTP server: sign up, confirm, get the next issue, move to a new address from that issue's
own manage link, pause, leave and come back, with nothing done by the editor."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect
from sendkit import SECRET, draft_issue, ledger, load, make_project
from shellkit import on_store
from signupkit import Mail, Serve, html_link, link_in

from newsletter import pipeline
from newsletter.cli import cli

TYPED, READER, MOVED = "Reader.One@Example.NET", "Reader.One@example.net", "reader.two@example.com"


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)


@pytest.fixture
def page(browser):
    context = browser.new_context(java_script_enabled=False)  # nothing here needs JavaScript
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    context.close()


def send(path, number: int):
    draft_issue(path, number)
    return on_store(pipeline.send, load(path), issue=number)


def show(path, address: str) -> str:
    result = CliRunner().invoke(cli, ["subscribers", "show", address, "--config", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


def test_from_the_sign_up_form_to_a_new_address_without_the_editor(tmp_path, smtp_server, page):
    path = make_project(tmp_path, smtp_server.port)
    mail = Mail(smtp_server)
    with Serve(path, SECRET) as site:
        page.goto(site.url + "/subscribe")
        page.fill("#email", TYPED)  # kept with its domain folded
        page.fill("#name", "Reader One")
        page.get_by_role("button", name="Subscribe").click()
        expect(page.locator("h1")).to_have_text("Check your inbox")
        confirmation = mail.wait(READER)
        assert confirmation.message["Subject"] == "Please confirm your subscription to The Test eLetter"
        assert "pending" in show(path, READER)
        page.goto(site.url + link_in(confirmation, "confirm"))
        expect(page.locator("h1")).to_have_text("Confirm")  # opening the link changes nothing yet
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator("body")).to_contain_text("You are subscribed")
        record = show(path, READER)
        assert "Status:    active" in record and "Name:      Reader One" in record
        assert f"subscribe to {READER}, from the 'sign-up page' form" in record and "confirmed" in record

        send(path, 1)
        [issue] = smtp_server.to(READER)[1:]
        assert issue.message["Subject"] == "The Test eLetter"
        page.goto(site.url + html_link(issue, "Update your address or preferences"))
        expect(page.locator("#standing")).to_contain_text("subscribed")
        page.fill("#email", MOVED)
        page.get_by_role("button", name="Send a confirmation to the new address").click()
        expect(page.locator("[role=status]")).to_contain_text(f"confirmation link to {MOVED}")
        change = mail.wait(MOVED)
        send(path, 2)  # not confirmed yet: the old address still gets the issue
        assert len(smtp_server.to(READER)) == 3 and len(smtp_server.to(MOVED)) == 1
        page.goto(site.url + link_in(change, "confirm"))
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator("body")).to_contain_text(f"will come to {MOVED} from now on")
        send(path, 3)
        assert len(smtp_server.to(READER)) == 3 and len(smtp_server.to(MOVED)) == 2
        assert f"change to {MOVED} (was {READER})" in show(path, MOVED)

        page.goto(site.url + html_link(smtp_server.to(MOVED)[-1], "Update your address or preferences"))
        page.get_by_role("button", name="Pause for 2 weeks").click()
        expect(page.locator("[role=status]")).to_contain_text("Paused: no issues until")
        send(path, 4)
        assert len(smtp_server.to(MOVED)) == 2
        assert ledger(path, 4)[MOVED][0] == "skipped"
        page.get_by_role("button", name="Resume now").click()
        page.get_by_role("button", name="Unsubscribe").click()
        expect(page.locator("#standing")).to_contain_text("not subscribed (unsubscribed)")
        page.get_by_role("button", name="Subscribe again").click()
        expect(page.locator("[role=status]")).to_contain_text("follow it to subscribe again")
        again = mail.wait(MOVED, 3)
        assert "unsubscribed" in show(path, MOVED)  # not back before the fresh confirmation
        page.goto(site.url + link_in(again, "confirm"))
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator("body")).to_contain_text("You are subscribed")
        send(path, 5)
        assert len(smtp_server.to(MOVED)) == 4 and smtp_server.to(MOVED)[-1].message["Subject"] == "The Test eLetter"


def test_the_public_pages_are_accessible_and_work_without_style(tmp_path, smtp_server, browser):
    """axe-core (WCAG 2.1 A/AA) finds nothing on the sign-up, confirm, manage and link-problem pages;
    with <style> gone (as some readers see pages) the honeypot is still labelled 'Leave this empty'."""
    from axe import violations

    from newsletter.pipeline import signup
    from newsletter.store import Store
    from newsletter.store.subscribers import NewSubscriber

    path = make_project(tmp_path, smtp_server.port)
    config = load(path)
    with Store(config.store_url) as store:
        now = dt.datetime.now(dt.timezone.utc)  # serve's own clock
        who = store.subscribers.add(NewSubscriber("ada@example.org", "ada@example.org", "Ada"), now)
        manage = signup.manage_link(config, who, now).removeprefix("https://eletter.example.org")
    context = browser.new_context(bypass_csp=True)  # axe is a script the pages' CSP would refuse
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        with Serve(path, SECRET) as site:
            for where in ("/subscribe", "/manage", manage, "/confirm/" + "A" * 52):
                page.goto(site.url + where)
                assert violations(page) == [], where
            page.goto(site.url + "/subscribe")
            page.evaluate(
                "document.querySelectorAll('style').forEach(e => e.remove());"
                "document.querySelectorAll('[style]').forEach(e => e.removeAttribute('style'))"
            )
            label = page.locator("label[for=website]")
            assert label.is_visible() and label.inner_text() == "Leave this empty"  # a person without CSS is told
    finally:
        context.close()
