"""The editor's choices for one issue, kept in a plain file (`drafts/issue-NNNN.toml`) that
`newsletter build` and `newsletter preview` both honour, so they can be reviewed in git
and edited by hand.

A choice that no longer fits (a bad value, an item that has left the issue) is one
warning line naming the file and key, and the build goes on without it: a typo in a
hand-edited file must never stop the morning's issue.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import threading
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from .files import write_file
from .models import EVENT, HEARING, Event, Issue, Item

SECTIONS = ("pieces", "hearing", "events")
EVENT_KEYS = ("date", "title", "time", "venue", "tickets", "about")


@dataclass(frozen=True)
class AddedEvent:
    """An event the editor adds by hand; `tickets` is a link to book."""

    day: dt.date
    title: str
    time: dt.time | None = None
    venue: str | None = None
    tickets: str | None = None
    about: str | None = None


@dataclass(frozen=True)
class Choices:
    """What the editor decided for issue `number`; the empty value changes nothing.

    `order` maps a section ("pieces", "hearing", "events") to the ids shown first, in that
    order; the others follow as composed. `hearing` and `events` are the editor's additions.
    """

    number: int
    subject: str | None = None
    lead: str | None = None
    drop: tuple[str, ...] = ()
    order: tuple[tuple[str, tuple[str, ...]], ...] = ()
    hearing: tuple[str, ...] = ()
    events: tuple[AddedEvent, ...] = ()
    # Items taken into the issue before any other, past the caps and the date window.
    pin: tuple[str, ...] = ()

    def ordered(self, section: str) -> tuple[str, ...]:
        return dict(self.order).get(section, ())


@dataclass(frozen=True)
class ChoicesFile:
    """A choices file (drafts/issue-NNNN.toml) as read: the choices, the items it adds, and what was wrong with it."""

    path: Path
    choices: Choices
    items: tuple[Item, ...] = ()
    warnings: tuple[str, ...] = ()


def path_for(folder: Path, number: int) -> Path:
    return folder / f"issue-{number:04d}.toml"


def load(folder: Path, number: int) -> ChoicesFile:
    """Issue `number`'s drafts file in `folder`; a missing file is an empty set of choices."""
    path = path_for(folder, number)
    choices, warnings = read(path, number)
    return ChoicesFile(path, choices, added_items(choices, str(path)), warnings)


