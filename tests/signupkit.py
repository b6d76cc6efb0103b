"""Helpers for the sign-up tests: a real `newsletter serve` process, waiting for mail, links in mail."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

from sendkit import BASE_URL

LINK = re.compile(re.escape(BASE_URL) + r"(/(?:confirm|manage)/[A-Za-z0-9_-]+)")
ROOT = Path(__file__).resolve().parent.parent


class Mail:
    """Waits for messages at the test SMTP server (woken by each one, no polling); `wait(address, n)`
    returns once `address` has n messages, failing after `timeout` seconds."""

    def __init__(self, smtp_server, timeout: float = 20):
        self.server, self.timeout = smtp_server, timeout
        self.arrived = threading.Condition()
        smtp_server.on_message = self._woken

    def _woken(self, _count: int) -> None:
        with self.arrived:
            self.arrived.notify_all()

    def wait(self, address: str, count: int = 1):
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.server.to(address)) >= count, self.timeout), (
                f"{address} got {len(self.server.to(address))} message(s), not {count}"
            )
        return self.server.to(address)[count - 1]


def link_in(received, kind: str) -> str:
    """The path of the first /confirm/ or /manage/ link in a message's text part."""
    text = received.message.get_body(("plain",)).get_content()
    found = [m.group(1) for m in LINK.finditer(text) if m.group(1).startswith(f"/{kind}/")]
    assert found, text
    return found[0]


def html_link(received, words: str) -> str:
    """The path of the HTML part's link whose text is `words`."""
    import lxml.html

    doc = lxml.html.document_fromstring(received.message.get_body(("html",)).get_content())
    [href] = [a.get("href") for a in doc.iter("a") if a.text_content().strip() == words]
    assert href.startswith(BASE_URL), href
    return href[len(BASE_URL) :]


class Serve:
    """`newsletter serve --port 0` as its own process; `url` is where it listens."""

    def __init__(self, config: Path, secret: str):
        env = {**os.environ, "NEWSLETTER_SECRET": secret, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "newsletter", "serve", "--port", "0", "--config", str(config)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stderr.readline()
        found = re.search(r"Serving on (http://127\.0\.0\.1:\d+)/", line)
        assert found, line + self.process.stderr.read() if self.process.poll() is not None else line
        self.url = found.group(1)
        self.log: list[str] = []  # the server's later lines, read so its pipe never fills
        self.reader = threading.Thread(target=lambda: self.log.extend(self.process.stderr), daemon=True)
        self.reader.start()

    def __enter__(self) -> "Serve":
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.reader.join(10)  # the pipe ends with the process
        self.process.stderr.close()
        if exc[0] is not None:
            print("newsletter serve said:", *self.log, sep="\n")  # shown with the failure
