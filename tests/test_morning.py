"""The editor's whole morning in a real browser: build, preview, shape, Approve, Send now, and
the subscribers' messages (read back from a real SMTP server) are exactly what was previewed."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import threading

import lxml.html
import pytest
from click.testing import CliRunner
from playwright.sync_api import expect
from previewkit import Preview

from newsletter.cli import cli

DAY = dt.date.today()  # the seeds' undated pieces count as first seen now, so they are due today
SECRET = "morning-secret-0123456789"
PEOPLE = ["ada@example.org", "grace@example.org", "edsger@example.org"]


@pytest.fixture
def project(mailing_project, monkeypatch):
    """The shipped seeds and config as they are (http://127.0.0.1:8080, a loopback SMTP server)."""
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)
    return mailing_project


def run(project, *args):
    result = CliRunner().invoke(cli, [*args, "--config", str(project / "config.toml")])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    context.close()


def panel_titles(page, section: str) -> list[str]:
    return page.locator(f'ol[data-section="{section}"] .item-title').all_inner_texts()


def test_the_whole_morning_sends_exactly_what_was_previewed(project, smtp_server, page):
    run(project, "build", "--date", DAY.isoformat())
    for address in PEOPLE:
        run(project, "subscribers", "add", address)
    gate, first = threading.Event(), threading.Event()

    def hold_the_first(count: int) -> None:  # the server answers the first message only when the test says
        if count == 1:
            first.set()
            gate.wait(20)

    with Preview(project / "config.toml", DAY) as preview:
        page.goto(preview.url + "/draft")
        expect(page.locator("#state")).to_have_text("draft")
        # Shape: the subject, another lead, one piece dropped (as of today the 2016 "I'm hearing" lines are past the window).
        page.fill("#subject-input", "Monday's eLetter: the morning test")
        page.get_by_role("button", name="Save subject").click()
        expect(page.locator("#subject")).to_have_text("Monday's eLetter: the morning test")
        new_lead = panel_titles(page, "pieces")[1]
        page.locator('ol[data-section="pieces"] li').nth(1).get_by_role("button", name="Make lead").click()
        expect(page.locator('ol[data-section="lead"] .item-title')).to_have_text(new_lead)
        dropped = panel_titles(page, "pieces")[0]
        page.locator('ol[data-section="pieces"] li').first.get_by_role("button", name="Drop").click()
        expect(page.locator('ol[data-section="pieces"] .item-title').first).not_to_have_text(dropped)
        previewed_html = page.locator("iframe[name=desktop]").get_attribute("srcdoc")
        previewed_subject = page.locator("#subject").inner_text()
        # Approve, then Send now (which asks first, with the count).
        page.get_by_role("button", name="Approve").click()
        expect(page.locator("#state")).to_have_text("approved")
        page.get_by_role("button", name="Send now…").click()
        expect(page.locator("#audience")).to_have_text(str(len(PEOPLE)))
        smtp_server.on_message = hold_the_first
        page.get_by_role("button", name=f"Send to {len(PEOPLE)} subscriber(s)").click()
        assert first.wait(20)
        expect(page.locator("#state")).to_have_text("sending")
        expect(page.locator("#progress")).to_contain_text(f"of {len(PEOPLE)}")
        gate.set()
        expect(page.locator("#last-send")).to_contain_text(f"Issue 1 is sent: {len(PEOPLE)} sent, 0 failed")
        # The next draft appears by itself: the dropped item waits in it.
        expect(page.locator(".bar")).to_contain_text("Issue 2 (draft)")
        expect(page.locator("#state")).to_have_text("draft")
        assert any(dropped.rstrip(".…")[:40] in t for t in panel_titles(page, "pieces") + panel_titles(page, "lead"))
        page.goto("about:blank")  # no live page to reload in the middle of the next navigation
        page.goto(preview.url + "/")
        expect(page.locator("#draft")).to_contain_text("Issue 2 (draft)")
        expect(page.locator(".issues")).to_contain_text("Issue 1 · sent")

    general, general_manage = "http://127.0.0.1:8080/unsubscribe", "http://127.0.0.1:8080/manage"
    assert sorted(r.recipient for r in smtp_server.received) == sorted(PEOPLE)
    for received in smtp_server.received:
        message = email.message_from_bytes(received.data, policy=email.policy.default)
        assert message["Subject"] == previewed_subject
        personal = message["List-Unsubscribe"].split(",")[0].strip(" <>")
        sent_html = message.get_body(("html",)).get_content().replace("\r\n", "\n")  # SMTP's line ends
        own_manage = re.search(r'href="(http://127\.0\.0\.1:8080/manage/[A-Za-z0-9_-]{52})"', sent_html).group(1)
        assert sent_html == previewed_html.replace(f'href="{general}"', f'href="{personal}"').replace(
            f'href="{general_manage}"', f'href="{own_manage}"'
        )
        lead = lxml.html.fromstring(sent_html).find_class("section-lead")[0].text_content()
        assert new_lead.rstrip(".…")[:40] in " ".join(lead.split())
        text = message.get_body(("plain",)).get_content()
        assert dropped.rstrip(".…")[:40] not in " ".join(text.split())


def test_hold_a_stale_page_and_a_send_made_elsewhere(project, smtp_server, page):
    """Hold shows at once; a decision about a draft the page no longer shows is refused; a send
    made by `newsletter send` makes the running preview move on to the next draft."""
    run(project, "build", "--date", DAY.isoformat())
    run(project, "subscribers", "add", PEOPLE[0])
    with Preview(project / "config.toml", DAY) as preview:
        page.goto(preview.url + "/draft")
        page.get_by_role("button", name="Hold").click()
        expect(page.locator("#state")).to_have_text("held")
        page.get_by_role("button", name="Approve").click()
        expect(page.locator("#state")).to_have_text("approved")
        (project / "drafts" / "issue-0001.toml").write_text('subject = "Changed behind the page"\n', encoding="utf-8")
        expect(page.locator("#subject")).to_have_text("Changed behind the page")  # the page follows the file
        page.evaluate("document.querySelectorAll('[name=shown]').forEach(f => f.value = 'stale')")  # as if it had not
        page.get_by_role("button", name="Hold").click()
        expect(page.locator(".problem")).to_contain_text("the draft has changed since this page showed it")
        page.goto("about:blank")  # no live page to reload in the middle of the next navigation
        run(project, "build", "--date", DAY.isoformat())
        run(project, "send")
        page.goto(preview.url + "/")
        expect(page.locator("#draft")).to_contain_text("No draft: no unsent item fits the next issue.")
        expect(page.locator(".issues")).to_contain_text("Issue 1 · sent")
    assert [r.message["Subject"] for r in smtp_server.received] == ["Changed behind the page"]
