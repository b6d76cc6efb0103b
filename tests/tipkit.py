"""Readers' tip mails, usable and hostile, made here (not pasted): one generator per class of input
`newsletter tips fetch` must handle, each with what it must come to.

`MAILS` maps a name to (raw bytes, expected): expected is the text the tip must hold (usable)
or, for a mail that must be skipped with a warning, `Skip(words, reason)`: words the warning
says, and the whole reason (a regular expression) the cleaner gives.
Every usable mail's sender is TIPSTER (or a variant), so a test can grep for it anywhere.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP

TIPSTER = "whistle.blower@tipster.example"
TIPSTER_NAME = "Wendy Whistle"


@dataclass(frozen=True)
class Skip:
    words: str
    reason: str


def _mail(number: int, body: str, *, subtype: str = "plain", sender: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender or f"{TIPSTER_NAME} <{TIPSTER}>"
    message["To"] = "tips@eletter.example"
    message["Subject"] = "A tip"
    message["Message-ID"] = f"<tip{number}@tipster.example>"
    message.set_content(body, subtype=subtype)
    return message


def _raw(headers: str, body: bytes) -> bytes:
    return headers.replace("\n", "\r\n").encode("ascii") + b"\r\n" + body


def plain() -> bytes:
    body = "The pier is to be sold to a hotel chain. Two councillors told me.\n\n-- \nWendy\n07700 900123\n"
    return _mail(1, body).as_bytes(policy=SMTP)


def html_only() -> bytes:
    body = (
        '<html><head><style>p{color:red}</style><script>alert("x")</script></head><body>'
        "<p>The <b>museum</b> director &amp; the chair are leaving.</p><p>The board meets on Friday.</p>"
        '<img src="https://tracker.example/p.gif" width="1" height="1" onerror="alert(1)"></body></html>'
    )
    return _mail(2, body, subtype="html").as_bytes(policy=SMTP)


def quoted_reply() -> bytes:
    body = (
        "The hospital trust is merging with its neighbour next spring.\n\n"
        "On Mon, 30 Nov 2026 at 07:00, The eLetter <editor@eletter.example> wrote:\n"
        "> This is what I'm hearing; if you know different, tell me here.\n"
        "> The secret word of the quoted issue is QUOTEDISSUE.\n"
    )
    return _mail(3, body).as_bytes(policy=SMTP)


def base64_cp1252() -> bytes:
    text = "The caf\u00e9 on the front will cost \u00a35 a cup \u2013 it\u2019s official.\r\n"
    headers = (
        f"From: {TIPSTER_NAME} <{TIPSTER}>\nTo: tips@eletter.example\nSubject: =?windows-1252?q?caf=E9?=\n"
        "Message-ID: <tip4@tipster.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: base64\n"
    )
    return _raw(headers, base64.encodebytes(text.encode("cp1252")))


def alternative_with_attachments() -> bytes:
    message = _mail(5, "The bus depot will close in March.\n")
    message.add_alternative("<p>The HTML part must not win over the text part.</p>", subtype="html")
    message.make_mixed()
    message.add_attachment(b"%PDF-1.4 not really", maintype="application", subtype="pdf", filename="minutes.pdf")
    message.add_attachment(b"\x89PNG fake", maintype="image", subtype="png", filename="photo.png")
    return message.as_bytes(policy=SMTP)


def broken_mime() -> bytes:
    """A multipart whose declared boundary never appears: the parts are the parser's guess."""
    headers = (
        f"From: {TIPSTER}\nSubject: broken\nMessage-ID: <tip6@tipster.example>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="declared"\n'
    )
    body = b"--other\r\nContent-Type: text/plain\r\n\r\nGuessed text.\r\n--other--\r\n"
    return _raw(headers, body)


def no_boundary() -> bytes:
    headers = (
        f"From: {TIPSTER}\nSubject: broken\nMessage-ID: <tip7@tipster.example>\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed\n"
    )
    return _raw(headers, b"No boundary at all.\r\n")


