"""Single-character misreadings ftfy leaves: Latin-1 text read as Mac Roman, Mac Roman read as cp1252.

ftfy repairs UTF-8 read as cp1252, where one letter becomes two or three telltale
characters. A single-byte misreading changes one letter into another single
character ("raison d'être" saved as Latin-1 and read as Mac Roman is "raison
d'Ítre"), which only the word around it gives away. The rule: a word holding one of
the characters below is repaired when, as written, it is not a plausible word (a
capital after a small letter, or a word unknown in every language checked) and the
repaired word is a known one (wordfreq's lists). So "l'Île", "d'Índia", "Ótimo",
"ÉCOLE" and every other real word stay as they are; see tests/test_misread.py.
"""

from __future__ import annotations

import re

# The character a misreading shows -> the letter that was meant. Characters that the
# two misreadings map to different letters (ˆ ‰ ‡ ˜) are left out: they cannot be settled.
_LATIN1_AS_MAC = dict(zip("ÁËÈÍÎÏÌÓÔÒÚÛÙÂÊ‚„¯˘˙˚¸˝˛ˇ", "çèéêëìíîïñòóôåæâãøùúûüýþÿ"))
_MAC_AS_CP1252 = dict(zip("ŽŠŒŸ‹›", "éäåüãõ"))
MISREAD = {**_LATIN1_AS_MAC, **_MAC_AS_CP1252}
_SUSPECT = re.compile(f"[{''.join(MISREAD)}]")
_WORD = re.compile(rf"(?:[^\W\d_]|[{''.join(MISREAD)}])+")
LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "ca", "nl")
# A word this common (Zipf scale: 1 is once per billion words) in some language is a real one.
_KNOWN = 1.0


def repair_misreadings(text: str) -> str:
    """`text` with each misread word put right; text without a suspect character is returned as is."""
    if not _SUSPECT.search(text):
        return text
    return _WORD.sub(_repair_word, text)


def _repair_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if not _SUSPECT.search(word) or word.upper() == word:  # an all-capitals word has no small letters to judge by
        return word
    fixed = "".join(MISREAD.get(c, c) for c in word)
    return fixed if not _plausible(word) and _known(fixed) else word


def _plausible(word: str) -> bool:
    """Cased as words are (no capital after the first letter; all-capitals words never get here) and known."""
    cased = word[1:] == word[1:].lower()
    return cased and _known(word)


def _known(word: str) -> bool:
    # wordfreq is slow to import and only needed for the rare suspect word
    from wordfreq import zipf_frequency

    return any(zipf_frequency(word, lang, wordlist="small") >= _KNOWN for lang in LANGUAGES)
