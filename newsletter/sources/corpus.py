"""The text corpus: a folder of .txt and .md files -> Documents of Items, plus warnings.

A corpus is scraped, noisy and partly broken, so a file that cannot be used becomes
a one-line warning naming it and the rest are still read; only a missing folder
(or a broken boilerplate pattern, the caller's mistake) stops the read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

from ..errors import SourceError
from ..models import Document
from .lines import Rules
from .page import Page, read_page
from .text import decode

SUFFIXES = (".txt", ".md")
_NO_ALIASES: Mapping[str, str] = MappingProxyType({})
_LONDON = ZoneInfo("Europe/London")


def read_corpus(
    folder: Path,
    *,
    boilerplate: Sequence[str] = (),
    venue_aliases: Mapping[str, str] = _NO_ALIASES,
    tz: dt.tzinfo = _LONDON,
) -> tuple[list[Document], list[str]]:
    """One Document per usable .txt/.md file in `folder` (by name, not recursive), and warnings.

    `boilerplate` adds patterns to the platform families' (boilerplate.py). Each warning
    is one line naming its file. Raises SourceError when `folder` is not a readable folder.
    """
    folder = Path(folder)
    rules = Rules.build(boilerplate, venue_aliases, tz)
    documents, warnings = [], []
    paths = _corpus_files(folder)
    if not paths:
        warnings.append(f"{folder}: corpus folder is empty (no .txt or .md files)")
    for path in paths:
        try:
            document, problem = read_document(path, rules)
        except Exception as e:  # noqa: BLE001 - one bad file must never stop the others
            document, problem = None, f"cannot parse ({type(e).__name__}: {e})"
        if problem:
            warnings.append(f"{path}: {problem}, skipped")
        if document:
            documents.append(document)
    return documents, warnings


def _corpus_files(folder: Path) -> list[Path]:
    if not folder.exists():
        raise SourceError(f"{folder}: corpus folder not found")
    if not folder.is_dir():
        raise SourceError(f"{folder}: corpus path is not a folder")
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as e:
        raise SourceError(f"{folder}: cannot list corpus folder: {e.strerror or e}") from None
    return [p for p in entries if p.suffix.lower() in SUFFIXES and p.is_file()]


def read_document(path: Path, rules: Rules) -> tuple[Document | None, str | None]:
    """One file's Document, or None and the reason the file is unusable."""
    page, problem = read_file_page(path, rules)
    if page is None:
        return None, problem
    if not page.items:
        return None, "nothing left once boilerplate is removed"
    return Document(path=str(path), items=page.items), None


def read_file_page(path: Path, rules: Rules) -> tuple[Page | None, str | None]:
    """What the reader makes of one file, line by line, or None and the reason it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as e:
        return None, f"cannot read: {e.strerror or e}"
    decoded = decode(data)
    if decoded.problem:
        return None, decoded.problem
    return read_page(decoded.text, str(path), rules, markdown=path.suffix.lower() == ".md"), None


def inspect_corpus(
    folder: Path,
    *,
    boilerplate: Sequence[str] = (),
    venue_aliases: Mapping[str, str] = _NO_ALIASES,
    tz: dt.tzinfo = _LONDON,
    only: Path | None = None,
) -> list[tuple[Path, Page | None, str | None]]:
    """Each corpus file (or just `only`) with what the reader made of it, line by line, or why it could not."""
    rules = Rules.build(boilerplate, venue_aliases, tz)
    found = []
    for path in [Path(only)] if only is not None else _corpus_files(Path(folder)):
        try:
            page, problem = read_file_page(path, rules)
        except Exception as e:  # noqa: BLE001 - as in read_corpus: one bad file never stops the others
            page, problem = None, f"cannot parse ({type(e).__name__}: {e})"
        found.append((path, page, problem))
    return found
