"""SMTP: the only code that opens a connection to a mail server.

A `Connection` is opened once and reused for many messages (one recipient each); it is
reopened after the server drops it. `deliver` sends one message, retrying 4xx replies
and drops with doubling pauses; 5xx replies are final. A server that cannot be reached or
refuses us as a client (TLS, login, sender) raises `Unavailable`: that stops the whole
send, since every other message would fail the same way.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import DeliverError

PASSWORD_VARIABLE = "NEWSLETTER_SMTP_PASSWORD"
BOUNCE_CODES = (550, 551, 553)  # at RCPT: no such mailbox, not local, bad address
MAX_PAUSE = 60.0


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"  # "starttls", "tls" or "none"
    username: str = ""
    password: str | None = None
    timeout: float = 60.0
    helo: str | None = None  # the name we give in EHLO; None asks the system (may be slow)


@dataclass(frozen=True)
class Reply:
    """The server's last word on one message; code 0 when the connection was lost instead."""

    code: int
    text: str
    stage: str = "data"

    @property
    def status(self) -> str:
        """sent, retry (4xx or dropped), bounced (the mailbox does not exist) or failed (other 5xx)."""
        if 200 <= self.code < 300:
            return "sent"
        if self.code < 500:
            return "retry"
        bad_mailbox = self.stage == "rcpt" and self.code in BOUNCE_CODES
        return "bounced" if bad_mailbox or self.text.startswith("5.1.") else "failed"

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip() if self.code else self.text


class Unavailable(DeliverError):
    """The server cannot be used at all; `maybe_delivered` when a message may have got through first."""

    def __init__(self, message: str, *, permanent: bool = False, maybe_delivered: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.maybe_delivered = maybe_delivered


class Connection:
    """One reused SMTP connection, opened on demand."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    @property
    def is_open(self) -> bool:
        return self._smtp is not None

    def open(self) -> None:
        s = self.settings
        where = f"SMTP server {s.host}:{s.port}"
        if s.username and s.security == "none" and not _is_loopback(s.host):
            raise Unavailable(f"{where}: refusing to send a password without TLS ([smtp] security)", permanent=True)
        try:
            self._smtp = _connect(s)
        except smtplib.SMTPAuthenticationError as e:
            raise Unavailable(f"{where}: login refused: {_reply_text(e.smtp_error)}", permanent=True) from None
        except ssl.SSLError as e:
            raise Unavailable(f"{where}: TLS failed: {e}", permanent=True) from None
        except (smtplib.SMTPException, OSError) as e:
            raise Unavailable(f"{where}: cannot connect: {e}") from None

    def send(self, sender: str, recipient: str, data: bytes) -> Reply:
        """One attempt: MAIL, RCPT, DATA. A refusal resets the session; a dropped line closes it."""
        if self._smtp is None:
            self.open()
        smtp = self._smtp
        try:
            code, text = text_reply(smtp.mail(sender))
            if code != 250:
                return self._refused(Reply(code, text, "mail"), sender)
            code, text = text_reply(smtp.rcpt(recipient))
            if code not in (250, 251):
                return self._refused(Reply(code, text, "rcpt"), sender)
            code, text = text_reply(smtp.data(data))
            if code == 421:
                self.close()
            return Reply(code, text)
        except smtplib.SMTPDataError as e:  # DATA itself refused, before the message went
            return self._refused(Reply(e.smtp_code, _reply_text(e.smtp_error)), sender)
        except (smtplib.SMTPException, OSError) as e:
            self.close()
            return Reply(0, f"connection lost: {e or type(e).__name__}")

    def _refused(self, reply: Reply, sender: str) -> Reply:
        """End the refused transaction; a 5xx for our sender address would refuse every message."""
        if reply.code == 421:  # the server is closing the session
            self.close()
        else:
            try:
                self._smtp.rset()
            except (smtplib.SMTPException, OSError):
                self.close()
        if reply.stage == "mail" and reply.code >= 500:
            raise Unavailable(f"the server refuses the sender {sender}: {reply}", permanent=True)
        return reply

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def deliver(conn: Connection, sender: str, recipient: str, data: bytes, *, retries: int,
            sleep: Callable[[float], None] = time.sleep, pause: float = 1.0) -> tuple[Reply, int]:
    """Send one message; returns the final reply and how many attempts it took.

    4xx replies and dropped connections are tried again after `pause`, then twice that, and
    so on, `retries` times. Raises Unavailable when the server cannot be reached again.
    """
    dropped = False
    for attempt in range(retries + 1):
        try:
            reply = conn.send(sender, recipient, data)
        except Unavailable as e:
            if e.permanent or attempt == retries:
                raise Unavailable(str(e), permanent=e.permanent, maybe_delivered=dropped) from None
            reply = Reply(0, str(e))
        dropped = dropped or reply.code == 0
        if reply.status != "retry" or attempt == retries:
            return reply, attempt + 1
        sleep(min(pause * 2 ** attempt, MAX_PAUSE))
    raise AssertionError("unreachable")


class RateLimit:
    """At most `per_second` messages a second over all threads; 0 for no limit."""

    def __init__(self, per_second: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval = 1.0 / per_second if per_second else 0.0
        self.clock, self.sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = self.clock()
            slot = max(self._next, now)
            self._next = slot + self.interval
        if slot > now:
            self.sleep(slot - now)


def _connect(s: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()  # verifies the certificate and the host name
    if s.security == "tls":
        smtp = smtplib.SMTP_SSL(s.host, s.port, local_hostname=s.helo, timeout=s.timeout, context=context)
    else:
        smtp = smtplib.SMTP(s.host, s.port, local_hostname=s.helo, timeout=s.timeout)
    try:
        smtp.ehlo()
        if s.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if s.username:
            if not s.password:
                raise Unavailable(f"{PASSWORD_VARIABLE} is not set; [smtp] username needs it", permanent=True)
            smtp.login(s.username, s.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def text_reply(reply: tuple[int, bytes | str]) -> tuple[int, str]:
    return reply[0], _reply_text(reply[1])


def _reply_text(text: bytes | str) -> str:
    """A server reply as one line of text for the ledger (multi-line replies are joined)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(text.split())


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
