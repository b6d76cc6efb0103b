"""CR/LF in addresses (issue 14, item 5): every configured address is checked like a subscriber's,
and no SMTP command argument carries a line break, on the pipelined path and the plain one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsletter.deliver.smtp import Connection, SmtpSettings, Unavailable

ROOT = Path(__file__).resolve().parent.parent
MESSAGE = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: x\r\n\r\nbody\r\n"


def smuggled(address: str) -> list[str]:
    """One address with an extra command after it, in each way a line can be broken."""
    return [f"{address}>{brk}RCPT TO:<attacker@evil.example" for brk in ("\r\n", "\n", "\r", "\0")]


@pytest.mark.parametrize("pipelining", [True, False])
def test_a_line_break_in_a_recipient_sends_no_extra_command(smtp_server, pipelining):
    smtp_server.pipelining = pipelining
    connection = Connection(SmtpSettings("127.0.0.1", smtp_server.port, "none", helo="example.org"))
    try:
        for recipient in smuggled("victim@example.org"):
            reply = connection.send("eletter@example.org", recipient, MESSAGE)
            assert reply.code == 501 and reply.status == "failed"
        with pytest.raises(Unavailable, match="the sender"):
            connection.send(smuggled("eletter@example.org")[0], "reader@example.org", MESSAGE)
        assert connection.send("eletter@example.org", "reader@example.org", MESSAGE).status == "sent"
    finally:
        connection.close()
    assert smtp_server.commands == ["MAIL eletter@example.org", "RCPT reader@example.org"]
    assert [r.recipient for r in smtp_server.received] == ["reader@example.org"]


BAD = {
    ("schedule", "editor_email"): [
        "editor@example.org\\r\\nRCPT TO:<x@evil.example>",
        "editor@example.org\\n",
        "a@example.org, b@example.org",
        "no-at-sign",
        "Editor <editor@example.org>",
        "editor@@example.org",
        "éditeur@example.org",
    ],
    ("email", "from_address"): [
        "News <news@example.org>\\r\\nBcc: x@evil.example",
        "News",
        "a@example.org, b@example.org",
    ],
    ("email", "unsubscribe_address"): ["u@example.org\\rRCPT TO:<x@evil.example>", "Name <u@example.org>"],
    ("email", "to_placeholder"): ["Subscriber <s@example.invalid>\\nBcc: x@evil.example"],
}


@pytest.mark.parametrize("where,value", [(k, v) for k, values in BAD.items() for v in values])
def test_every_configured_address_is_checked_like_a_subscribers(tmp_path, where, value):
    section, key = where
    config = tmp_path / "config.toml"
    config.write_text(f'[{section}]\n{key} = "{value}"\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "newsletter", "db", "current", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"Error: {config}: [{section}].{key}")
