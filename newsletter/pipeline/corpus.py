"""`corpus`: what the reader makes of each file, so an editor can see why a page came out wrong."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..models import ARTICLE, EVENT, HEARING

if TYPE_CHECKING:
    from ..sources.page import Page


@dataclass(frozen=True)
class FileReading:
    """One file: its genre and main piece's facts, its counts, what was dropped, its warnings."""

    path: Path
    page: Page | None
    problem: str | None = None

    @property
    def lead(self):
        return next((i for i in self.page.items if i.kind == ARTICLE), None) if self.page else None

    def count(self, kind: str) -> int:
        return sum(i.kind == kind for i in self.page.items) if self.page else 0

    @property
    def hearing(self) -> int:
        return self.count(HEARING)

    @property
    def events(self) -> int:
        return self.count(EVENT)


def corpus(config: Config, *, file: Path | None = None) -> list[FileReading]:
    """Read every corpus file (or only `file`) as a build would, keeping each line's fate."""
    from ..sources.corpus import inspect_corpus

    found = inspect_corpus(
        config.corpus.path,
        boilerplate=config.boilerplate,
        venue_aliases=config.corpus.venue_aliases,
        tz=config.zone,
        only=file,
    )
    return [FileReading(path, page, problem) for path, page, problem in found]
