"""Attacks on `newsletter preview` served off loopback (issue 14, items 3 and 13), against the
real command: DNS rebinding (another Host), no login, a wrong password, spoofed notices."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sendkit import SECRET

ROOT = Path(__file__).resolve().parent.parent
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PASSWORD = "a long preview password, not guessable"


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    """(port) of `newsletter preview --host 0.0.0.0 --allowed-host preview.example` with a password set."""
    folder = tmp_path_factory.mktemp("preview")
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    shutil.copy(ROOT / "config.toml", folder / "config.toml")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSLETTER_SECRET": SECRET, "NEWSLETTER_PREVIEW_PASSWORD": PASSWORD}
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
        "2016-08-31",
        "--allowed-host",
        "preview.example",
        "--config",
        str(folder / "config.toml"),
    ]
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert (
                process.stderr.readline() == "Off loopback: log in with the password in NEWSLETTER_PREVIEW_PASSWORD\n"
            )
            yield int(re.search(r":(\d+)/draft", process.stderr.readline())[1])
        finally:
            process.terminate()
            process.wait(timeout=30)


def ask(port: int, method: str, path: str, body: str = "", **headers) -> tuple[int, dict, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body.encode(), headers={"Host": "preview.example", **FORM, **headers})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
    finally:
        connection.close()


def log_in(port: int) -> str:
    status, headers, _ = ask(port, "POST", "/login", f"password={PASSWORD.replace(' ', '+')}")
    assert status == 303 and headers["location"] == "/draft"
    assert "httponly" in headers["set-cookie"].lower() and "samesite=strict" in headers["set-cookie"].lower()
    return headers["set-cookie"].split(";")[0]


def test_a_rebinding_page_gets_nothing_even_on_a_wildcard_address(preview):
    for host in ("evil.example", "0.0.0.0", "preview.example.evil.example"):
        status, _, text = ask(preview, "GET", "/draft", Host=host)
        assert status == 403 and "does not answer to the host name" in text, host
    cookie = log_in(preview)
    assert ask(preview, "GET", "/draft", Host="evil.example", Cookie=cookie)[0] == 403


def test_every_page_needs_a_login_and_a_wrong_password_gets_none(preview):
    for path in ("/", "/draft", "/draft/issue.eml", "/events", "/issues/1"):
        status, headers, _ = ask(preview, "GET", path)
        assert status == 303 and headers["location"] == "/login", path
    for path in ("/draft/shape", "/draft/test"):
        assert ask(preview, "POST", path, "address=victim@example.org")[0] == 403
    status, headers, text = ask(preview, "POST", "/login", "password=guess")
    assert status == 403 and "set-cookie" not in headers and "not the password" in text
    assert ask(preview, "GET", "/draft", Cookie="preview_session=made-up")[0] == 303
    assert ask(preview, "POST", "/login", f"password={PASSWORD}", Origin="http://evil.example")[0] == 403
    status, _, text = ask(preview, "GET", "/draft", Cookie=log_in(preview))
    assert status == 200 and "News and Comment from Roy Lilley" in text


def test_a_link_cannot_put_words_on_the_page_and_real_messages_show_once(preview):
    cookie = log_in(preview)
    spoof = "Your+account+is+suspended:+call+0800+000"
    for query in (f"notice={spoof}", f"problem={spoof}", "said=invented", f"said={spoof}"):
        status, _, text = ask(preview, "GET", f"/draft?{query}", Cookie=cookie)
        assert status == 200 and "suspended" not in text and 'role="status"' not in text, query
    status, headers, _ = ask(
        preview, "POST", "/draft/test", "address=not-an-address", Cookie=cookie, Origin="http://preview.example"
    )
    assert status == 303 and re.fullmatch(r"/draft\?said=[\w-]{20,}", headers["location"])
    shown = ask(preview, "GET", headers["location"], Cookie=cookie)[2]
    assert re.search(r'role="alert">the test was not sent: [^<]*not-an-address', shown)
    assert 'role="alert">the test was not sent' not in ask(preview, "GET", headers["location"], Cookie=cookie)[2]
