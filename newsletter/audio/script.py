"""Issue -> the sections read aloud, each a chapter: pure, from the composed issue (not its HTML).

What is read follows the email: masthead, the lead, each further piece (title, byline, text),
the "I'm hearing" items and the events, without links or link references. Every line ends as
a sentence, so the voice pauses where the page has a break. A section with nothing to say
after the text is made speakable (a piece that was only a link) is left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..config import Config
from ..models import Issue, Item
from .spoken import MONTHS, Speech, load_lexicon

CLOSERS = "\"'\u2019\u201d)]"  # a sentence may end inside quotes or brackets


@dataclass(frozen=True)
class Section:
    """One chapter: its title (in the MP3's table of contents) and the text the engine reads."""

    title: str
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


def script(issue: Issue, config: Config) -> tuple[Section, ...]:
    """The issue's sections in reading order; empty ones are left out."""
    say = Speech(load_lexicon(config.audio.lexicon))
    names, editor = config.sections, config.newsletter.editor
    lead_heading = names.lead + (f" from {editor}" if editor else "")
    sections = [Section(config.newsletter.title, _lines(say, [config.newsletter.title, _spoken_day(issue.date)]))]
    if issue.lead:
        lead = issue.lead
        headline = [lead.title] if lead.title and not _same(lead.title, lead_heading) else []
        byline = [f"By {lead.author}"] if lead.author and not _same(lead.author, editor) else []
        sections.append(_section(say, lead.title or lead_heading, [lead_heading], headline + byline, lead.paragraphs))
    for n, piece in enumerate(issue.pieces):
        sections.append(
            _section(
                say,
                piece.title or names.pieces,
                [names.pieces] if n == 0 else [],
                [piece.title, _byline(piece)],
                piece.paragraphs,
            )
        )
    hearing = [" ".join(i.paragraphs) if i.paragraphs else i.title for i in issue.hearing]
    sections.append(_section(say, names.hearing, [names.hearing], [], hearing))
    events = [line for item in issue.events for line in _event(item)]
    sections.append(_section(say, names.events, [names.events], [], events))
    return tuple(s for s in sections if s.text)


def _section(say: Speech, title: str, heading: list[str], intro: list[str], body) -> Section:
    """A section whose text is empty unless its body says something (a heading alone is not read)."""
    said = _lines(say, body)
    return Section(" ".join(title.split()), _lines(say, heading + intro) + "\n\n" + said if said else "")


def _lines(say: Speech, lines) -> str:
    """Each non-empty line made speakable and ended as a sentence, one paragraph each."""
    spoken = (say(line or "") for line in lines)
    return "\n\n".join(
        s if s.rstrip(CLOSERS).endswith((".", "!", "?", "…", ":", ";")) else s + "."
        for s in spoken
        if s.strip(" .,;:-–—")
    )


def _byline(item: Item) -> str:
    parts = [f"By {item.author}" if item.author else "", _spoken_day(item.published.date()) if item.published else ""]
    return ", ".join(p for p in parts if p)


def _event(item: Item) -> list[str]:
    event = item.event
    if event is None:
        return [item.title, *item.paragraphs]
    when = _spoken_day(event.day) + (f", {_spoken_time(event.time)}" if event.time else "")
    speaker = ", ".join(p for p in (event.speaker, event.speaker_role) if p)
    lines = [item.title, when, event.venue or "", speaker, *(event.description or item.paragraphs)]
    return lines + (["Sold out"] if event.sold_out else [])


def _spoken_day(day: dt.date) -> str:
    """ "Monday 26 September 2016": the speech rules turn it into "the twenty-sixth of September"."""
    return f"{day.strftime('%A')} {day.day} {MONTHS[day.month - 1]} {day.year}"


def _spoken_time(time: dt.time) -> str:
    return f"{time.hour % 12 or 12}.{time.minute:02d}{'am' if time.hour < 12 else 'pm'}"


def _same(a: str | None, b: str | None) -> bool:
    return " ".join(str(a).split()).casefold() == " ".join(str(b).split()).casefold()
