"""Frozen values passed between pipeline stages; no behaviour beyond small derived facts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

ARTICLE = "article"
HEARING = "hearing"
EVENT = "event"


@dataclass(frozen=True)
class Event:
    """A dated listing: what the "Events" box shows."""

    day: dt.date
    time: dt.time | None = None
    venue: str | None = None
    speaker: str | None = None
    speaker_role: str | None = None
    description: tuple[str, ...] = ()
    ticket_text: str | None = None
    ticket_url: str | None = None
    sold_out: bool = False


@dataclass(frozen=True)
class Item:
    """One piece of content from any source: an article, an "I'm hearing" line or an event.

    `id` is derived from content, so reading the same text again yields the same item.
    """

    id: str
    kind: str
    title: str
    source: str
    paragraphs: tuple[str, ...] = ()
    author: str | None = None
    published: dt.datetime | None = None
    link: str | None = None
    comments: tuple[str, ...] = ()
    event: Event | None = None
    # From feeds: the body as sanitised, email-safe HTML (`paragraphs` is its plain-text form),
    # and the feed's own short summary in plain text when it gave one besides the body.
    html: str | None = None
    summary: str | None = None

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


@dataclass(frozen=True)
class Document:
    """What the corpus reader makes of one file: its article and the items it carries."""

    path: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Issue:
    """A composed issue: which items go where, in order. Rendering decides how it looks."""

    number: int
    date: dt.date
    subject: str
    lead: Item | None = None
    pieces: tuple[Item, ...] = ()
    hearing: tuple[Item, ...] = ()
    events: tuple[Item, ...] = ()
    # Chosen for the issue but moved out of the email to fit the size budget: the email lists
    # their headlines ("More in the web edition"), the web copy holds them whole, and they
    # stay unspent for the next issue.
    overflow: tuple[Item, ...] = ()

    @property
    def items(self) -> tuple[Item, ...]:
        """The items in the email, in order (not the overflow)."""
        lead = (self.lead,) if self.lead else ()
        return lead + self.pieces + self.hearing + self.events

    def counts(self) -> dict[str, int]:
        return {
            "lead": int(self.lead is not None),
            "pieces": len(self.pieces),
            "hearing": len(self.hearing),
            "events": len(self.events),
        }


@dataclass(frozen=True)
class FeedState:
    """What the store remembers of one feed between runs, so each fetch is polite and each outcome is seen.

    `url` is the feed's key (its configured URL; a file: URL for a path); `moved_to` is
    where a permanent redirect sent it, fetched from then on.
    """

    url: str
    moved_to: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    retry_after: dt.datetime | None = None
    gone: dt.datetime | None = None
    last_attempt: dt.datetime | None = None
    last_success: dt.datetime | None = None
    last_error: str | None = None
    last_status: int | None = None
    failures: int = 0
    entries: int = 0


@dataclass(frozen=True)
class Rendered:
    """An issue as text a person reads: subject, inlined HTML and the plain-text part."""

    subject: str
    html: str
    text: str
    warnings: tuple[str, ...] = field(default=())
    # What was cut to excerpts or moved out to fit the size budget, one line per step, for the editor.
    cuts: tuple[str, ...] = field(default=())
    # The issue as it fits: its overflow holds what was moved out (its items whole, not excerpted).
    issue: Issue | None = None


ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One thing `newsletter check` found in a built issue: an error breaks it in some client,
    a warning may. `code` is a stable short name; `message` names the element, header or line."""

    level: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.message} [{self.code}]"


ACTIVE = "active"
UNSUBSCRIBED = "unsubscribed"
BOUNCED = "bounced"
UNCONFIRMED = "pending"  # signed up on the web, confirmation link not followed yet (store/consents.py)


@dataclass(frozen=True)
class Subscriber:
    """A person on the list. `email` is as validated; duplicates are found case-insensitively."""

    id: int
    email: str
    name: str = ""
    status: str = ACTIVE
    reason: str | None = None
    created: dt.datetime | None = None
    key: str | None = None  # random, in unsubscribe tokens; None for rows added before keys existed
    paused_until: dt.datetime | None = None  # the reader asked for no issues until then


# A send ledger row's states (store/ledger.py); a row can also end BOUNCED, which bounces its subscriber.
PENDING, SENDING, SENT, FAILED, SKIPPED = "pending", "sending", "sent", "failed", "skipped"
# An outcome, not a row state: a 4xx answer; the row is pending again with a retry time.
DEFERRED = "deferred"
# What a report in the bounce mailbox says (deliver/bounces.py reads it, store/bounces.py applies it).
HARD, SOFT, COMPLAINT, UNSUBSCRIBE = "hard", "soft", "complaint", "unsubscribe"


@dataclass(frozen=True)
class Addressee:
    """A recipient a sender holds in the ledger; `round` counts forced re-sends (it is in the Message-ID)."""

    subscriber: int
    email: str
    name: str
    round: int
    key: str | None = None  # the subscriber's token key (see Subscriber.key)
    deferred_since: dt.datetime | None = None  # the first 4xx answer to this message, if any


@dataclass(frozen=True)
class Outcome:
    """What became of one message: SENT, FAILED, BOUNCED, DEFERRED (or PENDING: never sent), the reply, tries."""

    subscriber: int
    status: str
    reply: str
    attempts: int
    retry_at: dt.datetime | None = None  # DEFERRED: when to try again


class IssueStatus(StrEnum):
    """Where an issue is in its life: `build` makes a draft, `send` freezes it (sending), the ledger closes it."""

    DRAFT = "draft"
    SENDING = "sending"
    SENT = "sent"


class Review(StrEnum):
    """The editor's say over a draft, for the scheduled job (None: not reviewed yet)."""

    APPROVED = "approved"
    HELD = "held"


@dataclass(frozen=True)
class IssueRecord:
    """An issue as stored, without its items: enough to list it, schedule it and review it."""

    number: int
    day: dt.date
    status: IssueStatus
    subject: str
    updated: dt.datetime
    sent: dt.datetime | None = None
    built: str | None = None  # the fingerprint of what `build` last made of it
    send_at: dt.datetime | None = None  # the send time the scheduled job composed it for
    review: Review | None = None
    note: str | None = None
    notified: dt.datetime | None = None

    @property
    def state(self) -> str:
        """What `newsletter status` and the preview show: a draft's review, else the status."""
        return self.review if self.status == IssueStatus.DRAFT and self.review else self.status
