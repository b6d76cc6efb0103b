"""Dedup keys: two items that share a key are one piece, whichever sources carried them.

A key is a digest of the item's normalised link, or of its normalised text. Links are
compared without the things that differ between copies of one page (scheme, `www.`,
default ports, a trailing slash, the fragment, tracking parameters, parameter order);
text is compared as its words alone, case-folded, so punctuation, quotes and spacing
picked up on the way do not count.

Pure and cheap to import, so parser processes compute the keys of what they parse,
in parallel, and the store only looks them up.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from .models import Item

LINK = "l:"
TEXT = "t:"
# A body this long identifies a piece on its own; a shorter one counts only with its title,
# so that two different entries whose whole body is "Read more" stay two.
BODY_WORDS = 20
# Fewer words than this (title included) say too little to call two items one.
MIN_WORDS = 5
_TRACKING = re.compile(r"utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_hsenc|_hsmi|yclid|igshid", re.I)
_WORD = re.compile(r"\w+")


def keys(item: Item) -> tuple[str, ...]:
    """The item's link key and text key, where it has them."""
    found = []
    link = normal_link(item.link)
    if link:
        found.append(LINK + _digest(link))
    text = normal_text(item)
    if text:
        found.append(TEXT + _digest(text))
    return tuple(found)


def normal_link(link: str | None) -> str | None:
    """The part of an http(s) link that names the page; None for anything else."""
    if not link:
        return None
    try:
        parts = urlsplit(link.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    if port and port not in (80, 443):
        host += f":{port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.fullmatch(k))
    return host + unquote(parts.path).rstrip("/") + ("?" + urlencode(query) if query else "")


def normal_text(item: Item) -> str | None:
    """The words that identify the item's text; an event's day counts, as one talk may be given twice."""
    body = _words(" ".join(item.paragraphs))
    words = body if len(body) >= BODY_WORDS else _words(item.title) + body
    if len(words) < MIN_WORDS:
        return None
    day = f" @{item.event.day.isoformat()}" if item.event else ""
    return " ".join(words) + day


def _words(text: str) -> list[str]:
    if not text.isascii():  # NFKC changes nothing in ASCII, and costs more than the rest
        text = unicodedata.normalize("NFKC", text)
    return _WORD.findall(text.casefold())


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]
