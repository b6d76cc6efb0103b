"""The text corpus: a folder of .txt and .md files -> Documents of Items, plus warnings.

A corpus is scraped, noisy and partly broken, so a file that cannot be used becomes
a one-line warning naming it and the rest are still read; only a missing folder
(or a broken boilerplate pattern, the caller's mistake) stops the read. Reading is
bounded and stays inside: at most `max_bytes` of a file (its tail is never read), no
file whose real path is outside the folder (a symlink out), and every character
sanitize.clean_text would remove is removed before the text is parsed.
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
from .sanitize import clean_text
from .text import decode

SUFFIXES = (".txt", ".md")
_NO_ALIASES: Mapping[str, str] = MappingProxyType({})
_LONDON = ZoneInfo("Europe/London")
MAX_BYTES = 2**20


def read_corpus(
    folder: Path,
    *,
    boilerplate: Sequence[str] = (),
    venue_aliases: Mapping[str, str] = _NO_ALIASES,
    tz: dt.tzinfo = _LONDON,
    max_bytes: int = MAX_BYTES,
) -> tuple[list[Document], list[str]]:
    """One Document per usable .txt/.md file in `folder` (by name, not recursive), and warnings.

    `boilerplate` adds patterns to the platform families' (boilerplate.py). Each warning
    is one line naming its file. Raises SourceError when `folder` is not a readable folder.
    """
    folder = Path(folder)
    rules = Rules.build(boilerplate, venue_aliases, tz)
    documents, warnings = [], []
    paths, outside = _corpus_files(folder)
    warnings += [f"{path}: a link to {path.resolve()}, outside the corpus folder, skipped" for path in outside]
    if not paths and not outside:
        warnings.append(f"{folder}: corpus folder is empty (no .txt or .md files)")
    for path in paths:
        try:
            document, problem = read_document(path, rules, max_bytes, warnings)
        except Exception as e:  # one bad file must never stop the others
            document, problem = None, f"cannot parse ({type(e).__name__}: {e})"
        if problem:
            warnings.append(f"{path}: {problem}, skipped")
        if document:
            documents.append(document)
    return documents, warnings


def _corpus_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """The corpus files inside the folder, and those whose real path is outside it (symlinks out)."""
    if not folder.exists():
        raise SourceError(f"{folder}: corpus folder not found")
    if not folder.is_dir():
        raise SourceError(f"{folder}: corpus path is not a folder")
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as e:
        raise SourceError(f"{folder}: cannot list corpus folder: {e.strerror or e}") from None
    inside = folder.resolve()
    files = [p for p in entries if p.suffix.lower() in SUFFIXES and p.is_file()]
    outside = [p for p in files if not p.resolve().is_relative_to(inside)]
    return [p for p in files if p not in outside], outside


def read_document(
    path: Path, rules: Rules, max_bytes: int = MAX_BYTES, warnings: list[str] | None = None
) -> tuple[Document | None, str | None]:
    """One file's Document, or None and the reason the file is unusable."""
    page, problem = read_file_page(path, rules, max_bytes, warnings)
    if page is None:
        return None, problem
    if not page.items:
        return None, "nothing left once boilerplate is removed"
    return Document(path=str(path), items=page.items), None


def read_file_page(
    path: Path, rules: Rules, max_bytes: int = MAX_BYTES, warnings: list[str] | None = None
) -> tuple[Page | None, str | None]:
    """What the reader makes of one file, line by line, or None and the reason it cannot be read;
    a file cut at `max_bytes` adds a line to `warnings`."""
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as e:
        return None, f"cannot read: {e.strerror or e}"
    if len(data) > max_bytes:
        data = data[: data.rfind(b"\n", 0, max_bytes) + 1 or max_bytes]
        if warnings is not None:
            warnings.append(f"{path}: larger than [corpus] max_bytes ({max_bytes:,} bytes); read up to there only")
    decoded = decode(data)
    if decoded.problem:
        return None, decoded.problem
    return read_page(clean_text(decoded.text), str(path), rules, markdown=path.suffix.lower() == ".md"), None


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
    for path in [Path(only)] if only is not None else _corpus_files(Path(folder))[0]:
        try:
            page, problem = read_file_page(path, rules)
        except Exception as e:  # as in read_corpus: one bad file never stops the others
            page, problem = None, f"cannot parse ({type(e).__name__}: {e})"
        found.append((path, page, problem))
    return found
