"""The editor's preview loop as verbs (web/preview.py serves them): the draft as `newsletter build`
would make it now (written nowhere), shaping it through its choices file, sending a test of it,
approving or holding it as shown.

Each verb is made of pipeline's own (a dry-run build; a build, then `send --test`), so the
preview can never show or send something other than what `build` and `send` would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Mapping

from .. import choices as choice_files
from ..choices import EVENT_KEYS, SECTIONS, Choices, ChoicesFile
from ..config import Config
from ..errors import NewsletterError
from ..models import Issue, IssueRecord, IssueStatus
from .build import BuildResult, build
from .freeze import fingerprint
from .review import approve, hold
from .send import send

if TYPE_CHECKING:
    from ..store import Store

FILES = ("issue.html", "issue.txt", "issue.eml")


@dataclass(frozen=True)
class Rebuild:
    """One rebuild: the dry run's result and the choices file it honoured, or the error that stopped it."""

    result: BuildResult | None = None
    shaping: ChoicesFile | None = None
    error: str | None = None

    @property
    def digest(self) -> str:
        """Changes exactly when a reader of the preview would see a change (not the .eml's Date)."""
        if self.error or self.result is None:
            return hashlib.sha256(f"error\n{self.error}".encode()).hexdigest()
        result = self.result
        facts = [
            result.contents.get("issue.html", b""),
            result.contents.get("issue.txt", b""),
            repr((result.issue, result.warnings, result.dropped, self.shaping)).encode(),
        ]
        return hashlib.sha256(b"\0".join(facts)).hexdigest()


def rebuild(config: Config, store: Store, *, now: dt.datetime, date: dt.date | None = None) -> Rebuild:
    """What `newsletter build --dry-run` makes now (nothing fetched, stored or written); an error
    (a template's file and line, a store or corpus fault) is returned, not raised, to be shown."""
    try:
        result = build(config, store, now=now, date=date, dry_run=True)
    except NewsletterError as e:
        return Rebuild(error=str(e))
    shaping = choice_files.load(config.drafts.dir, result.issue.number) if result.issue else None
    return Rebuild(result, shaping)


def send_test(config: Config, store: Store, address: str, *, now: dt.datetime, date: dt.date | None = None) -> str:
    """Build the draft as shown (as `newsletter build --no-fetch`), then send it to `address` as
    `newsletter send --test` does: marked [TEST] and not recorded. Returns the line to show."""
    built = build(config, store, now=now, date=date, no_fetch=True)
    if built.issue is None:
        raise NewsletterError("nothing to send: no unsent item fits this issue")
    sent = send(config, store, now=now, issue=built.issue.number, test_address=address)
    return f"Sent a test of issue {sent.issue} to {address}: {sent.test_reply}"


def issues(config: Config, store: Store) -> list[IssueRecord]:
    """The issues sent or being sent, newest first, for the preview's index."""
    return [record for record in store.issues.all() if record.status != IssueStatus.DRAFT]


def built(config: Config, number: int) -> dict[str, bytes]:
    """The files `build` wrote for issue `number` (what was sent, before personalising)."""
    folder = config.output.dir / f"issue-{number:04d}"
    try:
        return {name: (folder / name).read_bytes() for name in FILES}
    except OSError as e:
        raise NewsletterError(f"{folder}: not built on this machine ({e.strerror})") from None


def shape(config: Config, issue: Issue, action: str, form: Mapping[str, str]) -> None:
    """Record one of the editor's choices for `issue` (as shown now) in its choices file.

    `action` is lead, drop, restore, up, down, pin, unpin (with `item`), subject (with
    `subject`; empty goes back to the composed one), hearing (with `text`) or event (with
    the [[event]] keys). A pinned item is taken into the issue first, past caps and dates.
    Edits of one file wait for each other, so no saved choice is lost to another's write.
    """
    with choice_files.editing(config.drafts.dir, issue.number):
        _shape(config, issue, action, form)


