"""`send`: freeze an issue and deliver one personalised message per active subscriber."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config, secret
from ..errors import DeliverError
from ..models import IssueStatus, Subscriber
from .freeze import ensure_as_built
from .outgoing import dkim_signer, envelope_sender, send_one, sender_name, smtp_settings

if TYPE_CHECKING:
    from ..deliver.dispatch import Run
    from ..store import Store
    from ..store.ledger import Summary
    from .publish import PublishResult


DRY_RUN_TOKEN = "TOKEN-NOT-SHOWN-IN-A-DRY-RUN"
DRY_RUN_SHOWN = 5  # recipients a dry run names


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class SendResult:
    """What `send` did. `summary` is the whole issue's ledger; `run` this process's share of it."""

    issue: int
    subject: str
    summary: Summary | None = None
    run: Run | None = None
    complete: bool = False
    recipients: int = 0
    sample: bytes | None = None
    test_reply: str | None = None
    warnings: tuple[str, ...] = ()
    archive: PublishResult | None = None  # the web archive, republished once the issue is sent
    # A dry run's: the first recipients, and the file holding the whole sample message.
    first: tuple[str, ...] = ()
    sample_path: Path | None = None
    inactive: int = 0
    paused: int = 0  # active readers pausing their subscription: skipped, as a real send would


def send(
    config: Config,
    store: Store,
    *,
    now: dt.datetime,
    issue: int | None = None,
    force: bool = False,
    dry_run: bool = False,
    test_address: str | None = None,
    progress=None,
    notice=None,
    sleep=None,
    resume: bool = False,
    jitter=None,
) -> SendResult:
    """Freeze the issue, write the ledger, send one message per active subscriber, and once
    everyone has been served, publish the issue to the web archive.

    Resumes an interrupted send; refuses a sent issue unless `force`. `resume` only resumes
    (the deferred recipients whose retry time has come, and any left by a crash), never
    starting a draft. A dry run sends nothing and returns a sample; a test sends one `[TEST]`
    message outside the ledger. `progress(status, done, total)` hears of each message; `now`
    (the clock runs on from it), `sleep` and `jitter` (of retry times) are injectable for tests.
    """
    from ..deliver.dispatch import Dispatcher, Job
    from ..deliver.smtp import RateLimit
    from .publish import publish

    sleep = sleep or time.sleep
    current = store.issues.current(sending_only=resume)
    number = issue or (current and current.number)
    if number is None:
        raise DeliverError(
            "no send is under way to resume" if resume else "there is no issue to send: newsletter build makes one"
        )
    if not (test_address or resume):
        ensure_as_built(config, store, number, now)  # what goes out is what the editor last built and saw
    letters, rendered = _letters(config, store, number, now, test=bool(test_address))
    result = SendResult(number, rendered.subject, warnings=rendered.warnings + _one_click_warning(config))
    if not (test_address or force) and _status(store, number) == IssueStatus.DRAFT:
        _refuse_errors(config, rendered, number, now)
    if test_address:
        return _send_test(config, letters, result, test_address, sleep)
    if dry_run:
        return _dry_run(config, store, letters, result, force, now)
    store.ledger.freeze(number, now, force=force)
    total = sum(store.ledger.summary(number).counts[s] for s in ("pending", "sending"))
    ticks = itertools.count(1)
    job = Job(
        number,
        sender_name(),
        envelope_sender(config),
        smtp_settings(config),
        config.smtp.connections,
        config.smtp.retries,
        config.smtp.claim_seconds,
        retry_for=dt.timedelta(hours=config.smtp.retry_for_hours),
    )
    clock = _clock_from(now)
    run = Dispatcher(
        job,
        store.ledger,
        letters,
        limiter=RateLimit(config.smtp.rate_limit, sleep=sleep),
        sleep=sleep,
        progress=progress and (lambda status: progress(status, next(ticks), total)),
        notice=notice,
        now=clock,
        **({"jitter": jitter} if jitter else {}),
    ).run()
    if run.exception:
        raise run.exception
    complete = store.ledger.complete(number, clock())
    result = replace(result, summary=store.ledger.summary(number), run=run, complete=complete, recipients=total)
    return replace(result, archive=publish(config, store)) if complete else result


def _status(store, number: int) -> str | None:
    found = store.issues.get(number)
    return found and found.status


def _refuse_errors(config: Config, rendered, number: int, now: dt.datetime) -> None:
    """An issue `check` finds errors in (clipped by Gmail, a broken link...) is not sent; the
    error names each. Checked before the first message only: a resumed send goes on."""
    from ..deliver.message import build_message, message_bytes, new_message_id
    from ..models import ERROR
    from .check import lint_message

    message = build_message(
        rendered,
        sender=config.email.from_address,
        to=config.email.to_placeholder,
        date=now,
        message_id=new_message_id(config.email.message_id_domain, f"issue-{number:04d}.check"),
    )
    errors = [f for f in lint_message(message_bytes(message), config) if f.level == ERROR]
    if errors:
        listed = "; ".join(f.message for f in errors)
        raise DeliverError(
            f"issue {number} has {len(errors)} check error(s), so it is not sent: {listed} "
            "(fix them and build again, or --force sends it anyway)"
        )


def _clock_from(start: dt.datetime):
    """A clock that starts at `start` and runs on in real time (a test's `now` moves forward too)."""
    began = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - began)


