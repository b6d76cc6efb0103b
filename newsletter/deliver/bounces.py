"""What a message in the bounce mailbox says: a hard or soft bounce, a complaint, or an unsubscribe.

Standard shapes first: RFC 3464 delivery status notifications (multipart/report;
report-type=delivery-status: what Postfix, Exchange and Gmail send, each with its own human
part) and RFC 5965 ARF complaints (report-type=feedback-report). Then the common
non-standard bounce, plain text from Exim and qmail-like servers, read with a small table
of patterns (FAILED_SUBJECT, STATUS_CODE, the "copy of the message" marker). Who it is
about comes, in order of trust, from the signed VERP token in the address the report was
sent to, the signed unsubscribe token in the returned List-Unsubscribe header, the
returned Message-ID (looked up in the ledger by the caller), then the failed address.
A message that fits none of these is left alone (kind "").
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email.message import EmailMessage, Message

from ..models import COMPLAINT, HARD, SOFT, UNSUBSCRIBE
from .tokens import TOKEN, Tokens

ADDRESSED_TO = ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
FAILED_SUBJECT = re.compile(
    r"undeliver|delivery (status notification|failure|has failed)|mail delivery failed|"
    r"returned mail|failure notice|non.?delivery|delivery problem",
    re.I,
)
STATUS_CODE = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
SMTP_CODE = re.compile(r"(?<![\d.])([45][0-5]\d)[ -]")
ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")
MESSAGE_ID = re.compile(r"^Message-ID:\s*(<[^<>\s]{1,250}>)", re.I | re.M)
UNSUBSCRIBE_LINK = re.compile(r"/unsubscribe/(" + TOKEN.pattern + r")")
COPY_MARKERS = re.compile(
    r"^[ -]*(This is a copy of the message|Original message follows|"
    r"Below this line is a copy of the message)",
    re.I | re.M,
)
MAX_DETAIL = 300
MAX_TEXT = 64 * 1024  # of a human-readable part worth looking at


@dataclass(frozen=True)
class Report:
    """One report: its kind, who it names (subscriber id from a signed token; addresses; returned
    Message-IDs), and the evidence (status code and the server's words, one bounded line)."""

    kind: str
    subscriber: int | None = None
    addresses: tuple[str, ...] = ()
    message_ids: tuple[str, ...] = ()
    code: str = ""
    detail: str = ""
    # An unsubscribe token names its subscription by id and random key: the store must match both,
    # or a token kept from a deleted subscriber would unsubscribe whoever reuses the id.
    keyed: bool = False
    key: str | None = None


@dataclass(frozen=True)
class Reader:
    """Classifies messages for one list: its bounce address pattern, its tokens, its unsubscribe address."""

    bounce_tokens: Tokens
    unsubscribe_tokens: Tokens
    bounce_address: str = ""  # "bounces+{token}@example.org", or "" without VERP
    unsubscribe_address: str = ""

    def classify(self, message: EmailMessage) -> Report:
        report = _report(message)
        subscriber = self._verp(message)
        if report is None and self._to_unsubscribe(message):
            return self._unsubscribe_mail(message)
        if report is None:
            return Report("")
        evidence = report.addresses, report.message_ids, report.code, report.detail
        if subscriber is not None:  # VERP: bounce tokens carry no key
            return Report(report.kind, subscriber, *evidence)
        # the returned copy's unsubscribe link names a subscription by its id and key, as a link does
        named = next((n for n in map(self.unsubscribe_tokens.read, report.tokens) if n is not None), None)
        return Report(report.kind, named and named[0], *evidence, keyed=named is not None, key=named and named[1])

    def _verp(self, message: Message) -> int | None:
        if "{token}" not in self.bounce_address:
            return None
        before, after = self.bounce_address.split("{token}", 1)
        pattern = re.compile(re.escape(before) + "(" + TOKEN.pattern + ")" + re.escape(after), re.I)
        for name in ADDRESSED_TO:
            for value in _headers(message, name):
                for token in pattern.findall(value):
                    found = self.bounce_tokens.read(token)
                    if found is not None:
                        return found[0]  # (subscriber id, None): bounce tokens carry no key
        return None

    def _to_unsubscribe(self, message: Message) -> bool:
        address = self.unsubscribe_address.lower()
        return bool(address) and any(
            address in value.lower() for name in ADDRESSED_TO for value in _headers(message, name)
        )

    def _unsubscribe_mail(self, message: Message) -> Report:
        """A mail to the List-Unsubscribe mailto: address; our link puts the signed token in the subject."""
        subject = " ".join(_headers(message, "Subject"))
        named = next((n for n in map(self.unsubscribe_tokens.read, re.findall(TOKEN.pattern, subject)) if n), None)
        senders = tuple(a.lower() for value in _headers(message, "From") for a in ADDRESS.findall(value))[:1]
        detail = _line(f"unsubscribe mail: {subject}")
        if named is None:
            return Report(UNSUBSCRIBE, None, senders, (), "", detail)
        return Report(UNSUBSCRIBE, named[0], (), (), "", detail, keyed=True, key=named[1])


@dataclass(frozen=True)
class _Found:
    kind: str
    addresses: tuple[str, ...]
    message_ids: tuple[str, ...]
    code: str
    detail: str
    tokens: tuple[str, ...]


def _report(message: Message) -> _Found | None:
    kind = message.get_content_type()
    report_type = (message.get_param("report-type") or "").lower() if kind == "multipart/report" else ""
    if report_type == "feedback-report":
        return _complaint(message)
    if report_type == "delivery-status":
        return _dsn(message)
    subject = " ".join(_headers(message, "Subject"))
    sender = " ".join(_headers(message, "From")).lower()
    if FAILED_SUBJECT.search(subject) or "mailer-daemon" in sender or "postmaster" in sender:
        return _text_bounce(message)
    return None


def _complaint(message: Message) -> _Found:
    """RFC 5965: a machine-readable part, and the original message or its headers."""
    fields = _fields(message, "message/feedback-report")
    feedback = (fields[0].get("Feedback-Type", "abuse") if fields else "abuse").strip()
    rcpts = tuple(a.lower() for f in fields for a in ADDRESS.findall(f.get("Original-Rcpt-To", "")))
    original = _original(message)
    addresses = rcpts or tuple(a.lower() for a in ADDRESS.findall(_header_of(original, "To")))
    return _Found(
        COMPLAINT,
        addresses[:5],
        tuple(MESSAGE_ID.findall(original))[:5],
        "",
        _line(f"complaint ({feedback})"),
        tuple(UNSUBSCRIBE_LINK.findall(original)),
    )


def _dsn(message: Message) -> _Found | None:
    """RFC 3464: one block per recipient with Action, Status, Final-Recipient, Diagnostic-Code."""
    groups = _fields(message, "message/delivery-status")
    failed = [g for g in groups if g.get("Action", "").strip().lower() == "failed"]
    if not failed:
        return None  # delayed, delivered, relayed: a notice, not a bounce
    worst = min(failed, key=lambda g: not g.get("Status", "").strip().startswith("5"))
    status = STATUS_CODE.search(worst.get("Status", ""))
    code = status.group(1) if status else ""
    diagnostic = worst.get("Diagnostic-Code", "")
    if not code:
        found = STATUS_CODE.search(diagnostic) or SMTP_CODE.search(diagnostic)
        code = found.group(1) if found else ""
    addresses = tuple(
        a.lower()
        for g in failed
        for a in ADDRESS.findall(g.get("Final-Recipient", "") or g.get("Original-Recipient", ""))
    )
    original = _original(message)
    return _Found(
        HARD if code.startswith("5") or not code else SOFT,
        addresses[:5],
        tuple(MESSAGE_ID.findall(original))[:5],
        code,
        _line(diagnostic.partition(";")[2] or diagnostic),
        tuple(UNSUBSCRIBE_LINK.findall(original)),
    )


def _text_bounce(message: Message) -> _Found | None:
    """A bounce in plain words (Exim, qmail): the failed addresses and codes come before the returned copy."""
    text = _text(message)
    marker = COPY_MARKERS.search(text)
    head, copy = (text[: marker.start()], text[marker.end() :]) if marker else (text, "")
    for part in message.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            copy += "\n" + _part_text(part)
    found = STATUS_CODE.search(head) or SMTP_CODE.search(head)
    if not found:
        return None
    code = found.group(1)
    addresses = tuple(dict.fromkeys(a.lower() for a in ADDRESS.findall(head)))
    line = next((line for line in head.splitlines() if code in line), "")
    return _Found(
        HARD if code.startswith("5") else SOFT,
        addresses[:5],
        tuple(MESSAGE_ID.findall(copy))[:5],
        code,
        _line(line),
        tuple(UNSUBSCRIBE_LINK.findall(copy)),
    )


def _fields(message: Message, content_type: str) -> list[Message]:
    """The header blocks of a machine-readable report part (the email package parses them as messages)."""
    blocks: list[Message] = []
    for part in message.walk():
        if part.get_content_type() == content_type:
            payload = part.get_payload()
            if isinstance(payload, list):
                blocks += [p for p in payload if isinstance(p, Message)]
            elif isinstance(payload, str):  # not split into blocks: parse the text ourselves
                blocks += [
                    email.message_from_string(b.strip() + "\n") for b in re.split(r"\n\s*\n", payload) if b.strip()
                ]
    return blocks


def _original(message: Message) -> str:
    """The returned message or its headers, as text (bounded)."""
    for part in message.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            return _part_text(part)
    return ""


def _part_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n".join(
            p.as_string(policy=p.policy.clone(max_line_length=0))[:MAX_TEXT] if hasattr(p, "as_string") else ""
            for p in payload
        )[:MAX_TEXT]
    raw = part.get_payload(decode=True) or b""
    return raw[:MAX_TEXT].decode("utf-8", "replace")


def _text(message: Message) -> str:
    texts = []
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.is_multipart():
            texts.append((part.get_payload(decode=True) or b"")[:MAX_TEXT].decode("utf-8", "replace"))
    return "\n".join(texts)[:MAX_TEXT]


def _headers(message: Message, name: str) -> list[str]:
    """A header's values as plain strings; a value the parser chokes on is skipped (mail is untrusted).

    Each value is parsed on its own: `get_all` parses them all at once, so one broken address
    ("a@[") would make the whole report unreadable."""
    values = []
    for key, raw in message.raw_items():
        if key.lower() != name.lower():
            continue
        try:
            values.append(str(message.policy.header_fetch_parse(key, raw))[:2000])
        except Exception:
            continue
    return values


def _header_of(text: str, name: str) -> str:
    found = re.search(rf"^{name}:\s*(.*(?:\n[ \t].*)*)", text, re.I | re.M)
    return found.group(1) if found else ""


def _line(text: str) -> str:
    """Evidence as one line: no CR, LF or control characters, bounded."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:MAX_DETAIL]