def huge(size: int = 5 * 1024 * 1024) -> bytes:
    headers = f"From: {TIPSTER}\nSubject: huge\nMessage-ID: <tip8@tipster.example>\n"
    line = b"All work and no play makes a very long tip indeed.\r\n"
    return _raw(headers, line * (size // len(line) + 1))


def encoded_line_break_in_from() -> bytes:
    """An encoded word hiding CR LF and a second header in the display name."""
    headers = (
        "From: =?utf-8?q?Wendy=0D=0ABcc=3A_everyone=40list=2Eexample?= <whistle.blower@tipster.example>\n"
        "Subject: hello\nMessage-ID: <tip9@tipster.example>\n"
    )
    return _raw(headers, b"A tip with a forged header.\r\n")


def encoded_address_in_name() -> bytes:
    """The display name, encoded, claims another address than the real one."""
    name = base64.b64encode(b"ceo@bank.example <ceo@bank.example>").decode()
    headers = f"From: =?utf-8?b?{name}?= <attacker@evil.example>\nSubject: hi\nMessage-ID: <tip10@tipster.example>\n"
    return _raw(headers, b"Pretend the bank's chief wrote this.\r\n")


def encoded_control_in_subject() -> bytes:
    hidden = base64.b64encode(b"ok\x00\x1b[31mred").decode()
    headers = f"From: {TIPSTER}\nSubject: =?utf-8?b?{hidden}?=\nMessage-ID: <tip11@tipster.example>\n"
    return _raw(headers, b"A subject with NUL and escape codes.\r\n")


def wrong_charset() -> bytes:
    """Declared UTF-8, written in cp1252: the bytes are not what the header says."""
    headers = (
        f"From: {TIPSTER}\nSubject: x\nMessage-ID: <tip12@tipster.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n"
    )
    return _raw(headers, "Le caf\u00e9 ferme \u2013 c\u2019est s\u00fbr.\r\n".encode("cp1252"))


def unknown_charset() -> bytes:
    headers = (
        f"From: {TIPSTER}\nSubject: x\nMessage-ID: <tip13@tipster.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=x-no-such-charset\n"
    )
    return _raw(headers, b"Unknown charset.\r\n")


def only_quoted() -> bytes:
    body = "On Mon, 30 Nov 2026 at 07:00, The eLetter <editor@eletter.example> wrote:\n> Everything quoted.\n"
    return _mail(14, body).as_bytes(policy=SMTP)


def attachment_only() -> bytes:
    message = EmailMessage()
    message["From"] = TIPSTER
    message["Message-ID"] = "<tip15@tipster.example>"
    message.add_attachment(b"binary", maintype="application", subtype="octet-stream", filename="leak.bin")
    return message.as_bytes(policy=SMTP)


MAILS = {
    "plain": (plain(), "The pier is to be sold to a hotel chain. Two councillors told me."),
    "html-only": (html_only(), "The museum director & the chair are leaving.\n\nThe board meets on Friday."),
    "quoted-reply": (quoted_reply(), "The hospital trust is merging with its neighbour next spring."),
    "base64-cp1252": (base64_cp1252(), "The caf\u00e9 on the front will cost \u00a35 a cup \u2013 it\u2019s official."),
    "alternative-with-attachments": (alternative_with_attachments(), "The bus depot will close in March."),
    "broken-mime": (broken_mime(), Skip("broken MIME", r"broken MIME \(StartBoundaryNotFoundDefect\)")),
    "no-boundary": (no_boundary(), Skip("broken MIME", r"broken MIME \(NoBoundaryInMultipartDefect\)")),
    "huge": (huge(), Skip("over the", r"\d+ characters, over the 4000-character limit")),
    "encoded-line-break-in-from": (
        encoded_line_break_in_from(),
        Skip("From header", r"unreadable From header \(ValueError\)"),
    ),
    "encoded-address-in-name": (
        encoded_address_in_name(),
        Skip("From header", "the From header does not name one address"),
    ),
    "encoded-control-in-subject": (
        encoded_control_in_subject(),
        Skip("Subject header", "control characters or line breaks in the Subject header"),
    ),
    "wrong-charset": (wrong_charset(), Skip("declared charset", "the text is not in its declared charset 'utf-8'")),
    "unknown-charset": (unknown_charset(), Skip("unknown charset", "unknown charset 'x-no-such-charset'")),
    "only-quoted": (only_quoted(), Skip("no text", "no text")),
    "attachment-only": (attachment_only(), Skip("no text or HTML part", "no text or HTML part")),
}
USABLE = {name: text for name, (_, text) in MAILS.items() if isinstance(text, str)}
