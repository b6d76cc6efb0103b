"""`send`: freeze an issue and deliver one personalised message per active subscriber."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config, secret
from ..errors import DeliverError
from ..models import Subscriber
from .freeze import ensure_as_built

if TYPE_CHECKING:
    from ..deliver.dispatch import Run
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


def send(config: Config, *, issue: int | None = None, force: bool = False, dry_run: bool = False,
         test_address: str | None = None, now: dt.datetime | None = None, progress=None, notice=None,
         sleep=None, resume: bool = False, jitter=None) -> SendResult:
    """Freeze the issue, write the ledger, send one message per active subscriber, and once
    everyone has been served, publish the issue to the web archive.

    Resumes an interrupted send; refuses a sent issue unless `force`. `resume` only resumes
    (the deferred recipients whose retry time has come, and any left by a crash), never
    starting a draft. A dry run sends nothing and returns a sample; a test sends one `[TEST]`
    message outside the ledger. `progress(status, done, total)` hears of each message; `now`
    (the clock runs on from it), `sleep` and `jitter` (of retry times) are injectable for tests.
    """
    import time

    from ..deliver.dispatch import Dispatcher, Job
    from ..deliver.smtp import RateLimit
    from ..store import Store

    now = now or _utc_now()
    sleep = sleep or time.sleep
    with Store(config.store_url) as store:
        number = issue or store.ledger.next_issue(resuming=resume)
        if number is None:
            raise DeliverError("no send is under way to resume" if resume else
                               "there is no issue to send: newsletter build makes one")
        if not (test_address or resume):
            ensure_as_built(config, store, number)  # what goes out is what the editor last built and saw
        letters, rendered = _letters(config, store, number, now, test=bool(test_address))
        result = SendResult(number, rendered.subject, warnings=rendered.warnings + _one_click_warning(config))
        if not (test_address or force) and _status(store, number) == "draft":
            _refuse_errors(config, rendered, number, now)
        if test_address:
            return _send_test(config, letters, result, test_address, sleep)
        if dry_run:
            return _dry_run(config, store, letters, result, force)
        store.ledger.freeze(number, now, force=force)
        total = sum(store.ledger.summary(number).counts[s] for s in ("pending", "sending"))
        ticks = itertools.count(1)
        job = Job(number, _owner(), _envelope_sender(config), _smtp_settings(config), config.smtp.connections,
                  config.smtp.retries, config.smtp.claim_seconds, retry_for=dt.timedelta(hours=config.smtp.retry_for_hours))
        run = Dispatcher(
            job, store.ledger, letters, limiter=RateLimit(config.smtp.rate_limit, sleep=sleep), sleep=sleep,
            progress=progress and (lambda status: progress(status, next(ticks), total)), notice=notice,
            now=_clock_from(now), **({"jitter": jitter} if jitter else {}),
        ).run()
        if run.exception:
            raise run.exception
        complete = store.ledger.complete(number, _utc_now())
        result = replace(result, summary=store.ledger.summary(number), run=run, complete=complete, recipients=total)
    if not complete:
        return result
    from .publish import publish

    return replace(result, archive=publish(config))


def _status(store, number: int) -> str | None:
    return next((r.status for r in store.issues() if r.number == number), None)


def _refuse_errors(config: Config, rendered, number: int, now: dt.datetime) -> None:
    """An issue `check` finds errors in (clipped by Gmail, a broken link...) is not sent; the
    error names each. Checked before the first message only: a resumed send goes on."""
    from ..deliver.message import build_message, message_bytes, new_message_id
    from ..models import ERROR
    from .lint import _lint

    message = build_message(rendered, sender=config.email.from_address, to=config.email.to_placeholder, date=now,
                            message_id=new_message_id(config.email.message_id_domain, f"issue-{number:04d}.check"))
    errors = [f for f in _lint(message_bytes(message), config) if f.level == ERROR]
    if errors:
        listed = "; ".join(f.message for f in errors)
        raise DeliverError(f"issue {number} has {len(errors)} check error(s), so it is not sent: {listed} "
                           "(fix them and build again, or --force sends it anyway)")
def _clock_from(start: dt.datetime):
    """A clock that starts at `start` and runs on in real time (a test's `now` moves forward too)."""
    import time

    began = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - began)


