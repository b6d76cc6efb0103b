"""A reader's tip, from the form or a mail, as clean bounded text and its source kept apart.

Tips are untrusted: the text passes the same doors as feed text (`clean_html` and
`text_paragraphs` for HTML, `clean_text` for what no stored string may hold), is bounded in
size, and a mail that is hostile or broken (MIME that does not parse as it says, a charset
that is not what it claims, encoded-word tricks in the headers) raises `Unusable` with the
reason, for one warning line. Quoted replies and signatures are trimmed with mail-parser-reply
(maintained, multi-language, no dependencies): a tip sent as a reply to the newsletter would
otherwise carry the whole issue back. Attachments are never read, only counted.
"""

from __future__ import annotations

import email.errors
import re
from email.message import EmailMessage
from typing import NamedTuple

from .sanitize import clean_html, clean_text, one_line, text_paragraphs

MAX_CONTACT = 320  # characters: an email address at most
REPLY_LANGUAGES = ["en", "de", "fr", "it"]  # whose quote headers ("On ... wrote:") are recognised
# Defects that mean the MIME structure is not what it says: the parts the parser made of it
# are guesses, and a guess must not go in front of the editor as a reader's words.
BROKEN = (
    email.errors.NoBoundaryInMultipartDefect, email.errors.StartBoundaryNotFoundDefect,
    email.errors.CloseBoundaryNotFoundDefect, email.errors.MultipartInvariantViolationDefect,
    email.errors.InvalidBase64CharactersDefect, email.errors.InvalidBase64PaddingDefect,
    email.errors.InvalidBase64LengthDefect, email.errors.MissingHeaderBodySeparatorDefect,
)  # fmt: skip
SHOWN_HEADERS = ("From", "Subject", "Reply-To", "Sender")  # what a mail client would show its reader
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'’”)\]]*\s")


class Unusable(ValueError):
    """A tip that cannot be taken, and why (one line, naming no one)."""


class Cleaned(NamedTuple):
    """A tip's text, who sent it (address, name; "" when unknown) and how many attachments were ignored."""

    text: str
    address: str
    name: str
    attachments: int


def clean(text: str, max_chars: int) -> str:
    """Untrusted text as the tip kept: no control characters, paragraphs kept, spaces made single.
    Empty or over `max_chars` is Unusable (cut short, a tip could say the opposite of what was meant)."""
    paragraphs = (one_line(block) for block in re.split(r"\n\s*\n", clean_text(text)))
    kept = "\n\n".join(p for p in paragraphs if p)
    if not kept:
        raise Unusable("no text")
    if len(kept) > max_chars:
        raise Unusable(f"{len(kept)} characters, over the {max_chars}-character limit")
    return kept


def contact(value: str) -> str:
    """The form's optional contact (an address, a number): one line, bounded; never rendered in an issue."""
    line = one_line(_CONTROL.sub(" ", clean_text(value)))
    if len(line) > MAX_CONTACT:
        raise Unusable(f"the contact is over {MAX_CONTACT} characters")
    return line


def first_sentence(text: str) -> str:
    """What an accepted tip's line starts as: its first sentence (the first paragraph when none ends)."""
    paragraph = text.split("\n\n")[0]
    found = _SENTENCE_END.search(paragraph)
    return paragraph[: found.end()].rstrip() if found else paragraph


def from_mail(message: EmailMessage, max_chars: int) -> Cleaned:
    """The tip in a mail: its text part (else its HTML part as text), reply and signature trimmed."""
    _check_structure(message)
    address, name = _sender(message)
    body, attachments = None, 0
    for part in message.walk():
        if part.is_multipart():
            continue
        if (
            part.get_content_disposition() == "attachment"
            or part.get_content_maintype() != "text"
            or part.get_content_subtype() not in ("plain", "html")
        ):
            attachments += 1
        elif body is None or (part.get_content_subtype() == "plain" and body[0] == "html"):
            body = (part.get_content_subtype(), part)
    if body is None:
        raise Unusable("no text or HTML part")
    kind, part = body
    text = _decoded(part)
    if kind == "html":
        text = "\n\n".join(text_paragraphs(clean_html(text)))
    return Cleaned(clean(trimmed(text), max_chars), address, name, attachments)


def trimmed(text: str) -> str:
    """The newest reply of a mail's text: quoted earlier mail ("On ... wrote:" and what follows, and
    any line quoted with ">") and the signature cut off."""
    from mailparser_reply import EmailReplyParser

    newest = EmailReplyParser(languages=REPLY_LANGUAGES).read(text=clean_text(text)).replies[0].body  # never none
    return "\n".join(line for line in newest.split("\n") if not line.lstrip().startswith(">"))  # quoted


def _check_structure(message: EmailMessage) -> None:
    for header in SHOWN_HEADERS:
        try:
            values = [str(value) for value in message.get_all(header) or []]
        except Exception as e:  # the policy's header parser gave up: a header built to confuse
            raise Unusable(f"unreadable {header} header ({type(e).__name__})") from None
        if any(_CONTROL.search(value) for value in values):
            raise Unusable(f"control characters or line breaks in the {header} header")
    for part in message.walk():
        broken = [d for d in part.defects if isinstance(d, BROKEN)]
        if broken:
            raise Unusable(f"broken MIME ({type(broken[0]).__name__})")


def _decoded(part: EmailMessage) -> str:
    """A text part's content in the charset it declares; a charset unknown or not the bytes' is Unusable."""
    charset = part.get_content_charset() or "us-ascii"
    payload = part.get_payload(decode=True)  # bytes for every part that is not multipart
    try:
        return payload.decode(charset)
    except LookupError:
        raise Unusable(f"unknown charset {charset[:40]!r}") from None
    except UnicodeDecodeError:
        raise Unusable(f"the text is not in its declared charset {charset!r}") from None  # a known, short name


def _sender(message: EmailMessage) -> tuple[str, str]:
    """(address, name) from From: one address, and nothing an encoded word slipped in (line breaks,
    controls, a second address) that would make the header say more than it shows."""
    headers = message.get_all("From") or []  # readable: _check_structure saw to it
    if len(headers) > 1:
        raise Unusable("more than one From header")
    if not headers:
        return "", ""
    found = getattr(headers[0], "addresses", ())
    if (
        headers[0].defects
        or len(found) != 1
        or not found[0].domain
        or "@" in found[0].display_name
        or "<" in found[0].display_name
    ):
        raise Unusable("the From header does not name one address")
    return found[0].addr_spec, found[0].display_name  # bounded by the store
