"""`bounces fetch`: read the bounce mailbox, and take dead and unwilling addresses off the list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..config import Config, secret
from ..errors import NewsletterError

if TYPE_CHECKING:
    from ..store import Store

MAILBOX = "bounces"  # this mailbox's name in the store's record of messages read


@dataclass
class BounceResult:
    """What one read did: messages read, each change made (address, kind, status), messages ignored, warnings."""

    read: int = 0
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    ignored: int = 0
    unknown: int = 0  # reports about nobody on the list
    warnings: list[str] = field(default_factory=list)


class _Known:
    """The store's record of Message-IDs read, asked one message at a time."""

    def __init__(self, store):
        self.store = store

    def __contains__(self, message_id: object) -> bool:
        return bool(self.store.bounces.seen(MAILBOX, [str(message_id)]))


def fetch_bounces(config: Config, store: Store, *, now: dt.datetime) -> BounceResult:
    """Read new messages in [bounces] mailbox; apply each bounce, complaint and unsubscribe mail.

    A message is marked read in the mailbox only after its effect is committed.
    """
    from ..deliver.bounces import Reader
    from ..deliver.tokens import tokens_from
    from ..sources.mailbox import Source, open_mailbox
    from ..store.bounces import Evidence

    settings = config.bounces
    if not settings.mailbox:
        raise NewsletterError("[bounces] mailbox is not set: where do bounces arrive?")
    location = settings.mailbox if "://" in settings.mailbox else str(config.folder / settings.mailbox)
    source = Source(location, secret("bounces_password"), settings.max_message_kb * 1024)
    reader = Reader(
        tokens_from(secret("secret"), "bounce"),
        tokens_from(secret("secret")),
        config.smtp.bounce_address,
        config.email.unsubscribe_address,
    )
    result = BounceResult()
    with open_mailbox(source) as box:
        batch = box.read(_Known(store))
        result.warnings += batch.warnings
        for mail in batch.mails:
            result.read += 1
            try:
                report = reader.classify(mail.message)
            except Exception as e:  # hostile mail: one line, and the rest goes on
                result.warnings.append(f"{location}: message {mail.message_id}: cannot be read ({type(e).__name__})")
                report = None
            if report is None or not report.kind:
                store.bounces.mark_seen(MAILBOX, [mail.message_id], now)
                result.ignored += 1
                continue
            applied = store.bounces.apply(
                MAILBOX,
                Evidence(
                    report.kind,
                    mail.message_id,
                    report.subscriber,
                    report.addresses,
                    report.message_ids,
                    report.code,
                    report.detail,
                    report.keyed,
                    report.key,
                ),
                now,
                settings.soft_limit,
            )
            if applied is None:
                continue
            if applied.email:
                result.changes.append((applied.email, report.kind, applied.status))
            else:
                result.unknown += 1
        box.mark(batch)
    return result
