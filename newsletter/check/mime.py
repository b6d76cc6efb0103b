"""Lint a built message's raw lines, headers and MIME structure (DESIGN.md section 3,
"Message" and the bulk-sender rules). Pure: bytes in, Findings and the two bodies out."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime

from ..models import ERROR, WARNING, Finding

MAX_LINE = 998  # octets, without CRLF (RFC 5322 section 2.1.1)
MESSAGE_ID = re.compile(r"<[^<>@\s]+@[^<>@\s]+>")
ONE_CLICK = "List-Unsubscribe=One-Click"


def check_mime(raw: bytes) -> tuple[list[Finding], str | None, str | None]:
    """Findings about the message as a whole, its HTML body and its text body (None when absent)."""
    found = _lines(raw)
    # Headers as written (compat32 keeps them raw strings, so a malformed one cannot raise);
    # bodies decoded by the modern policy.
    found += _headers(email.message_from_bytes(raw))
    structure, html, text = _structure(email.message_from_bytes(raw, policy=email.policy.default))
    return found + structure, html, text


def _lines(raw: bytes) -> list[Finding]:
    """Over-long lines, which servers break wherever they like, and 8-bit bytes in the header."""
    found = []
    lengths = [(n, len(line.rstrip(b"\r"))) for n, line in enumerate(raw.split(b"\n"), 1)]
    long = [(n, size) for n, size in lengths if size > MAX_LINE]
    if long:
        n, size = long[0]
        more = f"; {len(long)} such lines" if len(long) > 1 else ""
        found.append(
            Finding(
                ERROR,
                "line-length",
                f"line {n} of the message is {size} octets; no line may exceed {MAX_LINE} (use quoted-printable){more}",
            )
        )
    header = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    if any(byte > 127 for byte in header):
        found.append(Finding(ERROR, "header-8bit", "the header holds raw 8-bit bytes; encode them (RFC 2047)"))
    return found


def _one(msg: Message, name: str, *, required: bool = True) -> list[Finding]:
    values = msg.get_all(name) or []
    if len(values) > 1:
        return [Finding(ERROR, f"header-{name.lower()}", f"{name} appears {len(values)} times; it must appear once")]
    if not values and required:
        return [Finding(ERROR, f"header-{name.lower()}", f"the message has no {name} header")]
    return []


def _headers(msg: Message) -> list[Finding]:
    found = [f for name in ("From", "Date", "Message-ID", "MIME-Version") for f in _one(msg, name)]
    found += [f for name in ("Subject", "To") for f in _one(msg, name, required=False)]
    if "Subject" not in msg:
        found.append(Finding(WARNING, "header-subject", "the message has no Subject"))
    if len(msg.get_all("From") or []) == 1:
        found += _from(msg)
    if len(msg.get_all("Date") or []) == 1:
        found += _date(str(msg["Date"]))
    if len(msg.get_all("Message-ID") or []) == 1 and not MESSAGE_ID.fullmatch(str(msg["Message-ID"]).strip()):
        found.append(Finding(ERROR, "header-message-id", f"Message-ID {str(msg['Message-ID'])!r} is not <left@domain>"))
    return found + _list_unsubscribe(msg)


def _from(msg: Message) -> list[Finding]:
    addresses = [address for _, address in getaddresses([str(msg["From"])]) if address]
    if len(addresses) != 1 or "@" not in addresses[0]:
        return [Finding(ERROR, "header-from", f"From {str(msg['From'])!r} must be exactly one mailbox")]
    return []


def _date(value: str) -> list[Finding]:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return [Finding(ERROR, "header-date", f"Date {value!r} is not an RFC 5322 date")]
    if when.tzinfo is None:  # "-0000" means "zone unknown"
        return [Finding(ERROR, "header-date", f"Date {value!r} has no time zone")]
    return []


def _list_unsubscribe(msg: Message) -> list[Finding]:
    """Gmail's and Yahoo's bulk-sender rules: an https one-click URI (RFC 8058) when the header exists."""
    found = _one(msg, "List-Unsubscribe", required=False) + _one(msg, "List-Unsubscribe-Post", required=False)
    value, post = msg.get("List-Unsubscribe"), msg.get("List-Unsubscribe-Post")
    if value is None:
        if post is not None:
            found.append(Finding(ERROR, "list-unsubscribe", "List-Unsubscribe-Post without List-Unsubscribe"))
        return found
    uris = re.findall(r"<([^<>]*)>", str(value))
    if not uris or "".join(f"<{u}>" for u in uris) != re.sub(r"[\s,]", "", str(value)):
        found.append(Finding(ERROR, "list-unsubscribe", f"List-Unsubscribe {str(value)!r} is not a list of <URI>s"))
    elif not any(u.lower().startswith("https://") for u in uris):
        found.append(
            Finding(
                ERROR,
                "list-unsubscribe",
                "List-Unsubscribe has no https URI (one-click unsubscribe, RFC 8058, which Gmail and Yahoo require)",
            )
        )
    elif str(post or "").strip() != ONE_CLICK:
        found.append(
            Finding(
                ERROR,
                "list-unsubscribe",
                f"List-Unsubscribe-Post must be {ONE_CLICK!r}, not {str(post) if post is not None else 'missing'!r}",
            )
        )
    return found


def _structure(msg: EmailMessage) -> tuple[list[Finding], str | None, str | None]:
    """multipart/alternative with text/plain first and the HTML last: clients show the last part
    they can display, so any other order hides the HTML."""
    found = []
    kind = msg.get_content_type()
    if kind != "multipart/alternative":
        found.append(Finding(ERROR, "mime-structure", f"the message is {kind}, not multipart/alternative"))
    parts = list(msg.iter_parts()) if msg.is_multipart() else [msg]
    kinds = [p.get_content_type() for p in parts]
    if kind == "multipart/alternative" and kinds[:1] != ["text/plain"]:
        found.append(
            Finding(ERROR, "mime-order", f"the first part is {kinds[0] if kinds else 'missing'}, not text/plain")
        )
    if kind == "multipart/alternative" and kinds[-1:] not in (["text/html"], ["multipart/related"]):
        found.append(
            Finding(ERROR, "mime-order", f"the last part is {kinds[-1] if kinds else 'missing'}, not text/html")
        )
    bodies = {}
    for wanted in ("text/html", "text/plain"):
        part = next((p for p in msg.walk() if p.get_content_type() == wanted), None)
        if part is None:
            found.append(Finding(ERROR, "mime-structure", f"the message has no {wanted} part"))
            continue
        try:
            bodies[wanted] = part.get_content()
        except (LookupError, UnicodeError, ValueError) as e:
            found.append(Finding(ERROR, "mime-structure", f"the {wanted} part cannot be decoded: {e}"))
    return found, bodies.get("text/html"), bodies.get("text/plain")
