"""Rendered issue -> MIME message, purely: the caller passes the date and Message-ID, and the
MIME boundary derives from the content, so the same inputs give the same bytes every time."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from ..errors import DeliverError
from ..models import Rendered
from .headers import clean_header

# dot-atom text (RFC 5322) for the left of a Message-ID; a host name for the right.
ID_LEFT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
ID_DOMAIN = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*")
HEADER_NAME = re.compile(r"[!-9;-~]+")  # printable ASCII without ":" (RFC 5322 ftext)


def new_message_id(domain: str, unique: str) -> str:
    """ "<unique@domain>": deterministic, so rebuilding an issue keeps its Message-ID."""
    if not ID_LEFT.fullmatch(unique):
        raise DeliverError(f"Message-ID: {unique!r} is not a valid left part (letters, digits, . - _ ...)")
    if not ID_DOMAIN.fullmatch(domain):
        raise DeliverError(f"Message-ID: {domain!r} is not a valid domain ([email].message_id_domain)")
    return f"<{unique}@{domain}>"


def build_message(
    rendered: Rendered,
    *,
    sender: str,
    to: str,
    date: dt.datetime,
    message_id: str,
    extra_headers: Mapping[str, str] = {},
) -> EmailMessage:
    """multipart/alternative (text/plain first, text/html last, both quoted-printable) for one
    recipient; every header value passes through clean_header."""
    if date.tzinfo is None or date.utcoffset() is None:
        raise DeliverError(f"Date: {date.isoformat()} has no zone; pass an aware datetime")
    if not _is_message_id(message_id):
        raise DeliverError(f"Message-ID: {message_id!r} is not of the form <left@domain> (see new_message_id)")
    msg = EmailMessage(policy=SMTP)
    try:
        msg["From"] = clean_header(sender)
        msg["To"] = clean_header(to)
        msg["Subject"] = clean_header(rendered.subject)
        msg["Date"] = clean_header(format_datetime(date))
        msg["Message-ID"] = clean_header(message_id)
        for name, value in extra_headers.items():
            if not HEADER_NAME.fullmatch(name):
                raise DeliverError(f"header name {name!r} is not valid")
            msg[name] = clean_header(value)
    except ValueError as e:  # e.g. a second Subject among extra_headers
        raise DeliverError(f"cannot set headers: {e}") from None
    _one_mailbox(msg, "From")
    _one_mailbox(msg, "To")
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    msg.set_boundary(_boundary(message_id, rendered))
    return msg


def plain_message(*, sender: str, to: str, subject: str, text: str, date: dt.datetime, message_id: str) -> EmailMessage:
    """A one-off text/plain message (quoted-printable): a notice to the editor, an unsubscribe link."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = clean_header(sender)
    msg["To"] = clean_header(to)
    msg["Subject"] = clean_header(subject)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg.set_content(text, charset="utf-8", cte="quoted-printable")
    return msg


def random_message_id(domain: str) -> str:
    """A fresh Message-ID for a one-off message nobody rebuilds."""
    return make_msgid(domain=domain)


def message_bytes(msg: EmailMessage) -> bytes:
    """The message as SMTP wants it: CRLF line ends, headers folded, no line over 998 octets."""
    return msg.as_bytes(policy=SMTP)


def _is_message_id(value: str) -> bool:
    left, at, domain = value.removeprefix("<").removesuffix(">").rpartition("@")
    return (
        value.startswith("<")
        and value.endswith(">")
        and bool(at)
        and bool(ID_LEFT.fullmatch(left) and ID_DOMAIN.fullmatch(domain))
    )


def _one_mailbox(msg: EmailMessage, name: str) -> None:
    """From and To must each name exactly one address (one recipient per message)."""
    addresses = msg[name].addresses
    if len(addresses) != 1 or not addresses[0].addr_spec or "@" not in addresses[0].addr_spec:
        raise DeliverError(f"{name}: {str(msg[name])!r} must be exactly one mailbox")


def _boundary(message_id: str, rendered: Rendered) -> str:
    """A boundary from the content, not from random: "=_" never occurs in quoted-printable text."""
    digest = hashlib.sha256()
    for part in (message_id, rendered.subject, rendered.text, rendered.html):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return f"=_{digest.hexdigest()[:32]}"
