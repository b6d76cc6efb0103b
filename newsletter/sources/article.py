"""The generic parser: one article per ordinary page (a blog post, a .md note).

A scraped page is title, byline, text, then chrome and reader comments. This finds
each part by shape, not by the words of any one site: the caller's boilerplate
patterns mark the chrome, a short first line is the title, a short line that parses
as a byline or date is metadata.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..models import ARTICLE, Item
from .dates import NAME, parse_byline
from .items import make_item
from .lines import Rules, block_paragraphs, cut_chrome, dedupe, drop_boilerplate, line_paragraphs, shorten

_MAX_TITLE = 120
_META_LINES = 3
_MD_TITLE = re.compile(r"^#{1,6}\s+(?P<title>.+?)(?:\s+#+)?$")
# "Faceless Bureaucrat: How bizarre to be here. Personally I..." - a page whose
# title was flattened into its first paragraph, after the author's name.
_LABELLED = re.compile(
    rf"(?P<name>[A-Z][\w'’-]+\s+{NAME}):\s+(?P<title>[^.!?]{{3,100}}[.!?])\s+(?P<rest>\S.*)"
)
# Blogger-style scrapes glue the "Reply" and "Delete" links of each reader comment
# to the start of that comment's second line: the mark of a comment thread.
COMMENT_MARK = re.compile(r"^Reply\s?Delete\s*")


@dataclass
class _Head:
    """What the top of a page says about it."""

    title: str | None = None
    author: str | None = None
    published: dt.datetime | None = None


def parse_article(text: str, source: str, rules: Rules, *, markdown: bool = False) -> Item | None:
    """The page's article, or None when nothing but chrome is left."""
    lines = drop_boilerplate(cut_chrome(text.split("\n"), rules), rules)
    head, body = _read_head(lines, rules.tz, markdown)
    body, comments = split_comments(body)
    paragraphs = dedupe(block_paragraphs(body) if markdown else line_paragraphs(body))
    if not head.title and not paragraphs:
        return None
    title = head.title or shorten(paragraphs[0])
    return make_item(
        ARTICLE, title, source, paragraphs,
        author=head.author, published=head.published, comments=tuple(comments),
    )


def _read_head(lines: list[str], tz: dt.tzinfo, markdown: bool) -> tuple[_Head, list[str]]:
    """Title and byline from the top of the page, and the lines that follow them."""
    head = _Head()
    i = _take_meta(lines, 0, head, tz, dated_only=True)
    i = _skip_blank(lines, i)
    if i == len(lines):
        return head, []
    line = lines[i]
    heading = _MD_TITLE.match(line) if markdown else None
    labelled = _LABELLED.fullmatch(line) if len(line) > _MAX_TITLE else None
    if heading:
        head.title = heading["title"]
    elif len(line) <= _MAX_TITLE:
        head.title = line
    elif labelled:
        head.title, head.author = labelled["title"].removesuffix("."), labelled["name"]
        return head, [labelled["rest"], *lines[i + 1 :]]
    else:  # a wall of text: the title is made from its first words, the line stays as text
        head.title = shorten(line)
        return head, lines[i:]
    i = _take_meta(lines, i + 1, head, tz, dated_only=False)
    return head, lines[i:]


def _take_meta(lines: list[str], i: int, head: _Head, tz: dt.tzinfo, *, dated_only: bool) -> int:
    """Consume byline/date lines from `i` into `head`; returns the first line after them.

    Before the title only datelines count: "By Design" there is more likely a title.
    """
    for _ in range(_META_LINES):
        j = _skip_blank(lines, i)
        byline = parse_byline(lines[j], tz) if j < len(lines) else None
        if byline is None or (dated_only and byline.published is None):
            break
        head.author = head.author or byline.author
        head.published = head.published or byline.published
        i = j + 1
    return i


def _skip_blank(lines: Sequence[str], i: int) -> int:
    while i < len(lines) and not lines[i]:
        i += 1
    return i


def split_comments(lines: list[str]) -> tuple[list[str], list[str]]:
    """Article lines and reader comments (one string each) when a comment thread is marked.

    Each comment starts on the line just before a marked line; the first one found
    starts the thread (so an opening "Question: ..." line goes with it).
    """
    marked = [i for i, line in enumerate(lines) if COMMENT_MARK.match(line)]
    if not marked:
        return lines, []
    starts = []
    for i in marked:
        start = i - 1 if i > 0 and lines[i - 1] and (not starts or i - 1 > starts[-1]) else i
        if not starts or start > starts[-1]:
            starts.append(start)
    comments = []
    for start, end in zip(starts, [*starts[1:], len(lines)]):
        text = " ".join(COMMENT_MARK.sub("", line) for line in lines[start:end] if line)
        if text.strip():
            comments.append(" ".join(text.split()))
    return lines[: starts[0]], comments
