"""No DTD reaches feedparser: declarations are cut from the bytes, and its SAX driver refuses any left.

`without_dtd` removes every DOCTYPE's internal subset (`[ ... ]`, where entities,
parameter entities and attribute defaults are declared) and every stray `<!ENTITY>`
before feedparser sees the body, so neither of its parsers has an entity to expand: an
entity reference left in the text is then undefined, which the strict parser reports
and the loose one keeps as written. UTF-16 and UTF-32 documents are read as text and
handed on as UTF-8, so no declaration hides in a wide encoding. `without_bad_references`
removes character references to what no text may hold (a lone surrogate's kills
feedparser's loose parser, and with it the whole feed).

The SAX driver below is the second line: feedparser keeps some entity declarations and hands them to expat, which expands
them: a few lines of DTD can grow into gigabytes ("billion laughs"), and an external
entity names a file or URL to read. Feeds have no use for either, so any declaration
stops the strict parse with a SAXParseException; feedparser then falls back to its
loose parser, which never expands declared entities or reads anything, and marks the
feed "bozo" with this message, which the user sees as one warning line.

feedparser finds this module by name through `feedparser.api.PREFERRED_XML_PARSERS`.
"""

from __future__ import annotations

import codecs
import re
from xml.sax import SAXParseException
from xml.sax.expatreader import ExpatParser

from .sanitize import clean_text

REFUSED = "XML entity declarations are refused"

# Where a declaration starts, or a CDATA section or comment (a declaration inside one is text).
_MARKUP = re.compile(rb"<!(\[CDATA\[|--|DOCTYPE|ENTITY)", re.I)
# Inside a declaration: quotes (a literal), comments, and the brackets and ">" that shape it.
_INSIDE = re.compile(rb"[\"'\[\]>]|<!--")
# A feed has no use for a DTD: past these, the body is refused rather than scanned on.
MAX_DECLARATIONS = 1000
MAX_TOKENS = 10_000
_WIDE = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"), (b"<\0\0\0", "utf-32-le"), (b"\0\0\0<", "utf-32-be"),
    (b"<\0?\0", "utf-16-le"), (b"\0<\0?", "utf-16-be"),
)  # fmt: skip
_DECLARED_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]*?encoding\s*=\s*)(["'])[^"']*\2""")


def without_dtd(body: bytes) -> tuple[bytes, bool, bool]:
    """`body` with no internal DTD subset and no entity declaration left; (body, whether any was
    removed, whether it was re-encoded from UTF-16/32 to UTF-8)."""
    wide = next((codec for mark, codec in _WIDE if body.startswith(mark)), None)
    if wide:
        try:
            body = body.decode(wide).lstrip("\ufeff").encode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            wide = None
        else:
            body = _DECLARED_ENCODING.sub(rb"\1\2utf-8\2", body, count=1)
    kept, start, removed, at, count = [], 0, False, 0, 0
    while match := _MARKUP.search(body, at):
        kind = match[1].upper()
        if kind in (b"[CDATA[", b"--"):
            at = _after(body, b"]]>" if kind == b"[CDATA[" else b"-->", match.end())
            continue
        count += 1
        if count > MAX_DECLARATIONS:
            raise ValueError(f"not a feed: more than {MAX_DECLARATIONS:,} DTD declarations")
        end, subset = _declaration_end(body, match.end())
        kept.append(body[start : match.start()])
        if kind == b"DOCTYPE":  # its name and external id stay: feedparser reads the feed's version there
            kept.append(body[match.start() : subset].rstrip() + b">" if subset else body[match.start() : end])
        removed |= kind == b"ENTITY" or subset is not None
        start = at = end
    kept.append(body[start:])
    return (b"".join(kept) if removed else body), removed, wide is not None


def _after(body: bytes, mark: bytes, at: int) -> int:
    """Just past the next `mark` from `at`; the end of the body when there is none."""
    found = body.find(mark, at)
    return len(body) if found < 0 else found + len(mark)


def without_bad_references(body: bytes) -> bytes:
    """`body` without the character references (`&#xd800;`, `&#0;`) to characters clean_text removes.

    A feed repeats few distinct references, so each is judged once and the bad ones are removed
    with bytes.replace: a body of a million references takes a fraction of a second, not seconds."""
    if b"&#" not in body:
        return body
    bad = [ref for ref in set(_CHARREF.findall(body)) if not _good(ref)]
    if len(bad) > _FEW:
        return _CHARREF.sub(lambda match: match[0] if _good(match[0]) else b"", body)
    for ref in bad:
        body = body.replace(ref, b"")
    return body


_CHARREF = re.compile(rb"&#(?:[xX][0-9a-fA-F]{1,8}|[0-9]{1,10});")
_FEW = 100


def _good(ref: bytes) -> bool:
    code = int(ref[3:-1], 16) if ref[2:3] in b"xX" else int(ref[2:-1])
    return code <= 0x10FFFF and clean_text(chr(code)) != ""


def _declaration_end(body: bytes, at: int) -> tuple[int, int | None]:
    """Where the declaration starting before `at` ends (after its ">"), and where its subset starts
    (None when it has none). An unclosed declaration runs to the end of the body."""
    depth, subset = 0, None
    for _ in range(MAX_TOKENS):
        token = _INSIDE.search(body, at)
        if token is None:
            return len(body), subset
        mark, at = token[0], token.end()
        if mark in (b'"', b"'", b"<!--"):
            at = _after(body, b"-->" if mark == b"<!--" else mark, at)
        elif mark == b"[":
            depth += 1
            subset = token.start() if subset is None else subset
        elif mark == b"]":
            depth = max(depth - 1, 0)
        elif depth == 0:
            return at, subset
    raise ValueError(f"not a feed: a DTD of more than {MAX_TOKENS:,} parts")


class EntityRefusingParser(ExpatParser):
    def reset(self) -> None:
        super().reset()
        self._parser.EntityDeclHandler = self._refuse

    def _refuse(self, name, *_details) -> None:
        raise SAXParseException(f"{REFUSED} ({name!r})", None, self)


def create_parser(*args, **kwargs) -> EntityRefusingParser:
    return EntityRefusingParser(*args, **kwargs)
