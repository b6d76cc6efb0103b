"""One message per recipient without rendering or encoding it again: plain byte substitution.

The issue is rendered, inlined and MIME-encoded once, with sentinels where per-recipient
values go. `Template` cuts those bytes into fixed runs and slots; `fill` joins the runs
with one recipient's values. Headers that differ (To, Message-ID, List-Unsubscribe) are
slots written whole. In the quoted-printable parts a sentinel may have been cut by a soft
line break, so each one is found across soft breaks and given a line of its own between
two soft breaks: the value then never shares a line, cannot push one past 76 characters,
and decodes to exactly itself.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.policy import SMTP

from ..errors import DeliverError
from ..models import Rendered
from .headers import clean_header
from .message import build_message, message_bytes

CRLF = b"\r\n"
SOFT_BREAK = b"=\r\n"
QP_WIDTH = 75  # characters before the "=" of a soft break (RFC 2045: lines of at most 76)
HEADER_SLOTS = {b"to": "to", b"message-id": "message_id", b"list-unsubscribe": "list_unsubscribe"}
QP_SAFE = re.compile(rb"[!-<>-~]*")  # printable ASCII but "=": stands for itself in quoted-printable
ATOMS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+( [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
ADDRESS = re.compile(r"[^\s<>()\[\],;:\"\\@]+@[A-Za-z0-9.-]+")
MESSAGE_ID = re.compile(r"<[!-;=?-~]+@[A-Za-z0-9.-]+>")
URL = re.compile(r"(https?|mailto):[!#-;=?-~]+")  # no space, quote, < or >: safe inside <...>
BOUNDARY = re.compile(rb'boundary="?([^";\r\n]+)"?', re.I)


@dataclass(frozen=True)
class Slot:
    """A gap in the template: a whole header field, or a body value with the soft breaks around it."""

    kind: str  # "header", "text" or "html" (HTML-escaped before encoding)
    field: str
    before: bytes = b""
    after: bytes = b""


@dataclass(frozen=True)
class Recipient:
    """What differs between two copies of an issue."""

    address: str
    name: str
    message_id: str
    unsubscribe_url: str
    unsubscribe_mailto: str = ""
    manage_url: str = ""  # the reader's manage page (change address, pause...), in the footer


class Template:
    """A built message as fixed byte runs with slots between them; see the module docstring."""

    def __init__(self, raw: bytes, body_fields: Mapping[str, str]):
        """`raw`: the message built once; `body_fields`: sentinel -> the Recipient field it stands for."""
        head_end = raw.index(CRLF + CRLF) + 2
        cuts = _header_cuts(raw[:head_end]) + _body_cuts(raw, head_end, body_fields)
        cuts.sort()
        self._runs: list[bytes] = []
        self._slots: list[Slot] = []
        at = 0
        for start, end, slot in cuts:
            self._runs.append(raw[at:start])
            self._slots.append(slot)
            at = end
        self._runs.append(raw[at:])
        # The body as pieces for the DKIM signer: the same run objects every time, so their
        # canonical form is computed once per issue (see dkim.Signer.sign's body_parts).
        first = sum(1 for _, _, slot in cuts if slot.kind == "header")
        offset = head_end + 2 - sum(len(run) for run in self._runs[:first]) - sum(e - s for s, e, _ in cuts[:first])
        self._body_start = (first, self._runs[first][offset:])
        self._distinct = list(dict.fromkeys(self._slots))
        self._order = [self._distinct.index(slot) for slot in self._slots]
        missing = set(HEADER_SLOTS.values()) - {slot.field for slot in self._slots if slot.kind == "header"}
        if missing:
            raise DeliverError(f"the built message lacks the header(s) {', '.join(sorted(missing))}")

    def fill(self, recipient: Recipient) -> bytes:
        """The message for one recipient: each slot's value is made once, then everything is joined."""
        return b"".join(self._pieces(recipient))

    def fill_parts(self, recipient: Recipient) -> tuple[bytes, list[bytes]]:
        """The message, and its body as pieces: fixed runs (the same objects for every recipient) and values."""
        pieces = self._pieces(recipient)
        first, body_run = self._body_start
        return b"".join(pieces), [body_run, *pieces[2 * first + 1 :]]

    def _pieces(self, recipient: Recipient) -> list[bytes]:
        values = [_value(slot, recipient) for slot in self._distinct]
        out = [self._runs[0]]
        for index, run in zip(self._order, self._runs[1:]):
            out.append(values[index])
            out.append(run)
        return out


def issue_template(
    rendered: Rendered, *, sender: str, date: dt.datetime, list_name: str, list_id: str, body_fields: Mapping[str, str]
) -> Template:
    """Build the MIME message once with stand-ins for the per-recipient headers, and cut it up."""
    message = build_message(
        rendered,
        sender=sender,
        to="recipient@example.invalid",
        date=date,
        message_id="<recipient@example.invalid>",
        extra_headers={
            "List-Unsubscribe": "<https://example.invalid/>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",  # RFC 8058 one-click
            "List-Id": f"{list_name} <{list_id}>",
        },
    )
    return Template(message_bytes(message), body_fields)


