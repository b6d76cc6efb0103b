"""Bytes of a scraped file -> clean Unicode text, or the reason there is none.

Scraped text arrives as UTF-8, cp1252 or Latin-1, with BOMs, CRLFs, non-breaking
spaces and mojibake. Every later step assumes one clean form: NFC, LF line ends,
single spaces, no space at line ends. A file that has no text in it is reported
(as a reason string) rather than raised, so one bad file never stops a corpus.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import NamedTuple

from .misread import repair_misreadings

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

# Spaces that look like a space to a reader but defeat splitting and matching.
_ODD_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\f\v]")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACE_RUNS = re.compile(" {2,}")

# UTF-8 read as cp1252/Latin-1: a lead byte (Â..ô) then a continuation byte's
# cp1252/Latin-1 reading. Every repair ftfy makes for us starts like this, and
# ftfy is slow to import, so it is only loaded when this matches.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)

# A run this long of non-ASCII characters is a sign the bytes are not cp1252
# (Cyrillic, Greek or CJK read as cp1252 gives such runs; English with accents does not).
_NON_ASCII_RUN = re.compile("[^\x00-\x7f]{4,}")

# C0 controls other than line/tab breaks, and DEL: text never has many of them.
# (C1 controls are left out: they are what mojibake is made of, and ftfy repairs it.)
_CONTROLS = re.compile("[\x01-\x08\x0e-\x1f\x7f]")
_CONTROL_SHARE = 0.05


class Decoded(NamedTuple):
    """The clean text of a file, or (text "") the reason it has none."""

    text: str
    problem: str | None = None


def decode(data: bytes) -> Decoded:
    """Turn a file's bytes into clean text; `problem` says why a file is unusable."""
    if not data:
        return Decoded("", "empty file")
    if data.startswith(_UTF16_BOMS):
        raw = _try(data, "utf-16")
    elif b"\x00" in data:
        return Decoded("", "binary file (NUL bytes)")
    else:
        raw = _try(data, "utf-8-sig") or _western(data) or _detected(data)
    if raw is None:
        return Decoded("", "cannot decode: not UTF-8 and no encoding detected")
    if _control_share(raw) > _CONTROL_SHARE:
        return Decoded("", "binary file (mostly control characters)")
    text = clean(raw)
    if not text.strip():
        return Decoded("", "whitespace-only file")
    return Decoded(text)


def clean(raw: str) -> str:
    """Repair mojibake and single-letter misreadings, then normalise spaces and line ends so lines compare as text."""
    text = raw.lstrip("\ufeff")
    if _MOJIBAKE_HINT.search(text):
        text = _fix_mojibake(text)
    text = repair_misreadings(unicodedata.normalize("NFC", text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", _ODD_SPACES.sub(" ", text))
    lines = (_SPACE_RUNS.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(lines).rstrip("\n")  # leading blank lines stay: line numbers match the file


def _fix_mojibake(text: str) -> str:
    """ftfy's repair, keeping the author's curly quotes (ftfy straightens them by default)."""
    import ftfy

    return ftfy.fix_text(text, uncurl_quotes=False)


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _western(data: bytes) -> str | None:
    """cp1252 when the bytes read as plausible Western text (the likeliest non-UTF-8 case).

    charset-normalizer guesses wildly on short files (a cp1252 "It’s £5" comes back as
    Shift-JIS), so the common case is settled first. cp1252 also reads Latin-1 right:
    they differ only in 0x80-0x9F, which are control codes in Latin-1 and never text.
    """
    text = _try(data, "cp1252")
    if text is None or _NON_ASCII_RUN.search(text):
        return None
    return text


def _detected(data: bytes) -> str | None:
    """Ask charset-normalizer (imported here: it is slow to import and rarely needed)."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else None


def _control_share(text: str) -> float:
    """Share of control characters: high means binary data that happened to decode."""
    return len(_CONTROLS.findall(text)) / len(text) if text else 0.0
