"""Written text -> text to be said: the lexicon's words, money, times and dates in words, no URLs.

An engine reads what it is given: espeak-ng says "£100k" as "pound one hundred k" and "5.30pm"
as "five point three zero p m", and reads a URL out letter by letter. Spelling these out here
makes every engine right, and lets an editor fix a word in config instead of in the engine.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path

from num2words import num2words

LEXICON_FILE = Path(__file__).with_name("lexicon.toml")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip
_MONTH = r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>(?:1[89]|20)\d\d)\b)?"

# A URL ends before trailing punctuation (its "tail": see `_without_url`).
URL = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.|\b[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}/)[^\s<>\"]*[^\s<>\".,;:!?)\]'’]"
    r"(?P<tail>[.,;:!?)\]'’]*)",
    re.I,
)
EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
SPACE_BEFORE_MARK = re.compile(r"\s+([,.;:!?])")
MONEY = re.compile(
    r"(?P<sign>[£$€])\s?(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?"
    r"(?:\s?(?P<scale>k|m|bn|thousand|million|billion|trillion)\b)?",
    re.I,
)
SCALES = {"k": "thousand", "m": "million", "bn": "billion"}
CURRENCIES = {"£": ("pound", "pounds", "pence"), "$": ("dollar", "dollars", "cents"), "€": ("euro", "euros", "cents")}
CLOCK = re.compile(r"\b(?P<hour>1[0-2]|0?[1-9])(?:[.:](?P<minute>[0-5]\d))?\s?(?P<half>[ap])(?:m\b|\.m\.)", re.I)
CLOCK_24 = re.compile(r"\b(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)\b")
DAY_MONTH = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b\.?{_YEAR}")
MONTH_DAY = re.compile(rf"\b{_MONTH}\.?\s+{_DAY}\b{_YEAR}")
ACRONYM_THEN_DIGIT = re.compile(r"\b([A-Z]{2,})(\d)")


def load_lexicon(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The shipped lexicon with `extra` (from [audio] lexicon) over it."""
    with LEXICON_FILE.open("rb") as f:
        return {**tomllib.load(f), **(extra or {})}


class Speech:
    """Makes written text speakable with one lexicon; build once per issue, call per paragraph."""

    def __init__(self, lexicon: dict[str, str]):
        self.lexicon = {k: v for k, v in lexicon.items() if k}
        words = sorted(self.lexicon, key=len, reverse=True)  # "A&E" before "&"
        alternatives = "|".join(re.escape(w) for w in words) or r"(?!)"
        self.words = re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z])")

    def __call__(self, text: str) -> str:
        text = URL.sub(_without_url, text)
        text = EMPTY_BRACKETS.sub("", text)
        text = MONEY.sub(_money, text)
        text = CLOCK.sub(_clock, text)
        text = CLOCK_24.sub(_clock, text)
        text = DAY_MONTH.sub(_date, text)
        text = MONTH_DAY.sub(_date, text)
        text = ACRONYM_THEN_DIGIT.sub(r"\1 \2", text)
        text = self.words.sub(self._word, text)
        return SPACE_BEFORE_MARK.sub(r"\1", " ".join(text.split()))

    def _word(self, match: re.Match) -> str:
        return self.lexicon[match[0]]


def _without_url(match: re.Match) -> str:
    """What stays of a URL: the brackets it closes and the last mark of its sentence."""
    tail = match["tail"]
    marks = [c for c in tail if c in ".,;:!?"]
    return "".join(c for c in tail if c in ")]") + "".join(marks[-1:])


def _words(number: Decimal | int, scale: str = "") -> str:
    """ "a hundred thousand", not "one hundred thousand": a round amount as a person says it."""
    said = " ".join([num2words(number).replace(",", ""), scale]).strip()
    return re.sub(r"^one (?=(hundred|thousand|million|billion|trillion)( (thousand|million|billion))?$)", "a ", said)


def _money(match: re.Match) -> str:
    """ "£100k" -> "a hundred thousand pounds"; "£3.50" -> "three pounds fifty"; "£0.50" -> "fifty pence"."""
    one, many, cents = CURRENCIES[match["sign"]]
    whole, fraction = int(match["whole"].replace(",", "")), match["fraction"] or ""
    amount = Decimal(f"{whole}.{fraction}") if fraction and int(fraction) else whole
    if match["scale"]:
        scale = match["scale"].lower()
        return f"{_words(amount, SCALES.get(scale, scale))} {many}"
    if len(fraction) == 2 and int(fraction):
        pence = num2words(int(fraction))
        return f"{_words(whole)} {one if whole == 1 else many} {pence}" if whole else f"{pence} {cents}"
    return f"{_words(amount)} {one if amount == 1 else many}"


def _clock(match: re.Match) -> str:
    """ "5.30pm" -> "five thirty p m"; "6pm" -> "six p m"; "17:05" -> "seventeen oh five"."""
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    said = num2words(hour)
    if minute:
        said += f" oh {num2words(minute)}" if minute < 10 else f" {num2words(minute)}"
    elif "half" not in match.groupdict():
        said += " hundred" if hour > 12 else " o'clock"
    half = match.groupdict().get("half")
    return f"{said} {half.lower()} m" if half else said


def _date(match: re.Match) -> str:
    """ "26th Sept" -> "the twenty-sixth of September"; a year follows as a person says it."""
    day = int(match["day"])
    if not 1 <= day <= 31:
        return match[0]
    month = next(m for m in MONTHS if m.lower().startswith(match["month"][:3].lower()))
    said = f"the {num2words(day, to='ordinal')} of {month}"
    return f"{said} {num2words(int(match['year']), to='year')}" if match["year"] else said
