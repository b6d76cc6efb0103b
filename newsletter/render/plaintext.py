"""Plain-text helpers for the text/plain part: 72-column wrapping and numbered link references.

Mail readers show text/plain in a fixed-width font and many quote replies with "> ", so lines
stay short; URLs are never broken because a broken URL cannot be clicked or copied whole.
"""

from __future__ import annotations

import textwrap

WIDTH = 72


def wrap(text: str, width: int = WIDTH, first: str = "", rest: str = "") -> str:
    """Fill `text` to `width` columns; `first`/`rest` prefix the first and later lines (e.g. ">> ")."""
    words = " ".join(str(text).split())
    if not words:
        return first.rstrip()
    wrapper = textwrap.TextWrapper(
        width=width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,  # a long word is usually a URL: keep it whole on its own line
        break_on_hyphens=False,  # hyphens inside URLs are not break points either
    )
    return wrapper.fill(words)


def underline(text: str, char: str = "=", width: int = WIDTH) -> str:
    """A heading wrapped to `width`, then a rule of `char` as long as its longest line."""
    heading = wrap(text, width)
    longest = max((len(line) for line in heading.splitlines()), default=0)
    return f"{heading}\n{char * longest}"


class LinkRefs:
    """Numbers links in reading order so the text part can say "Read more [3]".

    One instance per rendering: the template calls `add` where a link appears and
    `pending` at the end of each piece to list the links it has not listed yet.
    """

    def __init__(self) -> None:
        self._urls: list[str] = []
        self._listed = 0

    def add(self, url: str) -> int:
        """Give `url` the next number (a repeated URL gets a new one: each piece lists its own)."""
        self._urls.append(url)
        return len(self._urls)

    def pending(self) -> list[tuple[int, str]]:
        """(number, url) for links added since the last call, and mark them listed."""
        start = self._listed
        self._listed = len(self._urls)
        return list(enumerate(self._urls[start:], start + 1))
