"""The send loop: N threads, each with one reused SMTP connection, working through the ledger.

Each thread claims a batch of recipients, and for each one: waits its turn under the rate
limit, builds the message, then in ONE transaction records the previous message's outcome
and marks this one `sending`, and sends the message only once that is committed. So the
ledger always knows what was in flight, and an outcome is written as soon as the next
message is ready to go. One committer thread writes for all senders (several steps share
a commit), and the commit overlaps the MAIL, RCPT and DATA commands. The ledger is passed
in (see store/ledger.py for the methods used), so this stage needs no SQL.
"""

from __future__ import annotations

import datetime as dt
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from ..models import DEFERRED, FAILED, PENDING, SKIPPED, Addressee, Outcome
from .personalize import Recipient, Template
from .smtp import Connection, RateLimit, SmtpSettings, Unavailable, deliver, tls_context
from .tokens import Tokens, manage_url, unsubscribe_url


@dataclass(frozen=True)
class Letters:
    """Turns a recipient into the bytes to send and the Message-ID they carry."""

    template: Template
    tokens: Tokens
    issue: int
    digest: str  # of the issue's content: a rebuilt issue gets new Message-IDs
    domain: str
    base_url: str
    mailto: str = ""  # the List-Unsubscribe mailto address, or ""
    sign: Callable[[bytes, list[bytes]], bytes] | None = None  # (message, its body in pieces) -> signed
    bounce_address: str = ""  # VERP: "bounces+{token}@example.org", or "" for the From address
    bounce_tokens: Tokens | None = None
    manage_tokens: Tokens | None = None  # the footer's manage link, good until manage_until
    manage_until: dt.datetime | None = None

    def return_path(self, subscriber: int, default: str) -> str:
        """The envelope sender: with VERP, one per recipient, carrying their signed bounce token."""
        if not self.bounce_address:
            return default
        return self.bounce_address.replace(
            "{token}", self.bounce_tokens.make(subscriber, None)
        )  # bounce tokens carry no key

    def message_id(self, subscriber: int, round_: int) -> str:
        """The same for every attempt at one recipient in one round, so a retried copy can be recognised;
        opaque, so it tells no reader the subscriber's place on the list (nor its length)."""
        return f"<{self.tokens.opaque(f'{self.issue}.{round_}.{subscriber}.{self.digest}')}@{self.domain}>"

    def make(self, who: Addressee, token: str | None = None) -> tuple[bytes, str]:
        """The message for `who`; `token` instead of their real unsubscribe and manage tokens (a dry run's sample)."""
        manage = token and manage_url(self.base_url, token)
        token = token or self.tokens.make(who.subscriber, who.key)
        if manage is None and self.manage_tokens:
            manage = manage_url(
                self.base_url, self.manage_tokens.make_until(who.subscriber, who.key, self.manage_until)
            )
        message_id = self.message_id(who.subscriber, who.round)
        mailto = f"mailto:{self.mailto}?subject=unsubscribe%20{token}" if self.mailto else ""
        recipient = Recipient(
            who.email, who.name, message_id, unsubscribe_url(self.base_url, token), mailto, manage or ""
        )
        if not self.sign:
            return self.template.fill(recipient), message_id
        data, body_parts = self.template.fill_parts(recipient)
        return self.sign(data, body_parts), message_id


@dataclass(frozen=True)
class Job:
    issue: int
    owner: str  # this sender's name in the ledger: host, process and a random part
    sender: str  # envelope sender (where bounces go)
    smtp: SmtpSettings
    connections: int = 4
    retries: int = 3
    lease: float = 60.0
    batch: int = 20  # rows claimed at a time: small, so concurrent senders share the work
    retry_for: dt.timedelta = dt.timedelta(hours=48)  # how long a 4xx-answered recipient is tried


FIRST_WAIT, LONGEST_WAIT = dt.timedelta(minutes=5), dt.timedelta(hours=4)


def deferral(
    who: Addressee, reply: str, attempts: int, now: dt.datetime, retry_for: dt.timedelta, jitter: float
) -> Outcome:
    """A 4xx answer: try again later, each wait about as long as all the waiting so far (5 minutes
    at first, at most 4 hours, `jitter` in 0.8..1.2 so deferred recipients do not return as a
    herd), the last try at `retry_for` after the first answer; after that the message fails."""
    since = who.deferred_since or now
    waited = now - since
    if waited >= retry_for:
        return Outcome(
            who.subscriber, FAILED, f"{reply} (given up after {retry_for.total_seconds() / 3600:g} h)", attempts
        )
    wait = min(max(FIRST_WAIT, waited), LONGEST_WAIT) * jitter
    return Outcome(who.subscriber, DEFERRED, reply, attempts, retry_at=min(now + wait, since + retry_for))


@dataclass
class Run:
    """What this run did: messages per outcome, how long it took, what stopped it."""

    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    error: str | None = None
    exception: Exception | None = None


