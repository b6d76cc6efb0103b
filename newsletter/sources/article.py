"""The parser for an article or blog post: one piece per page (a blog post, a .md note).

A scraped page is title, byline, text, then chrome and reader comments. This finds
each part by shape, not by the words of any one site: the platform families and the
editor's patterns mark the chrome, a short first line is the title, a short line that
parses as a byline or date is metadata, the comment thread is kept apart.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..models import ARTICLE, Item
from . import trace
from .boilerplate import SAID
from .dates import NAME, Byline, parse_byline, parse_date
from .items import make_item
from .lines import (
    Rules,
    Span,
    block_paragraphs,
    dedupe,
    line_paragraphs,
    shorten,
    text_end,
)
from .trace import Ledger

_MAX_TITLE = 120
_META_LINES = 3
_MD_TITLE = re.compile(r"^#{1,6}\s+(?P<title>.+?)(?:\s+#+)?$")
# "Faceless Bureaucrat: How bizarre to be here. Personally I..." - a page whose
# title was flattened into its first paragraph, after the author's name.
_LABELLED = re.compile(rf"(?P<name>[A-Z][\w'’-]+\s+{NAME}):\s+(?P<title>[^.!?]{{3,100}}[.!?])\s+(?P<rest>\S.*)")
# Blogger-style scrapes glue the "Reply" and "Delete" links of each reader comment
# to the start of that comment's second line: the mark of a comment thread.
COMMENT_MARK = re.compile(r"^Reply\s?Delete\s*")
_SAID = re.compile(SAID)
# Platform bylines that sit apart from the title: "Posted by Jane Doe at 09:14" (Blogger),
# "Submitted by Jane Doe on Tue, 03/05/2019 - 10:15" (Drupal), "Written by Jane Doe" and
# "6 min read · Mar 3, 2019" (Medium).
_PLATFORM_BYLINES = (
    re.compile(rf"^(?:Posted|Submitted|Written) by (?P<name>{NAME})(?:\s+(?:at|on)\s+(?P<when>.+))?$"),
    re.compile(r"^\d+ min read\s*[·•|-]\s*(?P<when>.+)$"),
)
_PERSON = re.compile(rf"[A-Z][\w'’-]+\s+{NAME}")


@dataclass
class _Head:
    """What the top of a page says about it."""

    title: str | None = None
    author: str | None = None
    published: dt.datetime | None = None


def parse_article(
    lines: Sequence[str], source: str, rules: Rules, ledger: Ledger, *, markdown: bool = False
) -> Item | None:
    """The page's article, or None when nothing but chrome is left."""
    end = text_end(lines, rules)
    comments = _thread(lines, end, rules, ledger)
    body = list(lines[:end])
    for i, line in enumerate(body):
        if any(p.match(line) for p in _PLATFORM_BYLINES):
            ledger.mark([i], trace.BYLINE)
        if rules.is_boilerplate(line) or ledger.fates[i]:
            ledger.mark([i], trace.BOILERPLATE)
            body[i] = ""
    head, start = _read_head(body, rules.tz, markdown, ledger)
    _footer(lines, head, rules.tz)
    cut, marked = _marked_comments(body, start, ledger)
    spans = (block_paragraphs if markdown else line_paragraphs)(body, start, cut)
    kept, repeats = dedupe(spans, head.title)
    _mark_paragraphs(ledger, kept, repeats)
    paragraphs = [s.text for s in kept]
    if not head.title and not paragraphs:
        return None
    title = head.title or shorten(paragraphs[0])
    return make_item(
        ARTICLE,
        title,
        source,
        paragraphs,
        author=head.author,
        published=head.published,
        comments=tuple(marked + comments),
    )


def _mark_paragraphs(ledger: Ledger, kept: Sequence[Span], repeats: Sequence[Span]) -> None:
    for number, span in enumerate(kept, 1):
        ledger.mark(span.lines, f"{trace.TEXT} {number}")
    for span in repeats:
        ledger.mark(span.lines, trace.DUPLICATE)


def _read_head(body: list[str], tz: dt.tzinfo, markdown: bool, ledger: Ledger) -> tuple[_Head, int]:
    """Title and byline from the top of the page, and the index where the text starts.

    A title flattened into the first paragraph is cut out of `body` in place.
    """
    head = _Head()
    i = _take_meta(body, 0, head, tz, ledger, dated_only=True)
    i = _skip_blank(body, i)
    if i == len(body):
        return head, i
    line = body[i]
    heading = _MD_TITLE.match(line) if markdown else None
    labelled = _LABELLED.fullmatch(line) if len(line) > _MAX_TITLE else None
    if heading:
        head.title = heading["title"]
    elif len(line) <= _MAX_TITLE:
        head.title = line
    elif labelled:
        head.title, head.author = labelled["title"].removesuffix("."), labelled["name"]
        body[i] = labelled["rest"]
        return head, i
    else:  # a wall of text: the title is made from its first words, the line stays as text
        head.title = shorten(line)
        return head, i
    ledger.mark([i], trace.TITLE)
    return head, _take_meta(body, i + 1, head, tz, ledger, dated_only=False)


