"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, port 0, keeping what it receives.

Replies can be scripted per recipient: a queue of lines given at RCPT or at the end of
DATA ("drop" closes the connection instead of answering; a 421 closes it after answering),
so tests can drive retries, bounces and reconnects against a real server.
"""

from __future__ import annotations

import email
import email.policy
import threading
from collections import defaultdict, deque
from dataclasses import dataclass

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    sender: str
    recipient: str
    data: bytes
    helo: str = ""  # the name the client gave in EHLO: which sender it was, when several share the server

    @property
    def message(self):
        return email.message_from_bytes(self.data, policy=email.policy.default)


class Recorder:
    """The aiosmtpd handler: keeps every accepted message, follows the script, calls `on_message`."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: dict[tuple[str, str], deque[str]] = defaultdict(deque)
        self.on_message = None  # called with the count of messages received so far
        self.pipelining = True
        self.connections = 0
        self.commands: list[str] = []  # every MAIL and RCPT argument the server was given, in order
        self._lock = threading.Lock()

    def reply(self, stage: str, address: str, *lines: str) -> None:
        """Answer `address`'s next attempts at `stage` ("rcpt" or "data") with these lines, in turn."""
        self.script[(stage, address)].extend(lines)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if r.recipient == address]

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        """Counts connections; offers PIPELINING, which aiosmtpd handles but does not announce."""
        with self._lock:
            self.connections += 1
        session.host_name = hostname
        return responses[:1] + ["250-PIPELINING"] * self.pipelining + responses[1:]

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.commands.append(f"MAIL {address}")
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.commands.append(f"RCPT {address}")
        scripted = self._scripted("rcpt", address, server)
        if scripted:
            return scripted
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        [recipient] = envelope.rcpt_tos
        scripted = self._scripted("data", recipient, server)
        if scripted:
            return scripted
        with self._lock:
            self.received.append(Received(envelope.mail_from, recipient, envelope.original_content, session.host_name))
            count = len(self.received)
        if self.on_message:
            self.on_message(count)
        return f"250 2.0.0 Ok: queued as {count}"

    def _scripted(self, stage: str, address: str, server) -> str | None:
        with self._lock:
            queue = self.script.get((stage, address))
            line = queue.popleft() if queue else None
        if line == "drop" or (line or "").startswith("421"):
            server.transport.close()
        return line


class LoopbackController(Controller):
    """aiosmtpd's Controller on port 0: learns its real port before checking the server is up."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()
