"""Make untrusted text safe for a header value.

Titles come from feeds and files, and the subject is built from them. A CR or LF would let a
title add headers (say, a Bcc); Python 3.11.7's email package can also be tricked into
emitting a newline hidden in an RFC 2047 encoded-word. So values are reduced to one line of
plain text before they reach the email package, which then encodes them itself.
"""

from __future__ import annotations

import re
import unicodedata
from email.errors import HeaderParseError
from email.header import decode_header

# =?charset?q|b?text?= (RFC 2047). Whitespace is allowed inside on purpose: RFC 2047 forbids
# it, but Python's header parser still decodes such a word (with a defect), newlines and all.
ENCODED_WORD = re.compile(r"=\?[^?]*\?[bBqQ]\?[^?]*\?=")
# The opening of one left unclosed: the email package's header folding still reads
# "=?utf-8?q?=0D=0A" as an encoded newline, so such an opening loses its "=".
ENCODED_WORD_START = re.compile(r"=(?=\?[^?]*\?[bBqQ]\?)")


def clean_header(value: str) -> str:
    """One line of plain text: no control characters, no encoded-words, single spaces."""
    text = _without_controls(value)
    while match := ENCODED_WORD.search(text):
        # Each pass removes at least the 6-character wrapper, so this ends.
        text = text[: match.start()] + _decoded(match.group()) + text[match.end() :]
    while ENCODED_WORD_START.search(text):  # removing one "=" can reveal another opening
        text = ENCODED_WORD_START.sub("", text)
    return " ".join(text.split())


def _without_controls(text: str) -> str:
    """Control characters (CR, LF, NUL, ...) and line/paragraph separators become spaces."""
    return "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)


def _decoded(word: str) -> str:
    """The text an encoded-word stands for, itself cleaned of controls; "" if it cannot be read."""
    try:
        [(payload, charset)] = decode_header(word)
        text = payload.decode(charset or "ascii", errors="replace") if isinstance(payload, bytes) else payload
    except (HeaderParseError, LookupError, ValueError, UnicodeError):
        return ""
    return _without_controls(text)