def _take_meta(lines: list[str], i: int, head: _Head, tz: dt.tzinfo, ledger: Ledger, *, dated_only: bool) -> int:
    """Consume byline/date lines from `i` into `head`; returns the first line after them.

    Before the title only datelines count: "By Design" there is more likely a title.
    """
    for _ in range(_META_LINES):
        j = _skip_blank(lines, i)
        byline = parse_byline(lines[j], tz) if j < len(lines) else None
        if byline is None and not dated_only and j < len(lines) and _PERSON.fullmatch(lines[j]):
            byline = _name_over_date(lines, j, tz, ledger)
        if byline is None or (dated_only and byline.published is None):
            break
        head.author = head.author or byline.author
        head.published = head.published or byline.published
        ledger.mark([j], trace.BYLINE)
        i = j + 1
    return i


def _name_over_date(lines: list[str], j: int, tz: dt.tzinfo, ledger: Ledger) -> Byline | None:
    """A bare name is a byline when a dateline follows it ("Jane Doe" / "Mar 5, 2023"), or a platform's one."""
    k = _skip_blank(lines, j + 1)
    dated = parse_byline(lines[k], tz) if k < len(lines) else None
    platform = any(ledger.fates[x] == trace.BYLINE for x in range(j + 1, k))
    return Byline(lines[j], None) if platform or (dated and dated.published and not dated.author) else None


def _footer(lines: Sequence[str], head: _Head, tz: dt.tzinfo) -> None:
    """Author and date from a platform's own byline lines, when the top of the page had none."""
    for line in lines:
        for pattern in _PLATFORM_BYLINES:
            match = pattern.match(line)
            if match:
                fields = match.groupdict()
                head.author = head.author or fields.get("name")
                when = fields.get("when")
                head.published = head.published or (parse_date(when.replace(" - ", " "), tz) if when else None)


def _skip_blank(lines: Sequence[str], i: int) -> int:
    while i < len(lines) and not lines[i]:
        i += 1
    return i


def _thread(lines: Sequence[str], end: int, rules: Rules, ledger: Ledger) -> list[str]:
    """The reader comments after `end`, one string each; the rest there is chrome.

    The thread starts at its opening line ("7 comments:"); each comment starts at a
    "Name said..." line when the platform writes them, else after a blank or chrome line. A
    comment's date line goes with it, unshown.
    """
    opener = next((i for i in range(end, len(lines)) if rules.opens_thread(lines[i])), len(lines))
    ledger.mark(range(end, min(opener + 1, len(lines))), trace.BOILERPLATE)
    after = range(opener + 1, len(lines))
    said = any(_SAID.match(lines[i]) for i in after)
    comments: list[list[str]] = [[]]
    for i in after:
        line = lines[i]
        if rules.is_boilerplate(line) or rules.opens_thread(line):
            ledger.mark([i], trace.BOILERPLATE)
            if not said:  # a "Reply" link closes a comment where no "said" line opens the next
                comments.append([])
            continue
        if (said and _SAID.match(line)) or (not said and not line):
            comments.append([])
        if line and not _SAID.match(line) and parse_date(line.replace(" at ", " "), rules.tz) is None:
            comments[-1].append(line)
        ledger.mark([i], trace.COMMENT)
    return [" ".join(" ".join(c).split()) for c in comments if c]


def _marked_comments(body: list[str], start: int, ledger: Ledger) -> tuple[int, list[str]]:
    """Where the text ends when a comment thread is marked by "ReplyDelete", and its comments.

    Each comment starts on the line just before a marked line; the first one found
    starts the thread (so an opening "Question: ..." line goes with it).
    """
    marked = [i for i in range(start, len(body)) if COMMENT_MARK.match(body[i])]
    if not marked:
        return len(body), []
    starts: list[int] = []
    for i in marked:
        first = i - 1 if i > start and body[i - 1] and (not starts or i - 1 > starts[-1]) else i
        if not starts or first > starts[-1]:
            starts.append(first)
    comments = []
    for first, stop in zip(starts, [*starts[1:], len(body)]):
        text = " ".join(COMMENT_MARK.sub("", line) for line in body[first:stop] if line)
        if text.strip():
            comments.append(" ".join(text.split()))
    ledger.mark(range(starts[0], len(body)), trace.COMMENT)
    return starts[0], comments