def _shape(config: Config, issue: Issue, action: str, form: Mapping[str, str]) -> None:
    shaping = choice_files.load(config.drafts.dir, issue.number)
    choices, item = shaping.choices, form.get("item", "")
    if action in ("lead", "drop", "restore", "up", "down", "pin", "unpin") and not item:
        raise NewsletterError(f"{action}: which item? (no item id given)")
    if action == "lead":
        choices = replace(choices, lead=item, drop=_without(choices.drop, item))
    elif action == "drop":
        choices = _dropped(choices, shaping, item)
    elif action == "restore":
        choices = replace(choices, drop=_without(choices.drop, item))
    elif action in ("up", "down"):
        choices = _moved(choices, issue, item, -1 if action == "up" else 1)
    elif action == "pin":
        choices = replace(choices, pin=(*_without(choices.pin, item), item), drop=_without(choices.drop, item))
    elif action == "unpin":
        choices = replace(choices, pin=_without(choices.pin, item))
    elif action == "subject":
        choices = replace(choices, subject=" ".join(form.get("subject", "").split()) or None)
    elif action == "hearing":
        choices = _with_line(choices, form.get("text", ""))
    elif action == "event":
        choices = _with_event(choices, form)
    else:
        raise NewsletterError(f"unknown action {action!r}")
    choice_files.write(shaping.path, choices)


def _without(ids: tuple[str, ...], item: str) -> tuple[str, ...]:
    return tuple(i for i in ids if i != item)


def _dropped(choices: Choices, shaping: ChoicesFile, item: str) -> Choices:
    """Out of this issue: an item the editor added is deleted; any other is dropped (and stays in the pool)."""
    if item in {added.id for added in shaping.items}:  # the hearing lines' items come first, then the events'
        lines = tuple(t for t, added in zip(choices.hearing, shaping.items) if added.id != item)
        later = shaping.items[len(choices.hearing) :]
        return replace(choices, hearing=lines, events=tuple(e for e, a in zip(choices.events, later) if a.id != item))
    order = tuple((section, _without(ids, item)) for section, ids in choices.order)
    lead = None if choices.lead == item else choices.lead
    return replace(choices, drop=(*_without(choices.drop, item), item), lead=lead, order=order)


def _moved(choices: Choices, issue: Issue, item: str, step: int) -> Choices:
    """Swap `item` with its neighbour in its section, writing that section's whole order down."""
    for section in SECTIONS:
        ids = [i.id for i in getattr(issue, section)]
        if item in ids:
            at = ids.index(item)
            to = min(max(at + step, 0), len(ids) - 1)
            ids[at], ids[to] = ids[to], ids[at]
            order = dict(choices.order) | {section: tuple(ids)}
            return replace(choices, order=tuple((s, order[s]) for s in SECTIONS if s in order))
    raise NewsletterError(f"no item {item!r} among the pieces, hearing lines or events of issue {issue.number}")


def _with_line(choices: Choices, text: str) -> Choices:
    line = " ".join(text.split())
    if not line:
        raise NewsletterError("hearing: the line is empty")
    return replace(choices, hearing=(*choices.hearing, line))


def _with_event(choices: Choices, form: Mapping[str, str]) -> Choices:
    entry = {key: form[key].strip() for key in EVENT_KEYS if form.get(key, "").strip()}
    try:
        event = choice_files.event_from(entry)
    except ValueError as e:
        raise NewsletterError(f"event: {e}") from None
    return replace(choices, events=(*choices.events, event))


def commit(config: Config, store: Store, shown: str, *, now: dt.datetime, date: dt.date | None = None) -> BuildResult:
    """Build the draft (as `newsletter build --no-fetch`) and make sure it is what the editor's page
    showed (`shown`, its fingerprint): what is approved or sent is what was looked at."""
    built = build(config, store, now=now, date=date, no_fetch=True)
    if built.issue is None:
        raise NewsletterError("nothing to send: no unsent item fits this issue")
    if fingerprint(built.contents) != shown:
        raise NewsletterError("the draft has changed since this page showed it: look at it again, then decide")
    return built


def review(
    config: Config, store: Store, verb: str, shown: str, *, now: dt.datetime, date: dt.date | None = None
) -> str:
    """Approve or hold the draft as shown (`verb`: approve, hold); returns the line to show."""
    number = commit(config, store, shown, now=now, date=date).issue.number
    (approve if verb == "approve" else hold)(config, store, number)
    said = (
        "approved: the schedule sends it at its send time"
        if verb == "approve"
        else "held: the schedule will not send it"
    )
    return f"Issue {number} {said}"


def state(config: Config, store: Store, number: int) -> tuple[str, str | None]:
    """Issue `number`'s state as the editor sees it (draft, approved, held, sending, sent) and any note."""
    found = store.issues.get(number)
    return (found.state, found.note) if found else (IssueStatus.DRAFT.value, None)


def audience(config: Config, store: Store) -> int:
    """How many active subscribers a send would reach."""
    return store.subscribers.count()
