"""What the reader made of each line of a page: the record `newsletter corpus` shows an editor.

Every non-blank line ends with one fate. Parsers mark lines as they decide; the first
mark a line gets stands, so a later, vaguer pass (the sidebar sweep) never hides why a
line was taken or dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

MASTHEAD = "masthead"
HEADING = "heading"
TITLE = "title"
BYLINE = "byline"
TEXT = "paragraph"
HEARING = "hearing"
EVENT = "event"
COMMENT = "comment"
# Dropped lines, counted for the editor.
BOILERPLATE = "boilerplate"
DUPLICATE = "duplicate"
SIDEBAR = "sidebar"
DROPPED = (BOILERPLATE, DUPLICATE, SIDEBAR)


class Ledger:
    """One fate per line of a page, and the page's warnings."""

    def __init__(self, lines: Sequence[str]):
        self.lines = tuple(lines)
        self.fates: list[str] = [""] * len(self.lines)
        self.warnings: list[str] = []

    def mark(self, indices: Iterable[int], fate: str) -> None:
        for i in indices:
            if self.lines[i] and not self.fates[i]:
                self.fates[i] = fate

    def rest(self, fate: str) -> None:
        """Every line not yet accounted for gets `fate`."""
        self.mark(range(len(self.lines)), fate)

    def counts(self) -> Counter[str]:
        return Counter(fate.split(" ")[0] for line, fate in zip(self.lines, self.fates) if line)