def _send_test(config: Config, letters, result: SendResult, address: str, sleep) -> SendResult:
    """`--test`: one message to one address, outside the ledger, with its own Message-ID."""
    from ..deliver.addresses import checked
    from ..deliver.smtp import Connection, deliver
    from ..models import Addressee

    row = checked(address)
    data, _ = letters.make(Addressee(0, row.email, "", round=int(_utc_now().timestamp())))
    connection = Connection(_smtp_settings(config))
    try:
        reply, _ = deliver(connection, _envelope_sender(config), row.email, data, retries=config.smtp.retries, sleep=sleep)
    finally:
        connection.close()
    if reply.status != "sent":
        raise DeliverError(f"{row.email}: the server answered {reply}")
    return replace(result, recipients=1, test_reply=str(reply))


def _dry_run(config: Config, store, letters, result: SendResult, force: bool) -> SendResult:
    """`--dry-run`: what a send would refuse, how many it would reach, the first few, and the first
    one's whole message written to OUTPUT/issue-NNNN.dry-run.eml (too long for a terminal)."""
    import contextlib

    from ..models import Addressee
    from ..outbox import write_file

    status = next(r.status for r in store.issues() if r.number == result.issue)
    if status == "sent" and not force:
        raise DeliverError(f"issue {result.issue} was sent already; --force sends it again")
    with contextlib.closing(store.subscribers.all("active")) as people:  # ends the query after a few rows
        first = list(itertools.islice(people, DRY_RUN_SHOWN))
    who = first[0] if first else Subscriber(0, "subscriber@example.invalid")
    # A placeholder, not the first subscriber's working token: a dry run's output gets pasted around.
    sample, _ = letters.make(Addressee(who.id, who.email, who.name, round=1), token=DRY_RUN_TOKEN)
    path = write_file(config.output.dir / f"issue-{result.issue:04d}.dry-run.eml", sample)
    active = store.subscribers.count()
    inactive = sum(store.subscribers.count(s) for s in ("unsubscribed", "bounced"))
    return replace(result, recipients=active, sample=sample, first=tuple(p.email for p in first), sample_path=path,
                   inactive=inactive)


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
        rendered, sender=config.email.from_address, date=now, list_name=config.newsletter.title,
        list_id=config.email.list_id, body_fields={UNSUBSCRIBE_TOKEN: "unsubscribe_url", MANAGE_TOKEN: "manage_url"},
    )
    digest = hashlib.sha256((rendered.html + rendered.text).encode()).hexdigest()[:12]
    letters = Letters(template, tokens, number, digest, config.email.message_id_domain, config.web.base_url,
                      config.email.unsubscribe_address, _dkim(config), config.smtp.bounce_address,
                      tokens_from(secret("secret"), "bounce"), tokens_from(secret("secret"), "manage"),
                      now + dt.timedelta(days=config.subscribe.manage_days))
    return letters, rendered


def _one_click_warning(config: Config) -> tuple[str, ...]:
    """An http unsubscribe URL breaks RFC 8058 one-click: refused for real mail, a warning on loopback."""
    from ..deliver.smtp import _is_loopback

    if not config.web.base_url.startswith("http:"):
        return ()
    line = (f"[web] base_url {config.web.base_url} is http: RFC 8058 one-click unsubscribe needs an https URL "
            "(Gmail and Yahoo treat List-Unsubscribe-Post beside an http URI as broken)")
    if not _is_loopback(config.smtp.host):
        raise DeliverError(f"{line}; set an https base_url to send through {config.smtp.host}")
    return (f"{line}; fine for a test server on {config.smtp.host}, not for real mail",)


def _dkim(config: Config):
    """The DKIM signing function when a key is configured, else None."""
    if not config.smtp.dkim_key_file:
        return None
    from ..deliver.dkim import Signer

    s = config.smtp
    domain = s.dkim_domain or config.email.message_id_domain
    second = config.folder / s.dkim_ed25519_key_file if s.dkim_ed25519_key_file else None
    return Signer(config.folder / s.dkim_key_file, s.dkim_selector, domain, second_key=second,
                  second_selector=s.dkim_ed25519_selector).sign


def _smtp_settings(config: Config):
    from ..deliver.smtp import SmtpSettings

    s = config.smtp
    return SmtpSettings(s.host, s.port, s.security, s.username, secret("smtp_password"), s.timeout,
                        helo=config.email.message_id_domain)


def _envelope_sender(config: Config) -> str:
    from email.utils import parseaddr

    return parseaddr(config.email.from_address)[1]


def _owner() -> str:
    """This sender's name in the ledger: which host and process, plus a random part for uniqueness."""
    import os
    import secrets as random
    import socket

    return f"{socket.gethostname()}:{os.getpid()}:{random.token_hex(3)}"