def _header_cuts(head: bytes) -> list[tuple[int, int, Slot]]:
    """Where the per-recipient header fields are, each with its folded continuation lines."""
    cuts = []
    at = 0
    while at < len(head):
        end = head.index(CRLF, at) + 2
        while head[end : end + 1] in (b" ", b"\t"):
            end = head.index(CRLF, end) + 2
        name = head[at : head.index(b":", at)].strip().lower()
        if name in HEADER_SLOTS:
            cuts.append((at, end, Slot("header", HEADER_SLOTS[name])))
        at = end
    return cuts


def _body_cuts(raw: bytes, head_end: int, fields: Mapping[str, str]) -> list[tuple[int, int, Slot]]:
    """Every sentinel in the quoted-printable parts, as a cut that gives its value a line of its own."""
    found = BOUNDARY.search(raw, 0, head_end)
    if not found:
        raise DeliverError("the built message is not multipart")
    delimiter = b"--" + found.group(1)
    patterns = {_across_soft_breaks(s): f for s, f in fields.items()}
    cuts = []
    delimiters = list(re.compile(re.escape(delimiter)).finditer(raw, head_end))
    for start, end in ((a.end(), b.start()) for a, b in zip(delimiters, delimiters[1:])):
        body = raw.index(CRLF + CRLF, start) + 4
        header = raw[start:body].lower()
        kind = "html" if b"text/html" in header else "text"
        quoted = b"quoted-printable" in header
        for pattern, field in patterns.items():
            for match in pattern.finditer(raw, body, end):
                if not quoted:
                    raise DeliverError(f"{field}: its part is not quoted-printable, so it cannot be filled in")
                before = b"" if raw[match.start() - 2 : match.start()] == CRLF else SOFT_BREAK
                follows = raw[match.end() : match.end() + 3]
                after = b"" if follows.startswith(CRLF) or follows == SOFT_BREAK else SOFT_BREAK
                cuts.append((match.start(), match.end(), Slot(kind, field, before, after)))
    return cuts


def _across_soft_breaks(sentinel: str) -> re.Pattern:
    data = sentinel.encode("ascii")
    if not QP_SAFE.fullmatch(data) or not data:
        raise DeliverError(f"sentinel {sentinel!r} must be printable ASCII without '=' or spaces")
    return re.compile(b"(?:=\r\n)?".join(re.escape(data[i : i + 1]) for i in range(len(data))))


def _value(slot: Slot, r: Recipient) -> bytes:
    if slot.kind == "header":
        return HEADERS[slot.field](r)
    text = getattr(r, slot.field)
    if slot.kind == "html":
        text = html.escape(text, quote=True)
    return slot.before + quoted_printable(text.encode("utf-8")) + slot.after


def quoted_printable(data: bytes) -> bytes:
    """`data` as quoted-printable lines of at most 76 characters, the last without its line break."""
    if not QP_SAFE.fullmatch(data):
        data = b"".join(bytes((c,)) if 33 <= c <= 126 and c != 61 else b"=%02X" % c for c in data)
    if len(data) <= QP_WIDTH:
        return data
    lines = []
    while len(data) > QP_WIDTH:
        cut = QP_WIDTH - (
            2 if data[QP_WIDTH - 2 : QP_WIDTH - 1] == b"=" else 1 if data[QP_WIDTH - 1 : QP_WIDTH] == b"=" else 0
        )
        lines.append(data[:cut])
        data = data[cut:]
    return SOFT_BREAK.join(lines + [data])


def to_header(r: Recipient) -> bytes:
    """The To field for one recipient; a name with anything unusual goes through the email package."""
    if not ADDRESS.fullmatch(r.address):
        raise DeliverError(f"{r.address!r} is not an address a header can carry")
    name = " ".join(r.name.split()) if r.name.isprintable() and "=?" not in r.name else clean_header(r.name)
    if not name:
        phrase = ""
    elif ATOMS.fullmatch(name):
        phrase = name
    elif name.isascii() and name.isprintable():
        phrase = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    else:
        return _folded_to(clean_header(name), r.address)
    line = f"To: {phrase} <{r.address}>" if phrase else f"To: {r.address}"
    if len(line) > 78 and phrase:
        line = f"To: {phrase}\r\n <{r.address}>"
    return line.encode("ascii") + CRLF


def _folded_to(name: str, address: str) -> bytes:
    header = SMTP.header_factory("To", [Address(display_name=name, addr_spec=address)])
    return header.fold(policy=SMTP).encode("ascii")


def _message_id_header(r: Recipient) -> bytes:
    if not MESSAGE_ID.fullmatch(r.message_id):
        raise DeliverError(f"Message-ID {r.message_id!r} is not of the form <left@domain>")
    return b"Message-ID: " + r.message_id.encode("ascii") + CRLF


def _list_unsubscribe_header(r: Recipient) -> bytes:
    """RFC 2369 / 8058: the https link first (the one-click POST target), then the mailto choice."""
    links = [r.unsubscribe_url] + ([r.unsubscribe_mailto] if r.unsubscribe_mailto else [])
    for link in links:
        if not URL.fullmatch(link):
            raise DeliverError(f"{link!r} cannot go into List-Unsubscribe")
    return ("List-Unsubscribe: " + ",\r\n ".join(f"<{link}>" for link in links)).encode("ascii") + CRLF


HEADERS: dict[str, Callable[[Recipient], bytes]] = {
    "to": to_header,
    "message_id": _message_id_header,
    "list_unsubscribe": _list_unsubscribe_header,
}
