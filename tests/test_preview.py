"""`newsletter preview` in real headless Chromium against a real uvicorn server on 127.0.0.1.

The project is a copy of the shipped seeds and config, with the templates copied into an
editor's folder (so a test can edit and break them) and [smtp] pointed at an aiosmtpd
server. Nothing waits for time: every wait is for something the page shows.
"""

from __future__ import annotations

import datetime as dt
import http.client
import re
import shutil
import socket
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest
from sendkit import SECRET, ledger
from shellkit import on_store

from newsletter import config as config_module
from newsletter import pipeline

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2016, 8, 31)
MASTHEAD = '<h1 class="masthead-title">{{ newsletter.title }}</h1>'

expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def project(tmp_path, smtp_server, monkeypatch) -> Path:
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    pipeline.copy_templates(tmp_path / "my-templates")
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    assert text.count('\ndir = ""\n') == 1 and text.count("\nport = 8025\n") == 1
    text = text.replace('\ndir = ""\n', '\ndir = "my-templates"\n').replace(
        "\nport = 8025\n", f"\nport = {smtp_server.port}\n"
    )
    text = text.replace(
        'base_url = "http://127.0.0.1:8080"', 'base_url = "https://eletter.example.org"'
    )  # as in production
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    # The corpus as first seen the day before the issue: its undated pieces belong to the issue
    # (first seen today, long after 2016, they would wait for a later one).
    on_store(
        pipeline.fetch,
        config_module.load(tmp_path / "config.toml"),
        now=dt.datetime(2016, 8, 30, 6, tzinfo=dt.timezone.utc),
    )
    return tmp_path


class Preview:
    """The preview app under uvicorn in a thread, on a socket bound first (so no wait for the port)."""

    def __init__(self, config_path: Path):
        import uvicorn

        from newsletter.web.preview import create_preview_app

        self.app = create_preview_app(config_module.load(config_path), date=DAY)
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        settings = uvicorn.Config(self.app, log_level="warning", ws="none", http="h11", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(settings)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def request(self, method: str, path: str, headers: dict) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", int(self.url.rsplit(":", 1)[1]), timeout=30)
        try:
            connection.request(method, path, body=b"action=subject&subject=x", headers=headers)
            return connection.getresponse().status
        finally:
            connection.close()


@pytest.fixture
def preview(project):
    running = Preview(project / "config.toml")
    running.thread.start()
    yield running
    running.server.should_exit = True
    running.thread.join()


@pytest.fixture
def page(browser, preview):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    opened.goto(preview.url + "/draft")
    ready(opened, "desktop")
    yield opened
    context.close()


def ready(page, view: str) -> None:
    """Wait until `view` is shown, its frame loaded and sized, and its scroll position restored."""
    expect(page.locator("body")).to_have_attribute("data-ready", view)


def frame(page, view: str = "desktop"):
    return page.frame_locator(f"iframe[name={view}]")


def show(page, label: str, view: str) -> None:
    page.get_by_role("tab", name=label, exact=True).click()
    ready(page, view)


def test_every_view_shows_the_issue_and_switching_keeps_the_scroll_position(page):
    expect(frame(page).locator(".masthead-title")).to_have_text("The Daily eLetter")
    assert page.frame("desktop").evaluate("innerWidth") == 600
    assert page.frame("desktop").evaluate("document.querySelectorAll('style').length") == 1
    expect(page.locator("#size")).to_contain_text("of Gmail's 102 KB clipping limit (budget 90 KB)")
    page.evaluate("scrollTo(0, 1500)")
    show(page, "Mobile", "mobile")
    assert page.frame("mobile").evaluate("innerWidth") == 375
    expect(frame(page, "mobile").locator(".section-events")).to_contain_text("Ed Smith")
    show(page, "No style", "nostyle")
    assert page.frame("nostyle").evaluate("document.querySelectorAll('style').length") == 0
    expect(frame(page, "nostyle").locator(".section-lead")).to_contain_text("Peter Drucker")
    show(page, "Plain text", "text")
    expect(page.locator("#text")).to_contain_text("News and Comment from Roy Lilley\n================================")
    show(page, "Source", "source")
    # The subject's ellipsis travels as an RFC 2047 encoded word.
    expect(page.locator("#source")).to_contain_text(
        "Subject: The Daily eLetter: As health services management comes under more and"
    )
    expect(page.locator(".headers")).to_contain_text("Message-ID")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download issue-0001.eml").click()
    assert b"Content-Type: multipart/alternative" in Path(download.value.path()).read_bytes()
    show(page, "Check", "check")
    expect(page.locator("#findings")).to_have_text("No problems found.")
    show(page, "Desktop", "desktop")
    assert page.evaluate("scrollY") == 1500


def test_a_template_edit_reloads_the_page_by_itself_in_the_same_view_and_place(project, page):
    show(page, "Mobile", "mobile")
    page.evaluate("scrollTo(0, 700)")
    before = page.locator("body").get_attribute("data-token")
    template = project / "my-templates" / "email" / "issue.html"
    template.write_text(template.read_text(encoding="utf-8").replace(MASTHEAD, MASTHEAD.replace("}}<", "}}, edited<")))
    expect(frame(page, "mobile").locator(".masthead-title")).to_have_text("The Daily eLetter, edited")
    expect(page.locator("body")).not_to_have_attribute("data-token", before)
    ready(page, "mobile")
    assert page.evaluate("scrollY") == 700


def test_a_broken_template_shows_its_file_and_line_and_the_preview_recovers(project, preview, page):
    piece = project / "my-templates" / "email" / "_piece.html"
    good = piece.read_text(encoding="utf-8")
    piece.write_text("{% if %}\n" + good, encoding="utf-8")
    expect(page.locator("#build-error")).to_contain_text(f"{piece}, line 1:")
    expect(frame(page).locator(".masthead-title")).to_have_text("The Daily eLetter")  # the last good draft
    piece.write_text(good, encoding="utf-8")
    expect(page.locator("#build-error")).to_have_count(0)
    config = project / "config.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[newsletter]\n", encoding="utf-8")
    expect(page.locator("#build-error")).to_contain_text(f"{config}: TOML syntax error")
    config.write_text(config.read_text(encoding="utf-8").removesuffix("\n[newsletter]\n"), encoding="utf-8")
    expect(page.locator("#build-error")).to_have_count(0)
    assert preview.thread.is_alive()


