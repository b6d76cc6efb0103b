"""Dates, times and bylines as scraped pages write them ("30 Jan 2018 - 11:51 by Nigel Rose").

A line only counts as a byline or dateline when it is short and its date part looks
like a calendar date before dateutil sees it: dateutil's fuzzy guessing would turn
ordinary sentences into dates. Dates are UK style (day first).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from dateutil import parser as dateparser

MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
DAY = r"\d{1,2}(?:st|nd|rd|th)?"
TIME = r"(?:\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?|\d{1,2}\s*[ap]\.?m\.?)"
# A person's name as bylines write it: capitalised words, with the usual particles.
NAME = r"[A-Z][\w'’-]*\.?(?:\s+(?:(?:de|da|di|du|van|von|der|den|la|le|bin|al)\s+)*[A-Z][\w'’-]*\.?){0,3}"

_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_CALENDAR = rf"{_WEEKDAY}(?:{DAY}\s+{MONTH},?\s+\d{{4}}|{MONTH}\s+{DAY},?\s+\d{{4}}|\d{{1,2}}/\d{{1,2}}/\d{{4}})"
_DATE_TIME = re.compile(rf"(?P<date>{_CALENDAR})(?:\s*(?:,|-|–|at|@)?\s*(?P<time>{TIME}))?", re.I)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_LONG_DATE = re.compile(rf"{_WEEKDAY}{DAY}\s+{MONTH}\s+\d{{4}}", re.I)
_DAY_MONTH = re.compile(rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{MONTH})", re.I)
_TIME = re.compile(r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?:(?P<ap>[ap])\.?m\.?)?", re.I)
_MONTHS = {name: n for n, name in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}

_MAX_BYLINE = 80
_PUBLISHED = r"(?:(?i:posted|published|written|updated)\s+(?:(?i:on)\s+)?)?"
_BYLINES = tuple(
    re.compile(p)
    for p in (
        rf"{_PUBLISHED}(?P<date>.+?)\s+(?i:by)\s+(?P<name>{NAME})",  # 30 Jan 2018 - 11:51 by Nigel Rose
        # By Jane Doe / By Jane Doe, 3 March 2019 / Posted by Jane Doe on 3 March 2019
        rf"(?:(?i:posted|published|written)\s+)?(?i:by):?\s+(?P<name>{NAME})"
        rf"(?:\s*(?:[,|·•–-]|\s(?i:on))\s*(?P<date>.+))?",
        rf"(?P<name>[A-Z][\w'’-]+(?:\s+{NAME})),\s+(?P<date>.+)",  # Jane Doe, 3 March 2019
        rf"(?i:author):\s*(?P<name>{NAME})",
        r"(?i:date|published|posted):\s*(?P<date>.+)",
        rf"{_PUBLISHED}(?P<date>.+)",  # a bare dateline
    )
)


class Byline(NamedTuple):
    """Who wrote a piece and when, as far as one line says."""

    author: str | None
    published: dt.datetime | None


def parse_date(text: str, tz: dt.tzinfo) -> dt.datetime | None:
    """A calendar date (with optional time) in `tz`, or None when `text` is not clearly one."""
    text = text.strip().rstrip(".")
    match = _DATE_TIME.fullmatch(text)
    try:
        if _ISO.fullmatch(text):  # before dateutil, whose dayfirst would swap ISO month and day
            return _in_zone(dt.datetime.fromisoformat(text.replace("Z", "+00:00")), tz)
        if match:
            clean = match["date"] + (" " + match["time"].replace(".", ":") if match["time"] else "")
            return _in_zone(dateparser.parse(clean, dayfirst=True), tz)
    except (ValueError, OverflowError):  # well-formed but impossible, e.g. 31 February
        return None
    return None


def _in_zone(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """Naive times are local to `tz`; zoned ones are converted to it."""
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


def midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """A date-only publication time: the start of that day in `tz`."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz)


def parse_byline(line: str, tz: dt.tzinfo) -> Byline | None:
    """Author and/or date from a short byline or dateline; None for any other line."""
    if len(line) >= _MAX_BYLINE:
        return None
    for pattern in _BYLINES:
        match = pattern.fullmatch(line.strip())
        if not match:
            continue
        fields = match.groupdict()
        published = parse_date(fields["date"], tz) if fields.get("date") else None
        if fields.get("date") and published is None:
            continue
        name = fields.get("name")
        return Byline(name.rstrip(".") if name else None, published)
    return None


def long_date(line: str) -> dt.date | None:
    """A masthead date written out in full ("31st August 2016")."""
    if not _LONG_DATE.fullmatch(line.strip()):
        return None
    try:
        return dateparser.parse(line, dayfirst=True).date()
    except (ValueError, OverflowError):
        return None


def next_day(text: str, on_or_after: dt.date) -> dt.date | None:
    """The first date on or after `on_or_after` that a yearless "26th Sept" can mean."""
    match = _DAY_MONTH.fullmatch(text.strip())
    if not match:
        return None
    day, month = int(match["day"]), _MONTHS[match["month"][:3].lower()]
    for year in range(on_or_after.year, on_or_after.year + 9):  # 9 years holds a 29th of February
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate >= on_or_after:
            return candidate
    return None


def parse_time(text: str) -> dt.time | None:
    """A clock time as listings write it ("5.30pm", "17:30", "6pm")."""
    match = _TIME.fullmatch(text.strip())
    if not match or (match["m"] is None and match["ap"] is None):
        return None
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if match["ap"]:
        hour = hour % 12 + (12 if match["ap"].lower() == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)
