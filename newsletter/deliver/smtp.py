"""SMTP: the only code that opens a connection to a mail server.

A `Connection` is opened once and reused for many messages (one recipient each); it is
reopened after the server drops it, and pipelines its commands when the server offers it.
The message goes out already dot-stuffed in one bytes.replace (smtplib's data() runs a
regular expression over it instead: a large share of the cost of a 50 KB message). `deliver` sends one message, retrying dropped
connections with doubling pauses; a 4xx reply is returned at once (greylisting servers want
minutes, not seconds: the dispatcher defers the recipient in the ledger); 5xx replies are final. A server that cannot be reached or
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
from dataclasses import dataclass, field

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
    password: str | None = field(default=None, repr=False)  # never in a log or traceback
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


def tls_context(settings: SmtpSettings) -> ssl.SSLContext | None:
    """The TLS context every connection of one send shares (building one costs ~40 ms); None without TLS."""
    return None if settings.security == "none" else ssl.create_default_context()  # verifies certificate and name


class Connection:
    """One reused SMTP connection, opened on demand; `context` is shared by a send's connections."""

    def __init__(self, settings: SmtpSettings, context: ssl.SSLContext | None = None):
        self.settings = settings
        self._context = context if context is not None else tls_context(settings)
        self._smtp: smtplib.SMTP | None = None

    @property
    def is_open(self) -> bool:
        return self._smtp is not None

    def open(self) -> None:
        s = self.settings
        where = f"SMTP server {s.host}:{s.port}"
        if s.username and s.security == "none" and not is_loopback(s.host):
            raise Unavailable(f"{where}: refusing to send a password without TLS ([smtp] security)", permanent=True)
        try:
            self._smtp = _connect(s, self._context)
        except smtplib.SMTPAuthenticationError as e:
            raise Unavailable(f"{where}: login refused: {_reply_text(e.smtp_error)}", permanent=True) from None
        except ssl.SSLError as e:
            raise Unavailable(f"{where}: TLS failed: {e}", permanent=True) from None
        except (smtplib.SMTPException, OSError) as e:
            raise Unavailable(f"{where}: cannot connect: {e}") from None

    def send(self, sender: str, recipient: str, data: bytes, go: Callable[[], bool] | None = None) -> Reply | None:
        """One attempt: MAIL, RCPT, DATA. A refusal resets the session; a dropped line closes it.

        `go()`, when given, is asked once the server has answered MAIL and RCPT (yes or no) and
        before DATA: the caller commits its ledger meanwhile, so the wait overlaps the round
        trip. False ends the transaction with RSET and returns None: the connection stays
        open for the next recipient (hanging up after DATA's 354 cost a reconnect each).
        """
        if self._smtp is None:
            self.open()
        smtp = self._smtp
        try:
            reply = self._envelope(smtp, sender, recipient, with_data=go is None)
            if go is not None and not go():
                if reply is None:
                    self._reset()
                return None
            if reply is None and go is not None:
                reply = self._data_command(smtp, sender)
            if reply is not None:
                return reply
            smtp.send(dot_stuffed(data))
            code, text = text_reply(smtp.getreply())
            if code == 421:
                self.close()
            return Reply(code, text)
        except (smtplib.SMTPException, OSError) as e:
            self.close()
            return Reply(0, f"connection lost: {e or type(e).__name__}")

    def _envelope(self, smtp: smtplib.SMTP, sender: str, recipient: str, *, with_data: bool) -> Reply | None:
        """MAIL, RCPT (and DATA when `with_data`): the refusal, or None when all were accepted.

        With PIPELINING (RFC 2920) the commands go in one write: one round trip, not two or three.
        """
        if _unsafe(sender):
            raise Unavailable(f"the sender {sender!r} holds a line break or angle bracket: refused", permanent=True)
        if _unsafe(recipient):  # written raw when pipelined: a CR/LF would smuggle in another command
            return Reply(501, f"not sent: the address {recipient!r} holds a line break or angle bracket", "rcpt")
        commands = (
            (f"MAIL FROM:<{sender}>", "mail", (250,)),
            (f"RCPT TO:<{recipient}>", "rcpt", (250, 251)),
            ("DATA", "data", (354,)),
        )[: 3 if with_data else 2]
        if smtp.has_extn("pipelining"):
            smtp.send("".join(f"{command}\r\n" for command, _, _ in commands).encode("ascii"))
            replies = [text_reply(smtp.getreply()) for _ in commands]
        else:
            replies = []
            for command, _, wanted in commands:
                replies.append(text_reply(smtp.docmd(command)))
                if replies[-1][0] not in wanted:
                    break
        for (code, text), (_, stage, wanted) in zip(replies, commands):
            if code not in wanted:
                if replies[-1][0] == 354:  # a server that said go ahead to nobody: end it unsent
                    self.hang_up()
                return self._refused(Reply(code, text, stage), sender)
        return None

    def _data_command(self, smtp: smtplib.SMTP, sender: str) -> Reply | None:
        """DATA on its own, once the caller said go: None when the server waits for the message."""
        code, text = text_reply(smtp.docmd("DATA"))
        return None if code == 354 else self._refused(Reply(code, text, "data"), sender)

    def _reset(self) -> None:
        """RSET an accepted envelope we will not use, keeping the connection."""
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def _refused(self, reply: Reply, sender: str) -> Reply:
        """End the refused transaction; a 5xx for our sender address would refuse every message."""
        if reply.code == 421 or self._smtp is None:  # the server is closing the session, or we did
            self.close()
        else:
            self._reset()
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

    def hang_up(self) -> None:
        """Close without QUIT: in the middle of DATA a QUIT would be taken as part of the message."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()


def deliver(
    conn: Connection,
    sender: str,
    recipient: str,
    data: bytes,
    *,
    retries: int,
    sleep: Callable[[float], None] = time.sleep,
    pause: float = 1.0,
    go: Callable[[], bool] | None = None,
) -> tuple[Reply | None, int]:
    """Send one message; returns the final reply (None if `go` said no) and the attempts made.

    Dropped connections are tried again after `pause`, then twice that, and so on, `retries`
    times; a 4xx reply is returned at once, for the caller to defer. `go` is asked once, before the first DATA (see Connection.send).
    Raises Unavailable when the server cannot be reached again.
    """
    dropped = False
    once = _Once(go) if go else None
    for attempt in range(retries + 1):
        try:
            reply = conn.send(sender, recipient, data, once)
        except Unavailable as e:
            if e.permanent or attempt == retries:
                raise Unavailable(str(e), permanent=e.permanent, maybe_delivered=dropped) from None
            reply = Reply(0, str(e))
        if reply is None:
            return None, attempt + 1
        dropped = dropped or reply.code == 0
        if reply.code != 0 or attempt == retries:
            return reply, attempt + 1
        sleep(min(pause * 2**attempt, MAX_PAUSE))
    raise AssertionError("unreachable")


def send_one(
    settings: SmtpSettings,
    sender: str,
    recipient: str,
    data: bytes,
    *,
    retries: int,
    sleep: Callable[[float], None] = time.sleep,
) -> Reply | None:
    """One message on a connection of its own (a test, a notice to the editor): opened, sent, closed."""
    connection = Connection(settings)
    try:
        reply, _ = deliver(connection, sender, recipient, data, retries=retries, sleep=sleep)
    finally:
        connection.close()
    return reply


class _Once:
    """Asks `go` the first time only; later attempts get the same answer."""

    def __init__(self, go: Callable[[], bool]):
        self.go, self.answer = go, None

    def __call__(self) -> bool:
        if self.answer is None:
            self.answer = self.go()
        return self.answer


class RateLimit:
    """At most `per_second` messages a second over all threads; 0 for no limit."""

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
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


def _connect(s: SmtpSettings, context: ssl.SSLContext | None) -> smtplib.SMTP:
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


def _unsafe(address: str) -> bool:
    """True for an address that could end its SMTP command early or start another."""
    return any(c in address for c in "\r\n\0<>")


def dot_stuffed(data: bytes) -> bytes:
    """The DATA payload: a line starting with "." gets another (RFC 5321 4.5.2), then the end mark.

    What smtplib's data() does with a regular expression, in one bytes.replace: a fifth
    of the cost of sending a 50 KB message. `data` has CRLF line ends and a header first.
    """
    return data.replace(b"\r\n.", b"\r\n..") + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n"


def text_reply(reply: tuple[int, bytes | str]) -> tuple[int, str]:
    return reply[0], _reply_text(reply[1])


def _reply_text(text: bytes | str) -> str:
    """A server reply as one line of text for the ledger (multi-line replies are joined)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(text.split())


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
