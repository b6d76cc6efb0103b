"""A feed item's body (its `Item.html`, sanitised by nh3 when it was fetched) as the email shows it.

Two forms of the same content: HTML for the HTML part, with images only when the editor
allows them, only from https and with alt text, and never wider than the column; and
plain text for the text part, where every link becomes a numbered reference ("[3]")
listed after the piece, lists keep their bullets and quotes their "> ".
"""

from __future__ import annotations

import re
from html import escape, unescape
from html.parser import HTMLParser

from .plaintext import LinkRefs, wrap

# The column is 600 px with 32 px margins each side.
IMAGE_WIDTH = 536
_IMG = re.compile(r"<img\b[^>]*>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_BLOCKS = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "dt",
    "dd",
    "tr",
    "figcaption",
    "caption",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "dl",
    "table",
    "figure",
    "hr",
}


def email_html(html: str, *, images: bool) -> str:
    """`html` for the email: images dropped unless `images`, else only https ones with alt text,
    their width capped at the column's (the height goes: it would stretch a narrowed image)."""
    return _IMG.sub(lambda m: _image(m[0]) if images else "", html)


def _image(tag: str) -> str:
    attrs = {name: unescape(value) for name, value in _ATTR.findall(tag)}  # as nh3 wrote them: escaped
    src, alt = attrs.get("src", ""), attrs.get("alt", "").strip()
    if not src.startswith("https://") or not alt:
        return ""
    width = attrs.get("width", "")
    width = min(int(width), IMAGE_WIDTH) if width.isdigit() and int(width) > 0 else IMAGE_WIDTH
    # The attributes come back out of the parsed tag escaped again, so nothing can break out of them.
    return f'<img src="{escape(src, quote=True)}" alt="{escape(alt, quote=True)}" width="{width}">'


def html_text(html: str, refs: LinkRefs, *, images: bool) -> str:
    """`html` as wrapped plain-text blocks separated by blank lines; links are `refs` numbers."""
    reader = _TextReader(refs, images)
    reader.feed(html)
    reader.close()
    return "\n\n".join(reader.blocks())


class _TextReader(HTMLParser):
    """Collects the text of each block with its prefix ("- ", "1. ", "> "), links as "[n]"."""

    def __init__(self, refs: LinkRefs, images: bool):
        super().__init__(convert_charrefs=True)
        self.refs, self.images = refs, images
        self.done: list[str] = []
        self.words: list[str] = []
        self.prefix = ""
        self.quote = 0
        self.lists: list[int] = []  # per open list: 0 for bullets, else the next number
        self.pre = 0
        self.href: list[str | None] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = dict(attrs)
        if tag in _BLOCKS or tag == "br":
            self._flush()
        if tag == "blockquote":
            self.quote += 1
        elif tag in ("ul", "ol"):
            self.lists.append(int(attrs.get("start") or 1) if tag == "ol" else 0)
        elif tag == "li":
            number = self.lists[-1] if self.lists else 0
            self.prefix = f"{number}. " if number else "- "
            if number:
                self.lists[-1] += 1
        elif tag == "pre":
            self.pre += 1
        elif tag == "a":
            self.href.append(attrs.get("href"))
        elif tag == "img" and self.images and (attrs.get("src") or "").startswith("https://") and attrs.get("alt"):
            self.words.append(f"[image: {attrs['alt']}]")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.href:
            href = self.href.pop()
            if href and href.startswith(("http://", "https://", "mailto:")):
                self.words.append(f" [{self.refs.add(href)}]")
        if tag in _BLOCKS:
            self._flush()
        if tag == "blockquote":
            self.quote = max(self.quote - 1, 0)
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "pre":
            self.pre = max(self.pre - 1, 0)

    def handle_data(self, data: str) -> None:
        if self.pre:
            self.words.append(data)
        elif data.strip():
            # A word glued to the previous text (as in "<b>x</b>y") stays glued.
            glued = self.words and not data[:1].isspace() and not self.words[-1].endswith(" ")
            text = " ".join(data.split())
            self.words.append(("" if glued else " ") + text + (" " if data[-1:].isspace() else ""))

    def _flush(self) -> None:
        text = "".join(self.words)
        self.words = []
        quote = "> " * self.quote
        if self.pre:
            lines = text.strip("\n").splitlines()
            if lines:
                self.done.append("\n".join(quote + line for line in lines))
            return
        text = " ".join(text.split())
        if text:
            indent = " " * len(self.prefix)
            self.done.append(wrap(text, first=quote + self.prefix, rest=quote + indent))
        self.prefix = ""

    def blocks(self) -> list[str]:
        self._flush()
        return self.done
