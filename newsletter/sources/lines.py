"""Line-level rules shared by the parsers: boilerplate, page chrome, paragraphs, duplicates.

Scraped pages are text plus chrome (navigation, share bars, comment forms). The
caller says what chrome looks like (boilerplate regexes); these helpers decide
what to drop, where the text ends, and how lines become paragraphs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ..errors import SourceError
from .boilerplate import noise_patterns, thread_patterns
from .dates import NAME

# Hard-wrapped text is wrapped at a fixed width, usually 60-80 columns; lines
# longer than this are one paragraph per line however they end.
_MAX_WRAP_WIDTH = 100
_MIN_WRAP_WIDTH = 50
_SENTENCE_END = re.compile(r"[.!?…:][\"”’')\]]*$")
_LIST_MARK = re.compile(r"^(?:[-*•–]\s|\d+[.)]\s)")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_FIRST_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u2019\u201d)]*(?=\s)")
# "Faceless Bureaucrat: How bizarre to be here. " - the page header a blog glues to its first paragraph.
_HEADER = re.compile(rf"(?P<name>{NAME}):\s+(?P<title>[^.!?]{{3,100}}[.!?])\s+(?=\S)")
# A line of prose: long, or a sentence of a few words (not a title, a link or a byline).
_PROSE_CHARS = 80
_PROSE_WORDS = 6
_PROSE_END = re.compile(r"[.!?…][\"'”’)]*$")
# How far after a boilerplate line a second one must appear for the pair to be page chrome.
_CHROME_LOOKAHEAD = 3
_LEADING_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")
_ANCHORED = re.compile(r"^(?:\(\?[aiLmsux]+\))?\^")
_NOT_ALNUM = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Rules:
    """What the caller decides about reading: what is boilerplate, venue spellings, time zone.

    The platform families' patterns (boilerplate.py) always apply; `extra` adds the editor's.
    """

    boilerplate: tuple[re.Pattern[str], re.Pattern[str]]  # (anchored at the line's start, anywhere)
    threads: re.Pattern[str]
    venue_aliases: Mapping[str, str]
    tz: dt.tzinfo

    @classmethod
    def build(cls, extra: Sequence[str], venue_aliases: Mapping[str, str], tz: dt.tzinfo) -> Rules:
        """Compile the patterns once per corpus; a broken one is the caller's error, not a file's.

        They are joined into two alternations, one tried only at the start of a line: two
        regex calls per line instead of one per pattern, and no scan of long paragraphs
        for patterns that can only match at their start. The editor's patterns are
        searched anywhere, as written.
        """
        for pattern in extra:
            try:
                re.compile(pattern)
            except re.error as e:
                raise SourceError(f"boilerplate pattern {pattern!r}: {e}") from None
        anchored = [p for p in noise_patterns() if _ANCHORED.match(p)]
        anywhere = [p for p in noise_patterns() if not _ANCHORED.match(p)]
        try:
            noise = (_any_of(anchored), _any_of([*anywhere, *extra]))
        except re.error as e:  # e.g. two of the editor's patterns use the same group name
            raise SourceError(f"boilerplate patterns cannot be used together: {e}") from None
        aliases = {normalise(k).casefold(): v for k, v in venue_aliases.items()}
        return cls(noise, _any_of(thread_patterns()), aliases, tz)

    def is_boilerplate(self, line: str) -> bool:
        anchored, anywhere = self.boilerplate
        return bool(line) and (anchored.match(line) is not None or anywhere.search(line) is not None)

    def opens_thread(self, line: str) -> bool:
        """Whether `line` heads the reader comments ("7 comments:", "Leave a Reply")."""
        return bool(line) and self.threads.search(line) is not None

    def venue(self, name: str) -> str:
        """A venue as the reader should see it (aliases fix house spellings)."""
        return self.venue_aliases.get(normalise(name).casefold(), name)


def _any_of(patterns: Iterable[str]) -> re.Pattern[str]:
    """One pattern matching where any of `patterns` does; a leading "(?i)" becomes a scoped group."""
    parts = []
    for pattern in patterns:
        flags = _LEADING_FLAGS.match(pattern)
        parts.append(f"(?{flags[1]}:{pattern[flags.end() :]})" if flags else f"(?:{pattern})")
    return re.compile("|".join(parts) or "(?!)")


def normalise(text: str) -> str:
    """Single spaces, no ends: the form paragraphs, titles and ids are compared in."""
    return " ".join(text.split())


def shorten(text: str, limit: int = 80) -> str:
    """The first words of `text`, cut on a word boundary, marked with an ellipsis when cut."""
    text = normalise(text)
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:-–—") + "…"


class Span(NamedTuple):
    """A paragraph and the indices of the page lines it was made from."""

    text: str
    lines: range


def first_sentence(text: str, limit: int = 60) -> str:
    """The first sentence of `text`, shortened: a title for a piece that has none of its own."""
    text = normalise(text)
    match = _FIRST_SENTENCE_END.search(text)
    return shorten(text[: match.end()].rstrip() if match else text, limit).removesuffix(".")


def is_prose(line: str) -> bool:
    """Whether `line` reads as running text rather than a heading, a link or a label."""
    return len(line) >= _PROSE_CHARS or (bool(_PROSE_END.search(line)) and len(line.split()) >= _PROSE_WORDS)


def text_end(lines: Sequence[str], rules: Rules) -> int:
    """Where the text stops and the page chrome or the reader comments begin.

    Chrome comes in runs (comment forms, share bars, footers), so a boilerplate line
    after the text has begun ends it when another follows within a few lines, or
    nothing does; a lone one between paragraphs (an advert) is only dropped later.
    A line opening the comment thread ends it outright. The text begins at the first
    line of prose (a title, a byline and a share bar above it are not the end of it).
    """
    started = False  # by the first line of prose: a title and byline are not yet the text
    for i, line in enumerate(lines):
        if not line:
            continue
        if started and rules.opens_thread(line):
            return i
        if not rules.is_boilerplate(line):
            started = started or is_prose(line)
        elif started and _chrome_follows(lines, i + 1, rules):
            return i
    return len(lines)


def _chrome_follows(lines: Sequence[str], start: int, rules: Rules) -> bool:
    following = list(itertools.islice(filter(None, itertools.islice(lines, start, None)), _CHROME_LOOKAHEAD))
    return not following or any(rules.is_boilerplate(line) for line in following)


def next_line(lines: Sequence[str], start: int, default: str = "") -> str:
    """The first non-blank line from `start` on (without copying the rest of the page)."""
    return next(filter(None, itertools.islice(lines, start, None)), default)


def _blocks(lines: Sequence[str], start: int, end: int) -> Iterator[range]:
    """Runs of non-blank lines between `start` and `end`, as index ranges."""
    first = None
    for i in range(start, end):
        if lines[i] and first is None:
            first = i
        elif not lines[i] and first is not None:
            yield range(first, i)
            first = None
    if first is not None:
        yield range(first, end)


def line_paragraphs(lines: Sequence[str], start: int = 0, end: int | None = None) -> list[Span]:
    """Plain-text paragraphs: each line is one, except hard-wrapped runs, which are rejoined."""
    spans: list[Span] = []
    for block in _blocks(lines, start, len(lines) if end is None else end):
        width = max(len(lines[i]) for i in block)
        first = block[0]
        for i in block[1:]:
            if not _wrapped(lines[i - 1], lines[i], width):
                spans.append(_span(lines, range(first, i)))
                first = i
        spans.append(_span(lines, range(first, block[-1] + 1)))
    return spans


def _span(lines: Sequence[str], at: range) -> Span:
    return Span(normalise(" ".join(lines[i] for i in at)), at)


def _wrapped(line: str, following: str, width: int) -> bool:
    """Whether `line` was broken at the wrap width mid-sentence and `following` goes on with it."""
    if not _MIN_WRAP_WIDTH <= width <= _MAX_WRAP_WIDTH or len(line) < 0.75 * width:
        return False
    if _LIST_MARK.match(following):
        return False
    return not _SENTENCE_END.search(line) or following[0].islower()


def block_paragraphs(lines: Sequence[str], start: int = 0, end: int | None = None) -> list[Span]:
    """Markdown paragraphs: blank-line-separated blocks, sub-heading marks removed."""
    return [
        Span(normalise(_MD_HEADING.sub("", " ".join(lines[i] for i in at))), at)
        for at in _blocks(lines, start, len(lines) if end is None else end)
    ]


def dedupe(spans: Iterable[Span], title: str | None = None) -> tuple[list[Span], list[Span]]:
    """Paragraphs in order, each once, and the repeats: scrapes often repeat a page's text.

    Two paragraphs are the same when their letters and digits are, whatever the
    spacing, punctuation or case; a paragraph that repeats another under an
    "Author: Title." prefix (what a blog's page header adds) is the same paragraph,
    and the first one kept loses the prefix.
    """
    spans = list(spans)
    keys = {compare_key(s.text) for s in spans}
    seen: set[str] = set()
    kept, repeats = [], []
    for span in spans:
        text = _without_header(span.text, title, keys)
        key = compare_key(text)
        if not key or key in seen:
            repeats.append(span)
            continue
        seen.add(key)
        kept.append(span._replace(text=text))
    return kept, repeats


def compare_key(text: str) -> str:
    """The letters and digits of `text`, case-folded: what two copies of a paragraph share."""
    return _NOT_ALNUM.sub("", text.casefold())


def _without_header(text: str, title: str | None, keys: set[str]) -> str:
    """`text` without an "Author: Title." prefix, when the title is the page's or the rest is a paragraph too."""
    match = _HEADER.match(text)
    if not match:
        return text
    rest = text[match.end() :]
    if (title and compare_key(match["title"]) == compare_key(title)) or compare_key(rest) in keys:
        return rest
    return text