POLL = 1.0  # seconds between looks at the rows other senders hold


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Dispatcher:
    """Sends one issue from this process: `run` returns when no open row is left to it."""

    def __init__(
        self,
        job: Job,
        ledger,
        letters: Letters,
        *,
        limiter: RateLimit | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], dt.datetime] = utc_now,
        progress: Callable[[str], None] | None = None,
        notice: Callable[[str], None] | None = None,
        jitter: Callable[[], float] = lambda: random.uniform(0.8, 1.2),
    ):
        self.job, self.ledger, self.letters = job, ledger, letters
        self.jitter = jitter
        self.limiter = limiter or RateLimit(0)
        self.sleep, self.now = sleep, now
        self.progress, self.notice = progress, notice
        self.run_ = Run()
        self._lock = threading.Lock()
        self._db = threading.Lock()  # this process's ledger calls take turns: no SQLite busy-waiting
        self._committer = _Committer(self._commit)
        self._stop = threading.Event()
        self._done = threading.Event()
        self._waited = False
        self._tls = tls_context(job.smtp)  # one for all of this send's connections

    def run(self) -> Run:
        """Send until no open row is left to this sender; Ctrl-C stops after the messages in flight."""
        started = time.monotonic()
        workers = [threading.Thread(target=self._work, daemon=True) for _ in range(self.job.connections)]
        heartbeat = threading.Thread(target=self._heartbeat, daemon=True)
        self._committer.start()
        for thread in (heartbeat, *workers):
            thread.start()
        try:
            for thread in workers:
                thread.join()
        except KeyboardInterrupt:
            self._fail("interrupted; run send again to resume")
            for thread in workers:
                thread.join()
        finally:
            self._done.set()
            heartbeat.join()
            self._committer.stop()
            self.ledger.release(self.job.issue, self.job.owner, self.now())
        self.run_.seconds = time.monotonic() - started
        return self.run_

    def _work(self) -> None:
        job = self.job
        connection = Connection(job.smtp, self._tls)
        done: Outcome | None = None
        try:
            connection.open()
            while not self._stop.is_set():
                if done:
                    done = self._step(done)
                with self._db:
                    batch = self.ledger.claim(job.issue, job.owner, self.now(), job.lease, job.batch)
                if not batch and not self._others_hold_rows():
                    return
                for who in batch:
                    if self._stop.is_set():
                        break
                    done = self._send_one(connection, who, done)
        except Unavailable as e:
            self._fail(str(e))
        except Exception as e:  # a store or programming error: stop everyone; the caller re-raises it
            self._fail(f"{type(e).__name__}: {e}", e)
        finally:
            if done:
                self._step(done)
            connection.close()

    def _send_one(self, connection: Connection, who: Addressee, done: Outcome | None) -> Outcome | None:
        """Mark `who` sending (recording `done` in the same transaction), send, and return the outcome.

        The mark is committed while MAIL and RCPT go out, and awaited before DATA.
        """
        self.limiter.wait()
        data, message_id = self.letters.make(who)
        marked = self._committer.submit((done, who.subscriber, message_id))
        try:
            reply, attempts = deliver(
                connection,
                self.letters.return_path(who.subscriber, self.job.sender),
                who.email,
                data,
                retries=self.job.retries,
                sleep=self.sleep,
                go=marked.result,
            )
        except Unavailable as e:
            if marked.result() and not e.maybe_delivered:  # certainly not sent: pending for the next run
                self._step(Outcome(who.subscriber, PENDING, str(e), 0))
            raise
        if reply is None:
            self._tally(SKIPPED)
            return None
        if reply.status == "retry":
            outcome = deferral(who, str(reply), attempts, self.now(), self.job.retry_for, self.jitter())
        else:
            outcome = Outcome(who.subscriber, reply.status, str(reply), attempts)
        self._tally(outcome.status)
        return outcome

    def _step(self, done: Outcome | None, start: int | None = None, message_id: str | None = None) -> bool | None:
        """Record `done` and mark `start` sending, committed before this returns; None without `start`."""
        ok = self._committer.submit((done, start, message_id)).result()
        return ok if start is not None else None

    def _commit(self, steps: list) -> list[bool]:
        with self._db:
            return self.ledger.steps(self.job.issue, self.job.owner, self.now(), steps)

    def _others_hold_rows(self) -> bool:
        """Wait while another sender holds open rows; False when nothing is left for us.

        A live sender finishes its rows long before its lease ends, and a dead one's rows
        come free when it does: so look again every POLL seconds, until the soonest lease ends.
        """
        soonest = self.ledger.held_by_others(self.job.issue, self.job.owner)
        if soonest is None:
            return False
        until = max((soonest - self.now()).total_seconds(), 0.05)
        if self.notice and until > POLL and not self._waited:
            self._waited = True
            self.notice(f"waiting up to {until:.0f} s for recipients held by another sender (or one that stopped)")
        return not self._stop.wait(min(until, POLL, self.job.lease))

    def _heartbeat(self) -> None:
        """Renew this sender's lease while it runs, so nobody takes over rows it is still working on."""
        while not self._done.wait(self.job.lease / 3):
            with self._db:
                self.ledger.renew(self.job.issue, self.job.owner, self.now(), self.job.lease)

    def _tally(self, status: str) -> None:
        with self._lock:
            self.run_.counts[status] += 1
        if self.progress:
            self.progress(status)

    def _fail(self, message: str, exception: Exception | None = None) -> None:
        with self._lock:
            self.run_.error = self.run_.error or message
            self.run_.exception = self.run_.exception or exception
        self._stop.set()


class _Committer:
    """Group commit: one thread writes every sender thread's ledger steps, several to a transaction.

    Each sender still waits until its own step is committed (a row is `sending` on disk
    before its DATA), but steps that arrive while one commit is syncing share the next one.
    """

    def __init__(self, commit: Callable[[list], list]):
        self._commit = commit
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def submit(self, step) -> Future:
        """Queue one step; its Future says whether the message may go, once committed."""
        future: Future = Future()
        self._queue.put((step, future))
        return future

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch = [self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get())
            stopping = None in batch  # stop() comes after the last sender has finished
            batch = [item for item in batch if item is not None]
            if batch:
                self._write(batch)

    def _write(self, batch: list) -> None:
        try:
            results = self._commit([step for step, _ in batch])
        except Exception as e:  # each sender waiting on this batch raises it
            for _, future in batch:
                future.set_exception(e)
            return
        for (_, future), result in zip(batch, results):
            future.set_result(result)
