"""Accessible to everyone who uses it: axe-core (WCAG 2.1 A/AA) finds no violation in any view of
the preview, its confirmation and sent-issue pages, the email (styled and as Gmail shows it
unstyled), the archive, and the public unsubscribe and tip pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axe import violations
from click.testing import CliRunner
from playwright.sync_api import expect
from previewkit import Preview
from sendkit import Site

from newsletter import config as config_module
from newsletter.cli import cli
from newsletter.store import Store
from newsletter.web import create_app

DAY = dt.date(2016, 8, 31)
SECRET = "axe-secret-0123456789abcdef"
VIEWS = [
    ("Desktop", "desktop"),
    ("Mobile", "mobile"),
    ("No style", "nostyle"),
    ("Plain text", "text"),
    ("Source", "source"),
    ("Check", "check"),
]
STYLE_ELEMENT = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.S | re.I)


@pytest.fixture
def project(mailing_project, monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)
    run(mailing_project, "build", "--date", DAY.isoformat())
    run(mailing_project, "subscribers", "add", "ada@example.org")
    return mailing_project


def run(project, *args):
    result = CliRunner().invoke(cli, [*args, "--config", str(project / "config.toml")])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1300, "height": 900}, bypass_csp=True)
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    context.close()


def test_every_view_of_the_preview_and_its_pages(project, page):
    with Preview(project / "config.toml", DAY) as preview:
        page.goto(preview.url + "/")
        assert violations(page) == []
        page.goto(preview.url + "/draft")
        for label, view in VIEWS:
            page.get_by_role("tab", name=label, exact=True).click()
            expect(page.locator("body")).to_have_attribute("data-ready", view)
            assert violations(page) == [], view
        page.get_by_role("button", name="Send now…").click()
        expect(page.locator("#audience")).to_have_text("1")
        assert violations(page) == []
        page.get_by_role("button", name="Send to 1 subscriber(s)").click()
        expect(page.locator("#last-send")).to_contain_text("Issue 1 is sent")
        assert violations(page) == []  # the next draft: nothing left to send
        page.goto(preview.url + "/issues/1")
        for label, view in VIEWS:
            page.get_by_role("tab", name=label, exact=True).click()
            expect(page.locator("body")).to_have_attribute("data-ready", view)
            assert violations(page) == [], f"sent issue, {view}"


def test_the_email_styled_and_unstyled(project, page):
    html = (project / "out" / "issue-0001" / "issue.html").read_text(encoding="utf-8")
    for shown in (html, STYLE_ELEMENT.sub("", html)):
        page.set_content(shown)
        assert violations(page) == []


def test_the_archive_and_the_public_pages(project, page):
    run(project, "send")
    config = config_module.load(project / "config.toml")
    with Store(config.store_url) as store, Site(create_app(config, store)) as site:
        base = f"http://127.0.0.1:{site.port}"
        for path in ("/archive/", "/archive/issue-0001.html", "/unsubscribe", "/unsubscribe/not-a-token"):
            page.goto(base + path)
            assert violations(page) == [], path
        page.goto(base + "/unsubscribe")
        page.fill("#email", "ada@example.org")
        page.get_by_role("button", name="Send me the link").click()
        expect(page.get_by_role("status")).to_contain_text("ada@example.org")
        assert violations(page) == []
        page.goto(base + "/tip")
        assert violations(page) == [], "/tip"
        page.get_by_label("Your tip").fill("The pier is to be sold.")
        page.get_by_role("button", name="Send the tip").click()
        expect(page.get_by_role("status")).to_contain_text("Thank you")
        assert violations(page) == [], "/tip answered"
        from newsletter.deliver.tokens import tokens_from

        page.goto(base + "/unsubscribe/" + tokens_from(SECRET).make(1))
        assert violations(page) == []
        page.get_by_role("button", name="Unsubscribe").click()
        assert violations(page) == []
