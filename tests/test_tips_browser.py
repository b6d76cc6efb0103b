"""A reader's tip all the way, in a real browser: the form on `newsletter serve`, the preview's Tips
panel, accepted with edited wording, the next issue built and sent (to a real SMTP server) with the
line under "I'm hearing", and nothing of the tipster in the issue, the archive or the sent mail."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import lxml.html
import test_morning
from playwright.sync_api import expect
from previewkit import Preview
from sendkit import Site
from tipkit import TIPSTER

from newsletter import config as config_module
from newsletter.store import Store

DAY = dt.date.today()
TIP = "The pier is to be sold to a hotel chain. Two councillors told me so last night."
LINE = "The pier may be sold to a hotel chain, I hear."

project, page, run = test_morning.project, test_morning.page, test_morning.run  # the shipped project, a browser page


def test_a_tip_from_the_form_becomes_a_line_of_the_next_issue_and_its_sender_stays_out(project, smtp_server, page):
    from newsletter.web import create_app

    config = config_module.load(project / "config.toml")
    with Store(config.store_url) as store, Site(create_app(config, store)) as site:
        page.goto(f"http://127.0.0.1:{site.port}/tip")
        page.get_by_label("Your tip").fill(TIP)
        page.get_by_label("How to reach you, if you wish (optional)").fill(TIPSTER)
        page.get_by_role("button", name="Send the tip").click()
        expect(page.get_by_role("status")).to_contain_text("Thank you")
        expect(page.locator("body")).not_to_contain_text("pier")
    run(project, "build", "--date", DAY.isoformat())
    with Preview(project / "config.toml", DAY) as preview:
        page.goto(preview.url + "/draft")
        tip = page.locator("#tips li", has_text="The pier is to be sold")
        expect(tip).to_contain_text("by form")
        wording = tip.get_by_label("As an \u201cI'm hearing\u201d line")
        expect(wording).to_have_value("The pier is to be sold to a hotel chain.")  # the first sentence
        wording.fill(LINE)
        tip.get_by_role("button", name="Accept").click()
        expect(page.locator("#tips li")).to_have_count(0)
        expect(page.locator('ol[data-section="hearing"]')).to_contain_text(LINE)
        page.goto("about:blank")
    run(project, "build", "--date", DAY.isoformat())
    run(project, "subscribers", "add", "reader@example.org")
    run(project, "send")

    built = (project / "out" / "issue-0001" / "issue.html").read_text(encoding="utf-8")
    hearing = lxml.html.fromstring(built).find_class("section-hearing")[0]
    assert LINE in " ".join(hearing.text_content().split())
    assert hearing.xpath('.//a[text()="tell me here"]/@href') == ["http://127.0.0.1:8080/tip"]
    assert [received.recipient for received in smtp_server.received] == ["reader@example.org"]
    sent = smtp_server.received[0].data
    message = email.message_from_bytes(sent, policy=email.policy.default)
    for kind in ("html", "plain"):
        body = message.get_body((kind,)).get_content()
        assert LINE in " ".join(body.split()) and TIPSTER not in body
    published = [
        path for folder in ("out", "archive", "drafts") for path in (project / folder).rglob("*") if path.is_file()
    ]
    assert any(path.name.startswith("issue-0001") and path.parent.name == "archive" for path in published)
    for path in published:
        assert TIPSTER.encode() not in path.read_bytes(), path
    assert TIPSTER.encode() not in sent