def test_making_an_item_the_lead_changes_the_issue_and_the_drafts_file(project, page):
    item = page.locator("li[data-item]", has_text="Reworking the NHS")
    item_id = item.get_attribute("data-item")
    item.get_by_role("button", name="Make lead").click()
    expect(frame(page).locator(".section-lead .headline")).to_have_text("Reworking the NHS")
    expect(page.locator("#subject")).to_have_text("The Daily eLetter: Reworking the NHS")
    path = project / "drafts" / "issue-0001.toml"
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {"lead": item_id}
    other = page.locator("li[data-item]", has_text="How bizarre").get_attribute("data-item")
    path.write_text(f'lead = "{other}"  # chosen by hand\n', encoding="utf-8")  # the file is the editor's too
    expect(frame(page).locator(".section-lead .headline")).to_have_text("How bizarre to be in this situation")


def test_drop_move_subject_and_additions_are_saved_and_shown(project, page):
    pieces = page.locator("[data-section=pieces] .item-title")
    page.locator("li[data-item]", has_text="Yet Another Project").get_by_role("button", name="Drop").click()
    expect(page.locator("[data-section=dropped]")).to_contain_text("Yet Another Project")
    expect(frame(page).locator(".section-pieces")).not_to_contain_text("Yet Another Project")
    page.locator("li[data-item]", has_text="Better than working").get_by_role("button", name="Move down").click()
    expect(pieces).to_have_text(["Reworking the NHS", "Better than working……", "How bizarre to be in this situation"])
    page.fill("#subject-input", "Drucker, and more")
    page.get_by_role("button", name="Save subject").click()
    expect(page.locator("#subject")).to_have_text("Drucker, and more")
    page.fill("#hearing-text", "I'm hearing the editor can add lines.")
    page.get_by_role("button", name="Add the line").click()
    expect(frame(page).locator(".section-hearing")).to_contain_text("I'm hearing the editor can add lines.")
    page.fill("#event-date", "2016-09-20")
    page.fill("#event-title", "A talk the editor added")
    page.fill("#event-venue", "The Library")
    page.get_by_role("button", name="Add the event").click()
    expect(frame(page).locator(".section-events")).to_contain_text("A talk the editor added")
    choices = tomllib.loads((project / "drafts" / "issue-0001.toml").read_text(encoding="utf-8"))
    assert choices["subject"] == "Drucker, and more" and len(choices["drop"]) == 1
    assert choices["hearing"] == ["I'm hearing the editor can add lines."]
    assert choices["event"] == [
        {"date": dt.date(2016, 9, 20), "title": "A talk the editor added", "venue": "The Library"}
    ]
    page.locator("[data-section=dropped] li").get_by_role("button", name="Restore").click()
    expect(frame(page).locator(".section-pieces")).to_contain_text("Yet Another Project")