def read(path: Path, number: int) -> tuple[Choices, tuple[str, ...]]:
    """The choices in `path` and one warning per fault; a faulty key is left out, the rest kept."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Choices(number), ()
    except tomllib.TOMLDecodeError as e:
        return Choices(number), (f"{path}: TOML syntax error: {e}; the editor's choices are ignored",)
    except RecursionError:
        return Choices(number), (
            f"{path}: arrays or tables nested too deeply to read; the editor's choices are ignored",
        )
    except (OSError, UnicodeDecodeError) as e:
        return Choices(number), (f"{path}: cannot read: {e}; the editor's choices are ignored",)
    problems: list[str] = []
    values = {}
    for key, value in data.items():
        try:
            if key not in _PARSE:
                _fail(f"unknown key (known: {', '.join(_PARSE)})")
            values[key] = _PARSE[key](value, problems)
        except ValueError as e:
            problems.append(f"{key}: {e}")
    if "event" in values:
        values["events"] = values.pop("event")
    return Choices(number, **values), tuple(f"{path}: {p}; ignored" for p in problems)


def _fail(message: str):
    raise ValueError(message)


def _text(value, _problems=None) -> str:
    """One line of text: a subject or an id goes into headers and forms, so no line breaks."""
    if not isinstance(value, str) or not value.strip():
        _fail(f"must be a non-empty string, not {value!r}")
    return " ".join(value.split())


def _texts(value, _problems=None) -> tuple[str, ...]:
    if not isinstance(value, list):
        _fail(f"must be a list of strings, not {value!r}")
    return tuple(_text(v) for v in value)


def _order(value, problems: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        _fail("must be a table of sections: [order] pieces = [...]")
    found = []
    for section, ids in value.items():
        try:
            if section not in SECTIONS:
                _fail(f"unknown section (known: {', '.join(SECTIONS)})")
            found.append((section, _texts(ids)))
        except ValueError as e:
            problems.append(f"order.{section}: {e}")
    return tuple(found)


def _events(value, problems: list[str]) -> tuple[AddedEvent, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        _fail("must be an array of tables, written [[event]]")
    found = []
    for number, entry in enumerate(value, 1):
        try:
            found.append(event_from(entry))
        except ValueError as e:
            problems.append(f"event[{number}].{e}")
    return tuple(found)


def event_from(entry: dict) -> AddedEvent:
    """An [[event]] table (or the preview's form) as an AddedEvent; a ValueError names the key at fault."""
    for key in entry:
        if key not in EVENT_KEYS:
            _fail(f"{key}: unknown key (known: {', '.join(EVENT_KEYS)})")
    for key in ("date", "title"):
        if entry.get(key) in (None, ""):
            _fail(f"{key}: is required")
    optional = {key: _field(key, entry[key], _text) for key in ("venue", "about") if entry.get(key)}
    tickets = entry.get("tickets")
    if tickets and not (isinstance(tickets, str) and tickets.startswith(("https://", "http://"))):
        _fail(f"tickets: must be an http(s) link, not {tickets!r}")
    return AddedEvent(
        day=_field("date", entry["date"], _day),
        title=_field("title", entry["title"], _text),
        time=_field("time", entry["time"], _time) if entry.get("time") else None,
        tickets=tickets or None,
        **optional,
    )


def _field(key: str, value, parse):
    try:
        return parse(value)
    except ValueError as e:
        raise ValueError(f"{key}: {e}") from None


def _day(value) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    with contextlib.suppress(TypeError, ValueError):
        return dt.date.fromisoformat(value)
    _fail(f"must be a date such as 2016-09-26, not {value!r}")


def _time(value) -> dt.time:
    if isinstance(value, dt.time):
        return value
    with contextlib.suppress(TypeError, ValueError):
        return dt.time.fromisoformat(value)
    _fail(f"must be a time such as 17:30, not {value!r}")


_PARSE = {
    "subject": _text,
    "lead": _text,
    "drop": _texts,
    "hearing": _texts,
    "order": _order,
    "event": _events,
    "pin": _texts,
}


def added_items(choices: Choices, source: str) -> tuple[Item, ...]:
    """The editor's hearing lines and events as Items; ids come from the issue number and the
    content, so the same line is the same item on every build (and a fresh one in a later issue)."""
    lines = tuple(
        Item(id=_id(choices.number, HEARING, text), kind=HEARING, title=text, source=source, paragraphs=(text,))
        for text in choices.hearing
    )
    events = tuple(
        Item(
            id=_id(choices.number, EVENT, repr(e)),
            kind=EVENT,
            title=e.title,
            source=source,
            event=Event(e.day, e.time, e.venue, description=(e.about,) if e.about else (), ticket_url=e.tickets),
        )
        for e in choices.events
    )
    return lines + events


def _id(number: int, kind: str, content: str) -> str:
    return hashlib.sha256(f"{number}\n{kind}\n{content}".encode()).hexdigest()[:16]


def write(path: Path, choices: Choices) -> None:
    """Write the file whole (atomically: a watcher never reads half of it)."""
    write_file(path, dumps(choices).encode("utf-8"))


_EDITS: dict[Path, threading.Lock] = {}
_EDITS_LOCK = threading.Lock()


def editing(folder: Path, number: int) -> threading.Lock:
    """The lock to hold from reading issue `number`'s drafts file to writing it back: two edits
    at once would each write their own change over the file and lose the other's."""
    with _EDITS_LOCK:
        return _EDITS.setdefault(path_for(folder, number).resolve(), threading.Lock())


def dumps(choices: Choices) -> str:
    """The choices as TOML, keys in a fixed order with a comment each, so diffs stay small."""
    lines = [
        f"# The editor's choices for issue {choices.number}, applied after composing by",
        "# `newsletter build` and `newsletter preview`. Edit here or in the preview (which",
        "# rewrites this file without other comments); delete a line to undo a choice.",
        "# Item ids are shown in the preview.",
    ]
    if choices.subject:
        lines += ["", "# The subject line, instead of the composed one.", f"subject = {_toml(choices.subject)}"]
    if choices.lead:
        lines += ["", '# The piece that leads "News and Comment".', f"lead = {_toml(choices.lead)}"]
    if choices.drop:
        lines += [
            "",
            "# Left out of this issue; they stay in the pool for a later one.",
            f"drop = {_list(choices.drop)}",
        ]
    if choices.hearing:
        lines += ["", '# "I\'m hearing" lines added by the editor.', f"hearing = {_list(choices.hearing)}"]
    if choices.pin:
        lines += [
            "",
            "# Taken into this issue first, past the caps and the date window.",
            f"pin = {_list(choices.pin)}",
        ]
    if choices.order:
        lines += ["", "# These first, in this order; the rest follow as composed.", "[order]"]
        lines += [f"{section} = {_list(ids)}" for section, ids in choices.order]
    for event in choices.events:
        lines += ["", "# An event added by the editor.", "[[event]]", f"date = {event.day.isoformat()}"]
        lines += [f"title = {_toml(event.title)}"]
        lines += [f"time = {event.time.isoformat()}"] if event.time else []
        lines += [
            f"{key} = {_toml(getattr(event, key))}" for key in ("venue", "tickets", "about") if getattr(event, key)
        ]
    return "\n".join(lines) + "\n"


def _toml(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, but for DEL, which TOML wants escaped."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _list(values: tuple[str, ...]) -> str:
    if len(values) <= 1:
        return "[" + "".join(_toml(v) for v in values) + "]"
    return "[\n" + "".join(f"  {_toml(v)},\n" for v in values) + "]"


def apply(issue: Issue, choices: Choices) -> Issue:
    """`issue` as the editor shaped it: dropped items out, the chosen lead first, sections in the
    chosen order, the subject edited. Pure; a choice naming an item not in the issue is skipped."""
    dropped = set(choices.drop)
    lead = issue.lead if issue.lead and issue.lead.id not in dropped else None
    pieces, hearing, events = (
        tuple(i for i in section if i.id not in dropped) for section in (issue.pieces, issue.hearing, issue.events)
    )
    chosen = next((p for p in pieces if p.id == choices.lead), None)
    if chosen:
        pieces = ((lead,) if lead else ()) + tuple(p for p in pieces if p is not chosen)
        lead = chosen
    elif lead is None and pieces:  # the lead was dropped: the next piece takes its place
        lead, pieces = pieces[0], pieces[1:]
    shaped = replace(
        issue,
        lead=lead,
        pieces=_ordered(pieces, choices.ordered("pieces")),
        hearing=_ordered(hearing, choices.ordered("hearing")),
        events=_ordered(events, choices.ordered("events")),
    )
    return replace(shaped, subject=choices.subject or _subject_after(issue, lead))


def _ordered(items: tuple[Item, ...], first: tuple[str, ...]) -> tuple[Item, ...]:
    rank = {item_id: n for n, item_id in enumerate(first)}
    return tuple(sorted(items, key=lambda i: rank.get(i.id, len(rank))))  # stable: the rest keep their order


def _subject_after(issue: Issue, lead: Item | None) -> str:
    """A composed subject ends with its lead's title ("Title: lead"): it follows a new lead."""
    old = issue.lead
    if old is None or lead is old or not issue.subject.endswith(f": {old.title}"):
        return issue.subject
    title = issue.subject[: -len(f": {old.title}")]
    return f"{title}: {lead.title}" if lead else title


def unmatched(composed: Issue, draft: ChoicesFile) -> tuple[str, ...]:
    """One warning per id the file names that the composed issue does not hold (sent since, or
    its text changed), so a stale choice is seen instead of silently doing nothing."""
    choices = draft.choices
    present = {item.id for item in composed.items}
    articles = {item.id for item in composed.items if item in composed.pieces or item is composed.lead}
    named = [("lead", choices.lead)] if choices.lead else []
    named += [("drop", i) for i in choices.drop]
    named += [("pin", i) for i in choices.pin]
    named += [(f"order.{section}", i) for section, ids in choices.order for i in ids]
    found = [
        f"{draft.path}: {key}: no item {i!r} in issue {composed.number}; ignored"
        for key, i in named
        if i not in present
    ]
    if choices.lead in present and choices.lead not in articles:
        found.append(f"{draft.path}: lead: {choices.lead!r} is not an article, so it cannot lead; ignored")
    return tuple(found)