def _send_test(config: Config, letters, result: SendResult, address: str, sleep) -> SendResult:
    """`--test`: one message to one address, outside the ledger, with its own Message-ID."""
    from ..deliver.addresses import checked
    from ..models import Addressee

    row = checked(address)
    data, _ = letters.make(Addressee(0, row.email, "", round=int(_utc_now().timestamp())))
    reply = send_one(config, row.email, data, sleep=sleep)
    if reply.status != "sent":
        raise DeliverError(f"{row.email}: the server answered {reply}")
    return replace(result, recipients=1, test_reply=str(reply))


def _dry_run(config: Config, store, letters, result: SendResult, force: bool, now: dt.datetime) -> SendResult:
    """`--dry-run`: what a send would refuse, how many it would reach, the first few, and the first
    one's whole message written to OUTPUT/issue-NNNN.dry-run.eml (too long for a terminal)."""
    from ..files import write_file
    from ..models import Addressee

    if store.issues.get(result.issue).status == IssueStatus.SENT and not force:
        raise DeliverError(f"issue {result.issue} was sent already; --force sends it again")
    with contextlib.closing(store.subscribers.all("active")) as people:  # ends the query after a few rows
        reached = (p for p in people if not (p.paused_until and p.paused_until > now))
        first = list(itertools.islice(reached, DRY_RUN_SHOWN))
    who = first[0] if first else Subscriber(0, "subscriber@example.invalid")
    # A placeholder, not the first subscriber's working token: a dry run's output gets pasted around.
    sample, _ = letters.make(Addressee(who.id, who.email, who.name, round=1), token=DRY_RUN_TOKEN)
    path = write_file(config.output.dir / f"issue-{result.issue:04d}.dry-run.eml", sample)
    paused = store.subscribers.paused(now)
    inactive = sum(store.subscribers.count(s) for s in ("unsubscribed", "bounced"))
    return replace(
        result,
        recipients=store.subscribers.count() - paused,
        paused=paused,
        sample=sample,
        first=tuple(p.email for p in first),
        sample_path=path,
        inactive=inactive,
    )


def _letters(config: Config, store, number: int, now: dt.datetime, *, test: bool):
    """Render issue `number` once and make the per-recipient message maker for it."""
    from ..deliver.dispatch import Letters
    from ..deliver.personalize import issue_template
    from ..deliver.tokens import tokens_from
    from ..render import MANAGE_TOKEN, UNSUBSCRIBE_TOKEN, render_issue

    if not config.web.base_url:
        raise DeliverError("[web] base_url is not set: unsubscribe links need the public address of newsletter serve")
    tokens = tokens_from(secret("secret"))
    issue = store.issue(number)
    if issue is None:
        raise DeliverError(f"there is no issue {number}")
    from .audio import audio_url

    rendered = render_issue(issue, config, audio_url=audio_url(config, number))
    if test:
        rendered = replace(rendered, subject=f"[TEST] {rendered.subject}")
    template = issue_template(
        rendered,
        sender=config.email.from_address,
        date=now,
        list_name=config.newsletter.title,
        list_id=config.email.list_id,
        body_fields={UNSUBSCRIBE_TOKEN: "unsubscribe_url", MANAGE_TOKEN: "manage_url"},
    )
    digest = hashlib.sha256((rendered.html + rendered.text).encode()).hexdigest()[:12]
    letters = Letters(
        template,
        tokens,
        number,
        digest,
        config.email.message_id_domain,
        config.web.base_url,
        config.email.unsubscribe_address,
        dkim_signer(config),
        config.smtp.bounce_address,
        tokens_from(secret("secret"), "bounce"),
        tokens_from(secret("secret"), "manage"),
        now + dt.timedelta(days=config.subscribe.manage_days),
    )
    return letters, rendered


def _one_click_warning(config: Config) -> tuple[str, ...]:
    """An http unsubscribe URL breaks RFC 8058 one-click: refused for real mail, a warning on loopback."""
    from ..deliver.smtp import is_loopback

    if not config.web.base_url.startswith("http:"):
        return ()
    line = (
        f"[web] base_url {config.web.base_url} is http: RFC 8058 one-click unsubscribe needs an https URL "
        "(Gmail and Yahoo treat List-Unsubscribe-Post beside an http URI as broken)"
    )
    if not is_loopback(config.smtp.host):
        raise DeliverError(f"{line}; set an https base_url to send through {config.smtp.host}")
    return (f"{line}; fine for a test server on {config.smtp.host}, not for real mail",)
