"""Untrusted HTML from feeds -> email-safe HTML and its plain-text paragraphs.

Sanitised once, here, with nh3 (Ammonia) and an allowlist of what email clients render:
no script, style, iframe, object, embed or form (their content goes too), no `on*` or
style attributes, links only to http, https and mailto, images only from http(s), and
1x1 tracking pixels dropped. Relative links are resolved against the entry's base URL
(its `xml:base`, else the feed's URL) because a link in an email has no page to be
relative to. feedparser's own sanitiser is switched off: this one replaces it.
"""

from __future__ import annotations

import functools
import html
import re
from urllib.parse import urljoin, urlsplit

import nh3

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol",
    "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
}
# Dropped together with everything inside them, not just unwrapped.
DROPPED = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
    "button", "select", "textarea", "noscript", "template", "svg", "math", "head", "title", "audio", "video",
}  # fmt: skip
LINK_SCHEMES = {"http", "https", "mailto"}
IMAGE_SCHEMES = {"http", "https"}

_HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_IMG = re.compile(r"<img\b[^>]*>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')
# In clean_html's output every "<" and ">" outside a tag is escaped (attribute values too),
# so a regular expression finds exactly its tags.
_TAG = re.compile(r"<(/?)([a-z0-9]+)[^>]*>")
_BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd", "table",
    "thead", "tbody", "tfoot", "tr", "figure", "figcaption", "caption", "br", "hr",
}  # fmt: skip
_TEXT_ONLY = nh3.Cleaner(tags=set(), clean_content_tags=DROPPED, link_rel=None)


def clean_html(fragment: str, base: str | None = None) -> str:
    """The fragment with only allowlisted tags and attributes, absolute links and no tracking pixels."""
    return _IMG.sub(_keep_image, _cleaner(base).clean(fragment)).strip()


@functools.lru_cache(maxsize=64)
def _cleaner(base: str | None) -> nh3.Cleaner:
    """One cleaner per base URL: a feed's entries mostly share one, and a cleaner costs more to make than to use."""
    absolute = _resolver(base)

    def attribute(tag: str, name: str, value: str) -> str | None:
        if name in ("href", "src"):
            url = absolute(value.strip())
            allowed = IMAGE_SCHEMES if tag == "img" else LINK_SCHEMES
            return url if url.partition(":")[0].lower() in allowed else None
        if name in ("width", "height", "colspan", "rowspan", "start"):
            return value.strip() if value.strip().isdigit() else None
        return value

    return nh3.Cleaner(
        tags=TAGS,
        clean_content_tags=DROPPED,
        attributes=ATTRIBUTES,
        attribute_filter=attribute,
        url_schemes=LINK_SCHEMES,
        link_rel="noopener",
        strip_comments=True,
    )


def _resolver(base: str | None):
    """url -> absolute url against `base`; the common shapes (absolute, /path) skip urljoin, a hot spot."""
    origin = "{0}://{1}".format(*urlsplit(base)[:2]) if base else ""

    def absolute(url: str) -> str:
        if not base or _HAS_SCHEME.match(url):
            return url
        if url.startswith("/") and not url.startswith("//") and origin != "://":
            return origin + url
        return urljoin(base, url)

    return absolute


def _keep_image(match: re.Match) -> str:
    """An image stays unless it has no source left or is a 1x1 (or smaller) tracking pixel."""
    attrs = dict(_ATTR.findall(match[0]))
    tiny = all(attrs.get(side, "").isdigit() and int(attrs[side]) <= 1 for side in ("width", "height"))
    return "" if "src" not in attrs or tiny else match[0]


def text_paragraphs(clean: str) -> tuple[str, ...]:
    """Plain-text paragraphs of HTML made by `clean_html`: one per block, list items marked "- "."""
    flat = " ".join(clean.split())  # line breaks in HTML source are spaces; only tags break lines
    text = html.unescape(_TAG.sub(_as_text, flat))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return tuple(line for line in lines if line and line != "-")


def _as_text(tag: re.Match) -> str:
    closing, name = tag.groups()
    if name == "li":
        return "" if closing else "\n- "
    if name in _BLOCKS:
        return "\n"
    return " " if name in ("td", "th") else ""


def plain_text(fragment: str) -> str:
    """Untrusted HTML as one line of plain text: for titles, authors and summaries given as HTML."""
    return one_line(html.unescape(_TEXT_ONLY.clean(fragment)))


# What no stored string may hold: lone surrogates (unencodable: UTF-8 output dies on them), C0 and
# C1 controls but tab and newline (XML 1.0 forbids C0, and they mean nothing in text), Unicode's
# noncharacters (U+FFFE/U+FFFF and kin), and the bidi overrides and isolates, which can make
# text read differently from what it is (CVE-2021-42574).
_UNWANTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff\u202a-\u202e\u2066-\u2069"
    + "".join(f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(1, 17))
    + "]"
)
_CARRIAGE = re.compile("\r\n?")


def clean_text(text: str) -> str:
    """Text safe to store, render, mail and put in XML: the one door every string from a feed or a file
    passes once, on its way in (CRs become newlines; everything in _UNWANTED is removed)."""
    if "\r" in text:
        text = _CARRIAGE.sub("\n", text)
    return _UNWANTED.sub("", text) if _UNWANTED.search(text) else text


def one_line(text: str) -> str:
    """Text with every run of spaces and line breaks (Unicode's too) made one space."""
    return " ".join(text.split())


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs, one per blank-line-separated block."""
    blocks = (block.strip() for block in re.split(r"\n\s*\n", text))
    return "".join(f"<p>{html.escape(block)}</p>" for block in blocks if block)
