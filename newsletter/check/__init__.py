"""Lint a built issue before it is sent: what would break it in Gmail, Outlook, Apple Mail or
Yahoo, or cost it delivery. Pure: the caller reads the file and passes bytes or strings.

Errors break the issue in some client (or get it clipped, blocked or rejected); warnings may.
"""

from __future__ import annotations

from ..models import ERROR, Finding
from .markup import TEMPLATE_SYNTAX, check_html, content_words, leftover
from .mime import check_mime

__all__ = ["check_message", "check_parts", "content_words"]


def check_message(
    raw: bytes, *, budget_bytes: int, placeholders: tuple[str, ...] = (), content: frozenset[str] = frozenset()
) -> list[Finding]:
    """Findings for a whole message (.eml bytes), errors first: lines, headers, MIME structure,
    then its HTML and text parts. `placeholders` are hrefs personalised at send time; `content`
    the words of the items' own text that look like template syntax (see `content_words`)."""
    found, html, text = check_mime(raw)
    found += check_parts(html, text, budget_bytes=budget_bytes, placeholders=placeholders, content=content)
    return sorted(found, key=lambda f: f.level != ERROR)


def check_parts(
    html: str | None = None,
    text: str | None = None,
    *,
    budget_bytes: int,
    placeholders: tuple[str, ...] = (),
    content: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Findings for the HTML and/or text body on their own (None: not checked)."""
    found = (
        [] if html is None else check_html(html, budget_bytes=budget_bytes, placeholders=placeholders, content=content)
    )
    if text is not None:
        found += _text(text, content)
    return sorted(found, key=lambda f: f.level != ERROR)


def _text(text: str, content: frozenset[str]) -> list[Finding]:
    if not text.strip():
        return [Finding(ERROR, "text-empty", "the text part is empty")]
    hit = leftover(TEMPLATE_SYNTAX, text, content)  # the whole text: wrapping may split a quoted tag
    if hit is None:
        return []
    number = text.count("\n", 0, hit.start()) + 1
    line = text.splitlines()[number - 1]
    return [
        Finding(
            ERROR,
            "template-syntax",
            f"leftover template syntax {hit.group()!r} on line {number} of the text part: {line.strip()[:60]!r}",
        )
    ]