def test_the_selection_shows_what_was_left_out_and_why_and_pin_takes_it_in(project, page):
    config = project / "config.toml"
    text = config.read_text(encoding="utf-8")
    assert text.count("\npieces = 20\n") == 1
    config.write_text(text.replace("\npieces = 20\n", "\npieces = 2\n"), encoding="utf-8")  # the preview reloads it
    left = page.locator("details.left-out", has_text="Over a cap")
    expect(left.locator("summary")).to_have_text("Over a cap ([compose] or the feed's max_items): 2")
    item = left.locator("li[data-item]", has_text="How bizarre")
    item_id = item.get_attribute("data-item")
    expect(frame(page).locator(".section-pieces")).not_to_contain_text("How bizarre")
    item.get_by_role("button", name="Pin in").click()
    expect(frame(page).locator(".section-pieces .headline").first).to_have_text("How bizarre to be in this situation")
    expect(page.locator("[data-section=pinned]")).to_contain_text(item_id)
    assert tomllib.loads((project / "drafts" / "issue-0001.toml").read_text(encoding="utf-8")) == {"pin": [item_id]}
    page.locator("[data-section=pinned] li").get_by_role("button", name="Unpin").click()
    expect(frame(page).locator(".section-pieces")).not_to_contain_text("How bizarre")


def test_send_test_delivers_one_marked_message_and_records_no_send(project, page, smtp_server):
    page.fill("#test-address", "editor@example.org")
    page.get_by_role("button", name="Send test").click()
    expect(page.get_by_role("status")).to_contain_text("Sent a test of issue 1 to editor@example.org: 250")
    [received] = smtp_server.received
    assert received.recipient == "editor@example.org"
    assert (
        received.message["Subject"]
        == "[TEST] The Daily eLetter: As health services management comes under more and more…"
    )
    assert "Peter Drucker" in received.message.get_body(("plain",)).get_content()
    assert ledger(project / "config.toml") == {}


def test_other_host_names_and_cross_site_posts_are_refused(preview):
    own = {"Host": preview.url.removeprefix("http://"), "Content-Type": "application/x-www-form-urlencoded"}
    assert preview.request("GET", "/", {**own, "Host": "evil.example"}) == 403
    assert preview.request("POST", "/draft/shape", {**own, "Origin": "http://evil.example"}) == 403
    assert preview.request("POST", "/draft/shape", {**own, "Origin": preview.url}) == 303


def test_the_command_serves_off_loopback_behind_a_login(project):
    command = [
        sys.executable,
        "-m",
        "newsletter",
        "preview",
        "--host",
        "0.0.0.0",
        "--port",
        "0",
        "--date",
        DAY.isoformat(),
        "--config",
        str(project / "config.toml"),
    ]
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True) as process:
        try:
            login, serving = process.stderr.readline(), process.stderr.readline()
            token = re.fullmatch(
                r"Off loopback: log in with this token \(or set NEWSLETTER_PREVIEW_PASSWORD\): (\S+)\n", login
            )[1]
            port = int(
                re.fullmatch(r"Previewing the next issue on http://0\.0\.0\.0:(\d+)/draft \(Ctrl-C stops\)\n", serving)[
                    1
                ]
            )
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                connection.request(
                    "POST",
                    "/login",
                    body=f"password={token}",
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                logged_in = connection.getresponse()
                logged_in.read()
                cookie = logged_in.getheader("set-cookie").split(";")[0]
                connection.request("GET", "/draft", headers={"Cookie": cookie})
                response = connection.getresponse()
                assert response.status == 200 and "News and Comment from Roy Lilley" in response.read().decode()
            finally:
                connection.close()
        finally:
            process.terminate()
            process.wait(timeout=30)
