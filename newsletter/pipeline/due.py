"""`run_due`: what the scheduled job does at a moment: compose, send, hold, or nothing, and why.

Level-triggered: each call reads the calendar and the store and does what is due at `now`,
so a missed, repeated or late call (a restart, a misfire, a second daemon) never sends twice:
an issue is composed for one send time, the send ledger refuses a sent issue, and a lease
lets only one runner act at a time.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..config import Config
from ..errors import NewsletterError
from ..models import IssueStatus, Review
from .audio import audio
from .bounces import fetch_bounces
from .build import build
from .calendar import calendar
from .freeze import ChangedSinceBuild
from .notify import notify_editor
from .send import send, sender_name

if TYPE_CHECKING:
    from ..store import Store

LEASE, LEASE_SECONDS = "schedule", 600.0
log = logging.getLogger("newsletter.schedule")


@dataclass(frozen=True)
class RunReport:
    """One run: what it did (`action`), why (`message`), and its counts, for the log line."""

    now: dt.datetime
    action: str  # busy, idle, no-issue, composed, held, late, sent
    message: str
    issue: int | None = None
    fetched: int = 0
    new_items: int = 0
    sent: int = 0
    failed: int = 0

    def line(self) -> str:
        issue = self.issue if self.issue is not None else "-"
        return (
            f"{self.now.isoformat(timespec='seconds')} fetched={self.fetched} new={self.new_items} "
            f"issue={issue} sent={self.sent} failed={self.failed} {self.action}: {self.message}"
        )


def run_due(config: Config, store: Store, *, now: dt.datetime, holder: str | None = None) -> RunReport:
    """Do what is due at `now` under the one-sender lease; log one line."""
    holder = holder or sender_name()
    if store.leases.acquire(LEASE, holder, now, LEASE_SECONDS):
        try:
            report = _due(config, store, now, _Renewal(store, holder, now))
        finally:
            store.leases.release(LEASE, holder)
    else:
        report = RunReport(now, "busy", f"another run holds the lease ({store.leases.holder(LEASE, now)})")
    log.info(report.line())
    return report


def _due(config: Config, store, now: dt.datetime, renewal) -> RunReport:

    current = store.issues.current()
    if current and current.status == IssueStatus.SENDING:  # part of the list has it already: finish, late or not
        what = f"resumed the interrupted send of issue {current.number}"
        return _send(config, store, current.number, now, renewal, what)
    slot = calendar(config).slot(now)
    if slot is None:
        return RunReport(now, "idle", "no compose time has come yet")
    composed = None
    issue = store.issues.for_slot(slot)
    if issue is None:
        composed = _compose(config, store, slot, now)
        issue = store.issues.for_slot(slot)
        if issue is None or issue.review == Review.HELD:
            return composed
    report = composed or RunReport(now, "idle", "", issue.number)
    late = now - slot > dt.timedelta(minutes=config.schedule.max_lateness)
    if issue.status == IssueStatus.SENT:
        return replace(report, message=f"issue {issue.number} for {_local(slot, config)} was sent already")
    if now < slot:
        return replace(report, message=report.message or f"issue {issue.number} waits for {_local(slot, config)}")
    if issue.review == Review.HELD:
        return replace(report, action="held", message=f"issue {issue.number} is held: {issue.note or 'by the editor'}")
    if config.schedule.mode == "approve" and issue.review != Review.APPROVED:
        return _hold(config, store, replace(report, action="held"), issue, "not approved by its send time")
    if late:
        return _hold(
            config,
            store,
            replace(report, action="late"),
            issue,
            f"late: its send time {_local(slot, config)} passed more than {config.schedule.max_lateness} minutes ago",
        )
    sent = _send(config, store, issue.number, now, renewal, f"sent issue {issue.number}")
    return replace(sent, fetched=report.fetched, new_items=report.new_items)


def _compose(config: Config, store, slot: dt.datetime, now: dt.datetime) -> RunReport:
    """Build the draft for `slot` and tell the editor; too few items hold it (the editor may approve it)."""
    _fetch_tips(config, store, now)
    result = build(config, store, now=now, date=slot.astimezone(calendar(config).zone).date())
    fetched = result.fetched.count("updated") if result.fetched else 0
    report = RunReport(now, "composed", "", None, fetched, result.new_items)
    if result.issue is None:
        return replace(report, action="no-issue", message="no issue: nothing new to send; nothing sent")
    number, count, least = result.issue.number, len(result.issue.items), config.schedule.min_new_items
    store.issues.plan(number, slot)
    if count < least:
        note = f"only {count} new item(s), fewer than min_new_items ({least}); nothing sent"
        store.issues.review(number, Review.HELD, note)
        return replace(report, action="no-issue", issue=number, message=f"no issue: {note}")
    message = f"composed issue {number} for {_local(slot, config)}"
    warning = notify_editor(config, "ready", number, result.issue.subject, slot, result.findings, now=now)
    store.issues.notified(number, now)
    return replace(report, issue=number, message=message + (f"; {warning}" if warning else ""))


def _fetch_tips(config: Config, store, now: dt.datetime) -> None:
    """Take readers' tips before composing, so the editor sees them beside the new draft; a mailbox
    that cannot be read is a log line (naming no tipster) and the compose goes on."""
    if not (config.tips.imap_url or config.tips.maildir):
        return
    from .tips import fetch_tips

    try:
        taken = fetch_tips(config, store, now=now)
    except NewsletterError as e:
        log.warning("tips not read: %s", e)
        return
    for warning in taken.warnings:
        log.warning("tips: %s", warning)
    log.info("tips: took %d, skipped %d", taken.taken, taken.skipped)


def _hold(config: Config, store, report: RunReport, issue, note: str) -> RunReport:
    """Hold the issue instead of sending it, and tell the editor once."""

    store.issues.review(issue.number, Review.HELD, note)
    warning = notify_editor(config, "held", issue.number, issue.subject, issue.send_at, (), now=report.now, note=note)
    message = f"issue {issue.number} held: {note}" + (f"; {warning}" if warning else "")
    return replace(report, issue=issue.number, message=message)


def _send(config: Config, store, number: int, now: dt.datetime, renewal, what: str) -> RunReport:
    """Read the bounce mailbox, then send through the ledger (it refuses a sent issue; a completed
    send publishes the archive). A mailbox that cannot be read is a log line: the send goes on."""
    what += _audio(config, store, number) if config.audio.enabled else ""
    if config.bounces.mailbox:
        try:
            read = fetch_bounces(config, store, now=now)
            log.info("bounces: read %d, %d about subscribers", read.read, len(read.changes))
        except NewsletterError as e:
            log.warning("bounces not read: %s", e)
    try:
        result = send(config, store, issue=number, now=now, progress=renewal)
    except ChangedSinceBuild as e:  # approved or not, the editor has not seen what would go out
        return _hold(config, store, RunReport(now, "held", ""), store.issues.get(number), str(e))
    except NewsletterError as e:
        return RunReport(now, "failed", f"issue {number}: {e}", number)
    counts = result.summary.counts
    report = RunReport(
        now,
        "sent" if result.complete else "sending",
        what,
        number,
        sent=counts["sent"],
        failed=counts["failed"] + counts["bounced"],
    )
    if not result.complete:
        return replace(report, message=f"{what}; {counts['pending'] + counts['sending']} not done: resumes next run")
    archive = result.archive
    return replace(report, message=f"{what}; archive: {len(archive.files)} file(s) in {archive.folder}")


def _audio(config: Config, store: Store, number: int) -> str:
    """Read the issue aloud before its send, so the email can link the MP3; a failure only loses the link."""
    try:
        result = audio(config, store, number)
    except NewsletterError as e:
        return f" (no audio: {e})"
    left_out = f", {len(result.warnings)} section(s) left out" if result.warnings else ""
    return f" (audio {'made' if result.made else 'kept'}: {result.path.name}{left_out})"


class _Renewal:
    """A send's progress callback that keeps the lease alive while messages go out."""

    def __init__(self, store, holder: str, now: dt.datetime):
        self.store, self.holder, self.start, self.now = store, holder, time.monotonic(), now
        self.last = self.start

    def __call__(self, _status, _done, _total) -> None:
        if time.monotonic() - self.last > LEASE_SECONDS / 4:
            self.last = time.monotonic()
            at = self.now + dt.timedelta(seconds=self.last - self.start)
            self.store.leases.acquire(LEASE, self.holder, at, LEASE_SECONDS)


def _local(moment: dt.datetime, config: Config) -> str:
    return moment.astimezone(calendar(config).zone).strftime("%a %d %b %Y %H:%M %Z")
