"""Line-level rules shared by the parsers: boilerplate, page chrome, paragraphs, duplicates.

Scraped pages are text plus chrome (navigation, share bars, comment forms). The
caller says what chrome looks like (boilerplate regexes); these helpers decide
what to drop, where the text ends, and how lines become paragraphs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..errors import SourceError

# Hard-wrapped text is wrapped at a fixed width, usually 60-80 columns; lines
# longer than this are one paragraph per line however they end.
_MAX_WRAP_WIDTH = 100
_MIN_WRAP_WIDTH = 50
_SENTENCE_END = re.compile(r"[.!?…:][\"”’')\]]*$")
_LIST_MARK = re.compile(r"^(?:[-*•–]\s|\d+[.)]\s)")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
# How far after a boilerplate line a second one must appear for the pair to be page chrome.
_CHROME_LOOKAHEAD = 3


@dataclass(frozen=True)
class Rules:
    """What the caller decides about reading: what is boilerplate, venue spellings, time zone."""

    boilerplate: tuple[re.Pattern[str], ...]
    venue_aliases: Mapping[str, str]
    tz: dt.tzinfo

    @classmethod
    def build(cls, boilerplate: Sequence[str], venue_aliases: Mapping[str, str], tz: dt.tzinfo) -> Rules:
        """Compile the patterns once per corpus; a broken one is the caller's error, not a file's."""
        compiled = []
        for pattern in boilerplate:
            try:
                compiled.append(re.compile(pattern))
            except re.error as e:
                raise SourceError(f"boilerplate pattern {pattern!r}: {e}") from None
        aliases = {normalise(k).casefold(): v for k, v in venue_aliases.items()}
        return cls(tuple(compiled), aliases, tz)

    def is_boilerplate(self, line: str) -> bool:
        return bool(line) and any(p.search(line) for p in self.boilerplate)

    def venue(self, name: str) -> str:
        """A venue as the reader should see it (aliases fix house spellings)."""
        return self.venue_aliases.get(normalise(name).casefold(), name)


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


def cut_chrome(lines: Sequence[str], rules: Rules) -> list[str]:
    """The lines before the page chrome that follows the text.

    Chrome comes in runs (comment forms, share bars, footers), so a boilerplate line
    after the text has begun ends it when another follows within a few lines, or
    nothing does; a lone one between paragraphs (an advert) is only dropped later.
    """
    started = False
    for i, line in enumerate(lines):
        if not line:
            continue
        if not rules.is_boilerplate(line):
            started = True
        elif started and _chrome_follows(lines, i + 1, rules):
            return list(lines[:i])
    return list(lines)


def _chrome_follows(lines: Sequence[str], start: int, rules: Rules) -> bool:
    following = [line for line in lines[start:] if line][:_CHROME_LOOKAHEAD]
    return not following or any(rules.is_boilerplate(line) for line in following)


def drop_boilerplate(lines: Iterable[str], rules: Rules) -> list[str]:
    """Boilerplate lines blanked (not removed) so they still separate paragraphs."""
    return ["" if rules.is_boilerplate(line) else line for line in lines]


def blocks(lines: Iterable[str]) -> Iterator[list[str]]:
    """Runs of non-blank lines."""
    block: list[str] = []
    for line in lines:
        if line:
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


def line_paragraphs(lines: Iterable[str]) -> list[str]:
    """Plain-text paragraphs: each line is one, except hard-wrapped runs, which are rejoined."""
    paragraphs: list[str] = []
    for block in blocks(lines):
        width = max(len(line) for line in block)
        paragraph = block[0]
        for previous, line in zip(block, block[1:]):
            if _wrapped(previous, line, width):
                paragraph += " " + line
            else:
                paragraphs.append(paragraph)
                paragraph = line
        paragraphs.append(paragraph)
    return [normalise(p) for p in paragraphs]


def _wrapped(line: str, following: str, width: int) -> bool:
    """Whether `line` was broken at the wrap width mid-sentence and `following` goes on with it."""
    if not _MIN_WRAP_WIDTH <= width <= _MAX_WRAP_WIDTH or len(line) < 0.75 * width:
        return False
    if _LIST_MARK.match(following):
        return False
    return not _SENTENCE_END.search(line) or following[0].islower()


def block_paragraphs(lines: Iterable[str]) -> list[str]:
    """Markdown paragraphs: blank-line-separated blocks, sub-heading marks removed."""
    return [normalise(_MD_HEADING.sub("", " ".join(block))) for block in blocks(lines)]


def dedupe(paragraphs: Iterable[str]) -> list[str]:
    """Paragraphs in order, each once: scrapes often repeat a page's text."""
    seen: set[str] = set()
    kept = []
    for paragraph in paragraphs:
        key = normalise(paragraph).casefold()
        if key and key not in seen:
            seen.add(key)
            kept.append(paragraph)
    return kept
