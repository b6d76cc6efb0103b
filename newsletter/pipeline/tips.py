"""Readers' tips: take them (the form, the mailbox), list them, and decide each one.

Verbs take an open store and `now`; the shells open the store once. An accepted tip becomes
an "I'm hearing" line in the draft's choices file, exactly as if the editor had typed it in the
preview, so build, preview and git see it the same way; the tip's sender never goes with it.
Every verb first purges what [tips] keep_source_days and keep_days no longer allow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import choices
from ..config import Config, secret
from ..errors import NewsletterError
from ..sources.tips import Unusable, clean, contact, first_sentence, from_mail
from ..store.tips import Source, Tip

FORM, MAIL = "form", "mail"


class TipRefused(NewsletterError):
    """A tip from the form that is not taken (empty, too long), and why, for the reader."""


@dataclass
class TipFetchResult:
    """One read of the tip mailboxes: tips taken, mails skipped, attachments ignored, one warning per skip."""

    taken: int = 0
    skipped: int = 0
    attachments: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Accepted:
    tip: Tip
    line: str
    issue: int
    path: Path


def purge_tips(config: Config, store, *, now: dt.datetime) -> tuple[int, int]:
    """Delete senders older than keep_source_days and unused tips older than keep_days: (sources, tips)."""
    return store.tips.purge(now, config.tips.keep_source_days, config.tips.keep_days)


def submit_tip(config: Config, store, text: str, reply_to: str, client: str, *, now: dt.datetime) -> int:
    """Keep a tip sent through the form; `reply_to` (optional) and `client` are kept apart, as its source."""
    purge_tips(config, store, now=now)
    try:
        kept, address = clean(text, config.tips.max_chars), contact(reply_to)
    except Unusable as e:
        raise TipRefused(str(e)) from None
    return store.tips.add(FORM, kept, Source(address=address, client=client), now)


def fetch_tips(config: Config, store, *, now: dt.datetime) -> TipFetchResult:
    """Take new mail from [tips] imap_url and maildir: each usable message once, by Message-ID, however
    often this runs; a hostile or broken one is a warning naming it, and the rest goes on. What was
    read is moved (Maildir new/ -> cur/) or flagged \\Seen (IMAP) after it is stored."""
    from ..sources.mailbox import Source as Mailbox
    from ..sources.mailbox import open_mailbox

    settings = config.tips
    if not settings.imap_url and not settings.maildir:
        raise NewsletterError("[tips] imap_url and maildir are both empty: where do tips arrive?")
    purge_tips(config, store, now=now)
    result = TipFetchResult()
    limit = settings.max_message_kb * 1024
    boxes = [Mailbox(settings.imap_url, secret("tips_password"), limit)] if settings.imap_url else []
    boxes += [Mailbox(str(config.folder / settings.maildir), None, limit)] if settings.maildir else []
    for source in boxes:
        with open_mailbox(source) as box:
            batch = box.read(_Known(store))
            result.warnings += batch.warnings
            result.skipped += len(batch.warnings)
            for mail in batch.mails:
                _take(config, store, mail, now, result, source.location if not source.is_imap else box.where)
            box.mark(batch)
    return result


def _take(config: Config, store, mail, now: dt.datetime, result: TipFetchResult, where: str) -> None:
    try:
        cleaned = from_mail(mail.message, config.tips.max_chars)
    except Unusable as e:
        result.warnings.append(f"{where}: message {mail.key}: {e}; skipped")
        result.skipped += 1
        store.tips.set_aside(mail.message_id, now)
        return
    except Exception as e:  # the email package met something it could not handle: hostile, one line
        result.warnings.append(f"{where}: message {mail.key}: cannot be read ({type(e).__name__}); skipped")
        result.skipped += 1
        store.tips.set_aside(mail.message_id, now)
        return
    taken = store.tips.add(
        MAIL,
        cleaned.text,
        Source(cleaned.address, cleaned.name),
        now,
        attachments=cleaned.attachments,
        message_id=mail.message_id,
    )
    if taken is not None:
        result.taken += 1
        result.attachments += cleaned.attachments


class _Known:
    """The store's record of tip mails taken, asked one Message-ID at a time."""

    def __init__(self, store):
        self.store = store

    def __contains__(self, message_id: object) -> bool:
        return self.store.tips.seen(str(message_id))


def list_tips(config: Config, store, *, now: dt.datetime) -> list[Tip]:
    """The tips still to decide (new and checking), oldest first."""
    purge_tips(config, store, now=now)
    return store.tips.open()


def tips_to_decide(config: Config, store, *, now: dt.datetime) -> list[tuple]:
    """For the preview's Tips panel: (tip, when it came in local time, suggested line, source) for each
    tip still to decide. Only the editor's own page shows the source."""
    return [
        (
            tip,
            tip.received.astimezone(config.zone).strftime("%Y-%m-%d %H:%M %Z"),
            suggested_line(tip),
            store.tips.source(tip.id),
        )
        for tip in list_tips(config, store, now=now)
    ]


def decide_tip(config: Config, store, action: str, number: int, text: str, *, now: dt.datetime) -> str:
    """Carry out the editor's decision (accept, check, discard) on tip `number`; returns the line to show."""
    if action == "accept":
        done = accept_tip(config, store, number, text, now=now)
        return f"Tip {number} is an \u201cI'm hearing\u201d line of issue {done.issue} now"
    if action == "check":
        check_tip(config, store, number, now=now)
        return f"Tip {number} is marked as being checked"
    if action == "discard":
        discard_tip(config, store, number, now=now)
        return f"Tip {number} is discarded (deleted, with its sender)"
    raise NewsletterError(f"unknown action {action!r}")


def suggested_line(tip: Tip) -> str:
    """The line an accepted tip starts as: its first sentence."""
    return first_sentence(tip.text)


def accept_tip(config: Config, store, number: int, text: str | None = None, *, now: dt.datetime) -> Accepted:
    """Make tip `number` an "I'm hearing" line of the draft (its first sentence, or `text`), saved in
    the draft's choices file beside the editor's other additions."""
    purge_tips(config, store, now=now)
    tip = store.tips.get(number)
    try:
        line = " ".join(clean(text if text is not None else suggested_line(tip), config.tips.max_chars).split())
    except Unusable as e:
        raise NewsletterError(f"tip {number}: the line has {e}") from None
    draft = store.issues.draft()
    issue = draft.number if draft else store.issues.next_number()
    with choices.editing(config.drafts.dir, issue):
        shaping = choices.load(config.drafts.dir, issue)
        if line not in shaping.choices.hearing:
            choices.write(shaping.path, replace(shaping.choices, hearing=(*shaping.choices.hearing, line)))
    return Accepted(store.tips.accept(number, line, issue, now), line, issue, shaping.path)


def check_tip(config: Config, store, number: int, *, now: dt.datetime) -> Tip:
    """Mark tip `number` as being checked: it stays in the list, marked, until accepted or discarded."""
    purge_tips(config, store, now=now)
    return store.tips.checking(number, now)


def discard_tip(config: Config, store, number: int, *, now: dt.datetime) -> None:
    """Delete tip `number` and its sender now."""
    purge_tips(config, store, now=now)
    store.tips.discard(number)
