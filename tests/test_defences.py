"""Defences that already held when issue 14's review attacked running instances, kept as
regression tests: script in every preview view (real Chromium), path traversal out of the
archive (real server), a STARTTLS downgrade (real SMTP server)."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sendkit import SECRET, Site, add_people, draft_issue, load, make_project
from shellkit import on_store

from newsletter import pipeline
from newsletter.store import Store
from newsletter.web import create_app

ROOT = Path(__file__).resolve().parent.parent
MARK = "PWNED"


def payloads() -> list[str]:
    """Script in each form a page can be made to run it: tags, attributes, URLs, breaking out of quotes."""
    return [
        f"<script>document.title='{MARK}'</script>",
        f"<img src=x onerror=\"document.title='{MARK}'\">",
        f'"><svg onload="document.title=\'{MARK}\'">',
        f"'><iframe srcdoc=\"<script>parent.document.title='{MARK}'</script>\">",
        f"</textarea></pre></title><script>document.title='{MARK}'</script>",
    ]


def hostile_drafts(project: Path) -> None:
    lines = payloads()
    text = [f"subject = {json.dumps(' '.join(lines))}", f"hearing = {json.dumps(lines)}"]
    for n, line in enumerate(lines):
        text += [
            "[[event]]",
            'date = "2016-09-20"',
            f"title = {json.dumps(line)}",
            f"venue = {json.dumps(line)}",
            f"about = {json.dumps(line)}",
            "tickets = \"javascript:document.title='PWNED'\"" if n == 0 else "",
        ]
    (project / "drafts").mkdir()
    (project / "drafts" / "issue-0001.toml").write_text("\n".join(text) + "\n", encoding="utf-8")


@pytest.fixture
def preview_url(tmp_path):
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    hostile_drafts(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSLETTER_SECRET": SECRET}
    command = [
        sys.executable,
        "-m",
        "newsletter",
        "preview",
        "--port",
        "0",
        "--date",
        "2016-08-31",
        "--config",
        str(tmp_path / "config.toml"),
    ]
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env) as process:
        try:
            yield re.search(r"(http://\S+)/draft", process.stderr.readline())[1]
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_no_view_of_the_preview_runs_script_from_the_issue(browser, preview_url):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(preview_url + "/draft")
    page.wait_for_selector("body[data-ready]")
    assert "<script>document.title" in page.locator("#subject").inner_text()  # shown, as text
    for label in ("Mobile", "No style", "Plain text", "Source", "Check", "Desktop"):
        page.get_by_role("tab", name=label, exact=True).click()
        page.wait_for_selector("body[data-ready]")
    page.goto(preview_url + "/")
    titles = [page.title()] + [frame.evaluate("document.title") for frame in page.frames]
    page.goto(preview_url + "/draft")
    page.wait_for_selector("body[data-ready]")
    titles += [frame.evaluate("document.title") for frame in page.frames]
    context.close()
    assert MARK not in titles and dialogs == []  # a payload that ran would have set a title to MARK


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)
    path = make_project(tmp_path, 2525)
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "index.html").write_text("<p>the archive</p>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside the archive", encoding="utf-8")
    add_people(path, 1)
    config = load(path)
    with Store(config.store_url) as store, Site(create_app(config, store)) as server:
        yield server


@pytest.mark.parametrize(
    "path",
    [
        "/archive/../secret.txt",
        "/archive/%2e%2e/secret.txt",
        "/archive/..%2fsecret.txt",
        "/archive/%2e%2e%2fsecret.txt",
        "/archive/....//secret.txt",
        "/archive/..%5csecret.txt",
        "/archive/%252e%252e/secret.txt",
        "/archive//etc/passwd",
        "/archive/%2fetc%2fpasswd",
        "/archive/../newsletter.db",
        "/archive/../config.toml",
    ],
)
def test_nothing_outside_the_archive_folder_is_served(site, path):
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_host=True)  # sent as written, not normalised by the client
        connection.putheader("Host", "127.0.0.1")
        connection.endheaders()
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
    finally:
        connection.close()
    assert response.status in (400, 404), (path, response.status)
    assert "outside the archive" not in body and "root:" not in body and "[smtp]" not in body


def test_a_server_that_hides_starttls_gets_no_message_in_clear(tmp_path, smtp_server, monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)
    path = make_project(tmp_path, smtp_server.port, security="starttls", username="eletter", retries=0)
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "the-relay-password")
    draft_issue(path)
    add_people(path, 1)
    result = on_store(pipeline.send, load(path), sleep=lambda _: None)
    assert result.run.error and "STARTTLS" in result.run.error
    assert smtp_server.received == [] and smtp_server.commands == []
