"""One function per user-visible verb; the only place one stage's output feeds the next."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config, FeedConfig, secret
from .errors import DeliverError, NewsletterError
from .models import FeedState, Finding, Issue, Item, Rendered, Subscriber

if TYPE_CHECKING:
    from .deliver.dispatch import Run
    from .sources.pull import Progress, Pulled
    from .store.ledger import Summary


@dataclass(frozen=True)
class FetchResult:
    """What `fetch` did: each enabled feed's outcome, the items stored and set aside, the corpus warnings."""

    feeds: tuple[Pulled, ...]
    new_items: int
    duplicates: int
    warnings: tuple[str, ...] = ()

    def count(self, outcome: str) -> int:
        return sum(pulled.outcome == outcome for pulled in self.feeds)


@dataclass(frozen=True)
class BuildResult:
    """What `build` did: the issue, how many items were new, what it wrote, what it warned of."""

    issue: Issue | None
    new_items: int
    files: tuple[Path, ...] = ()
    warnings: tuple[str, ...] = ()
    fetched: FetchResult | None = None
    # The inlined HTML's size, the pieces cut to fit the budget, and what `check` found.
    html_bytes: int = 0
    cuts: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    # Also on a dry run (the preview shows them): the files' contents, and the items the
    # editor's drafts file dropped (they stay in the pool).
    contents: dict[str, bytes] = field(default_factory=dict)
    dropped: tuple[Item, ...] = ()


@dataclass(frozen=True)
class FeedStatus:
    """A configured feed, what the store remembers of it, a one-word condition, and its stored counts."""

    feed: FeedConfig
    state: FeedState
    condition: str
    items: int
    duplicates: int


@dataclass(frozen=True)
class _Gathered:
    """The sources as read now: the fetch's result, the corpus items read, and a dry run's unstored new items."""

    result: FetchResult
    read: list[Item]
    unseen: tuple[Item, ...]


def fetch(config: Config, *, now: dt.datetime | None = None, progress: Progress | None = None) -> FetchResult:
    """Pull every enabled feed and re-read the corpus; store what is new and set duplicates aside."""
    from .store import Store

    now = now or dt.datetime.now(config.zone)
    with Store(config.store_url) as store:
        return _gather(config, store, now, with_feeds=True, save=True, progress=progress).result


def feeds(config: Config, *, now: dt.datetime | None = None) -> list[FeedStatus]:
    """Each configured feed with what the store remembers of it, for `newsletter feeds`."""
    from .store import Store

    now = now or dt.datetime.now(dt.timezone.utc)
    with Store(config.store_url) as store:
        states, counts = store.feeds.states(), store.feeds.counts()
    found = []
    for feed in config.feeds:
        state = states.get(feed.key) or FeedState(feed.key)
        found.append(FeedStatus(feed, state, _condition(feed, state, now), *counts.get(feed.key, (0, 0))))
    return found


def _condition(feed: FeedConfig, state: FeedState, now: dt.datetime) -> str:
    if not feed.enabled:
        return "disabled"
    if state.gone:
        return "gone"
    if state.retry_after and state.retry_after > now:
        return "waiting"
    if state.last_attempt is None:
        return "never fetched"
    return f"failing ({state.failures})" if state.failures else "ok"


def _gather(config: Config, store, now: dt.datetime, *, with_feeds: bool, save: bool, progress,
            extra: tuple[Item, ...] = ()) -> _Gathered:
    """Read the corpus and, when `with_feeds`, pull the feeds; store what is new unless `save` is off.
    `extra` are the items of the editor's drafts file, read whole each time like the corpus.

    Items are stored before the feeds' new validators, so a crash between the two
    costs a refetch, never a 304 for items that were not kept.
    """
    from .sources.corpus import read_corpus

    documents, warnings = read_corpus(
        config.corpus.path,
        boilerplate=config.boilerplate,
        venue_aliases=config.corpus.venue_aliases,
        tz=config.zone,
    )
    read = [item for document in documents for item in document.items] + list(extra)
    pulled = _pull(config, store, now, progress) if with_feeds else []
    keys = {item.id: k for p in pulled for item, k in zip(p.items, p.keys)}
    added = store.feeds.add_unique([*read, *(item for p in pulled for item in p.items)], now, save=save, keys=keys)
    store.feeds.save_states(p.state for p in pulled)
    result = FetchResult(tuple(pulled), len(added.new), len(added.duplicates), tuple(warnings))
    return _Gathered(result, read, () if save else added.new)


def _pull(config: Config, store, now: dt.datetime, progress) -> list[Pulled]:
    from .sources.pull import pull

    enabled = [feed for feed in config.feeds if feed.enabled]
    utc = now.astimezone(dt.timezone.utc)
    return pull(enabled, store.feeds.states(), config.fetch, utc, config.zone, progress)


def build(
    config: Config,
    *,
    date: dt.date | None = None,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    allow_empty: bool = False,
    no_fetch: bool = False,
    progress: Progress | None = None,
) -> BuildResult:
    """Fetch the feeds, read the corpus, compose the draft issue, render it and write it to the output folder.

    The feeds are not fetched with `no_fetch`, nor on a dry run (which stores nothing, so
    it could not keep what a fetch brought). Returns an issue of None when no unspent item
    fits the issue (every piece sent, only past events left) and `allow_empty` is off:
    nothing is written.
    """
    from . import drafts
    from .compose import ComposeSettings, compose
    from .store import Store

    now = now or dt.datetime.now(config.zone)
    date = date or now.astimezone(config.zone).date()
    with Store(config.store_url) as store:
        draft = store.draft()
        number = draft.number if draft else store.next_number()
        shaping = drafts.load(config.drafts.dir, number)
        fetch_first = not (no_fetch or dry_run)
        gathered = _gather(config, store, now, with_feeds=fetch_first, save=not dry_run, progress=progress,
                           extra=shaping.items)
        fetched, warnings = gathered.result, gathered.result.warnings + shaping.warnings
        new_items = fetched.new_items
        pool = _pool(store, gathered, (config.corpus.path, config.drafts.dir))
        settings = ComposeSettings(config.newsletter.title, config.corpus.long_form_words)
        composed = compose(pool, number=number, date=date, settings=settings)
        issue = drafts.apply(composed, shaping.choices)
        warnings += drafts.unmatched(composed, shaping)
        if not issue.items and not allow_empty:
            return BuildResult(None, new_items, (), warnings, fetched)
        files, rendered = _render_files(issue, config, now)
        warnings += rendered.warnings
        findings = _lint(files["issue.eml"], config)
        dropped = tuple(item for item in composed.items if item.id in shaping.choices.drop)
        report = dict(html_bytes=len(files["issue.html"]), cuts=rendered.cuts, findings=findings, contents=files,
                      dropped=dropped)
        if dry_run:
            return BuildResult(issue, new_items, (), warnings, fetched, **report)
        store.save_draft(issue, now)
    from .outbox import write_folder

    written = write_folder(config.output.dir / f"issue-{number:04d}", files)
    return BuildResult(issue, new_items, tuple(written), warnings, fetched, **report)


def _pool(store, gathered: _Gathered, read_whole: tuple[Path, ...]) -> list[Item]:
    """The unspent items, with a dry run's unstored new ones.

    An item from a folder read whole on every build (the corpus, the drafts files) that is
    not there as read now (its file was edited or removed) leaves the pool, so an edit
    replaces the old text instead of doubling it.
    """
    read_ids = {item.id for item in gathered.read}
    stored = store.pool() + list(gathered.unseen)
    return [item for item in stored
            if item.id in read_ids or not any(Path(item.source).is_relative_to(f) for f in read_whole)]


def _render_files(issue: Issue, config: Config, now: dt.datetime) -> tuple[dict[str, bytes], Rendered]:
    from .deliver.message import build_message, message_bytes, new_message_id
    from .render import render_issue

    rendered = render_issue(issue, config)
    digest = hashlib.sha256(rendered.html.encode()).hexdigest()[:16]
    message = build_message(
        rendered,
        sender=config.email.from_address,
        to=config.email.to_placeholder,
        date=now,
        message_id=new_message_id(config.email.message_id_domain, f"issue-{issue.number:04d}.{digest}"),
    )
    files = {
        "issue.html": rendered.html.encode(),
        "issue.txt": rendered.text.encode(),
        "issue.eml": message_bytes(message),
    }
    return files, rendered


@dataclass(frozen=True)
class CheckResult:
    """Which built message `check` read and what it found there, errors first."""

    path: Path
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(f.level == "error" for f in self.findings)


def check(config: Config, issue: int | Path | None = None) -> CheckResult:
    """Lint a built issue: number N is OUTPUT/issue-NNNN/issue.eml, a path is that .eml or its
    folder, and the default is the newest issue built."""
    path = _built_message(config, issue)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise NewsletterError(f"{path}: cannot read: {e.strerror}") from None
    return CheckResult(path, _lint(raw, config))


def _built_message(config: Config, issue: int | Path | None) -> Path:
    folder = config.output.dir
    if issue is None:
        built = sorted(folder.glob("issue-[0-9][0-9][0-9][0-9]*/issue.eml"), key=lambda p: int(p.parent.name[6:]))
        if not built:
            raise NewsletterError(f"{folder}: no built issue here; newsletter build makes one")
        return built[-1]
    path = folder / f"issue-{issue:04d}" / "issue.eml" if isinstance(issue, int) else Path(issue)
    path = path / "issue.eml" if path.is_dir() else path
    if not path.is_file():
        raise NewsletterError(f"{path}: no such built issue")
    return path


def _lint(raw: bytes, config: Config) -> tuple[Finding, ...]:
    """`check` on a built message: the unsubscribe sentinel is a link once personalised."""
    from .check import check_message
    from .render import UNSUBSCRIBE_TOKEN

    budget = config.email.size_budget_kb * 1024
    return tuple(check_message(raw, budget_bytes=budget, placeholders=(UNSUBSCRIBE_TOKEN,)))


def templates(config: Config) -> list[tuple[str, Path, bool]]:
    """(name, file used, whether it is the editor's) for every template an issue can use."""
    from .render import builtin_templates, template_folders

    chosen: dict[str, Path] = {}
    for folder in template_folders(config):
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            if path.is_file() and not name.startswith(".") and "__pycache__" not in name:
                chosen.setdefault(name, path)
    return [(name, path, not path.is_relative_to(builtin_templates())) for name, path in sorted(chosen.items())]


def copy_templates(dest: Path, *, force: bool = False) -> list[Path]:
    """Copy the built-in templates into `dest` in the layout the loader expects (email/issue.html,
    email/style.css, ...), refusing to overwrite an editor's files unless `force`."""
    import shutil

    from .render import builtin_templates

    root = builtin_templates()
    sources = [p for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    targets = [dest / p.relative_to(root) for p in sources]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise NewsletterError(f"{existing[0]} exists ({len(existing)} file(s) would be overwritten; --force does it)")
    for source, target in zip(sources, targets):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return targets


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def add_subscriber(config: Config, email: str, name: str = "", *, now: dt.datetime | None = None) -> Subscriber:
    """Check the address (email-validator) and add it; an address already on the list is refused."""
    from .deliver.addresses import checked
    from .store import Store
    from .store.subscribers import NewSubscriber

    row = checked(email, name)
    with Store(config.store_url) as store:
        return store.subscribers.add(NewSubscriber(row.email, row.key, row.name), now or _utc_now())


def remove_subscriber(config: Config, email: str) -> Subscriber | None:
    """Delete a subscriber and their send records; None when the address is not on the list."""
    from .deliver.addresses import AddressError, checked
    from .store import Store

    try:
        key = checked(email).key  # the same folding as when it was added
    except AddressError:
        key = email.strip().lower()
    with Store(config.store_url) as store:
        return store.subscribers.remove(key)


def list_subscribers(config: Config, *, status: str | None = None) -> list[Subscriber]:
    from .store import Store

    with Store(config.store_url) as store:
        return list(store.subscribers.all(status))


def export_subscribers(config: Config, out) -> int:
    """Write every subscriber as CSV to `out`, streamed; what `import_subscribers` reads back."""
    from .deliver.addresses import write_csv
    from .store import Store

    with Store(config.store_url) as store:
        return write_csv(store.subscribers.all(), out)


@dataclass(frozen=True)
class ImportResult:
    """Rows added and already present; when any row is rejected nothing is imported."""

    added: int
    existing: int
    rejected: tuple = ()


def import_subscribers(config: Config, path: Path, *, now: dt.datetime | None = None) -> ImportResult:
    """Import a CSV of subscribers in one transaction: every row, or (if any row is bad) none."""
    from .deliver.addresses import read_csv
    from .store import Store
    from .store.subscribers import NewSubscriber

    rows, rejected = read_csv(path)
    if rejected:
        return ImportResult(0, 0, tuple(rejected))
    with Store(config.store_url) as store:
        done = store.subscribers.import_all([NewSubscriber(r.email, r.key, r.name, r.status) for r in rows], now or _utc_now())
    return ImportResult(done.added, done.existing)


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


def send(config: Config, *, issue: int | None = None, force: bool = False, dry_run: bool = False,
         test_address: str | None = None, now: dt.datetime | None = None, progress=None, notice=None,
         sleep=None) -> SendResult:
    """Freeze the issue, write the ledger, and send one message per active subscriber.

    Resumes an interrupted send; refuses a sent issue unless `force`. A dry run sends
    nothing and returns a sample; a test sends one `[TEST]` message outside the ledger.
    `progress(status, done, total)` hears of each message; `sleep` is injectable for tests.
    """
    import time

    from .deliver.dispatch import Dispatcher, Job
    from .deliver.smtp import RateLimit
    from .store import Store

    now = now or _utc_now()
    sleep = sleep or time.sleep
    with Store(config.store_url) as store:
        number = issue or store.ledger.next_issue()
        if number is None:
            raise DeliverError("there is no issue to send: newsletter build makes one")
        letters, rendered = _letters(config, store, number, now, test=bool(test_address))
        result = SendResult(number, rendered.subject, warnings=rendered.warnings)
        if test_address:
            return _send_test(config, letters, result, test_address, sleep)
        if dry_run:
            return _dry_run(store, letters, result, force)
        store.ledger.freeze(number, now, force=force)
        total = sum(store.ledger.summary(number).counts[s] for s in ("pending", "sending"))
        ticks = itertools.count(1)
        job = Job(number, _owner(), _envelope_sender(config), _smtp_settings(config), config.smtp.connections,
                  config.smtp.retries, config.smtp.claim_seconds)
        run = Dispatcher(
            job, store.ledger, letters, limiter=RateLimit(config.smtp.rate_limit, sleep=sleep), sleep=sleep,
            progress=progress and (lambda status: progress(status, next(ticks), total)), notice=notice,
        ).run()
        if run.exception:
            raise run.exception
        complete = store.ledger.complete(number, _utc_now())
        return replace(result, summary=store.ledger.summary(number), run=run, complete=complete, recipients=total)


def _send_test(config: Config, letters, result: SendResult, address: str, sleep) -> SendResult:
    """`--test`: one message to one address, outside the ledger, with its own Message-ID."""
    from .deliver.addresses import checked
    from .deliver.smtp import Connection, deliver
    from .models import Addressee

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


def _dry_run(store, letters, result: SendResult, force: bool) -> SendResult:
    """`--dry-run`: what a send would refuse, how many it would reach, and the first one's message."""
    from .models import Addressee

    status = next(r.status for r in store.issues() if r.number == result.issue)
    if status == "sent" and not force:
        raise DeliverError(f"issue {result.issue} was sent already; --force sends it again")
    first = next(iter(store.subscribers.all("active")), None) or Subscriber(0, "subscriber@example.invalid")
    sample, _ = letters.make(Addressee(first.id, first.email, first.name, round=1))
    return replace(result, recipients=store.subscribers.count(), sample=sample)


def _letters(config: Config, store, number: int, now: dt.datetime, *, test: bool):
    """Render issue `number` once and make the per-recipient message maker for it."""
    from .deliver.dispatch import Letters
    from .deliver.personalize import issue_template
    from .deliver.tokens import tokens_from
    from .render import UNSUBSCRIBE_TOKEN, render_issue

    if not config.web.base_url:
        raise DeliverError("[web] base_url is not set: unsubscribe links need the public address of newsletter serve")
    tokens = tokens_from(secret("secret"))
    record = next((r for r in store.issues() if r.number == number), None)
    if record is None:
        raise DeliverError(f"there is no issue {number}")
    sections = store.issue_items(number)
    issue = Issue(number, record.day, record.subject, next(iter(sections.get("lead", ())), None),
                  *(tuple(sections.get(name, ())) for name in ("pieces", "hearing", "events")))
    rendered = render_issue(issue, config)
    if test:
        rendered = replace(rendered, subject=f"[TEST] {rendered.subject}")
    template = issue_template(
        rendered, sender=config.email.from_address, date=now, list_name=config.newsletter.title,
        list_id=config.email.list_id, body_fields={UNSUBSCRIBE_TOKEN: "unsubscribe_url"},
    )
    digest = hashlib.sha256((rendered.html + rendered.text).encode()).hexdigest()[:12]
    letters = Letters(template, tokens, number, digest, config.email.message_id_domain, config.web.base_url,
                      config.email.unsubscribe_address, _dkim(config))
    return letters, rendered


def _dkim(config: Config):
    """The DKIM signing function when a key is configured, else None."""
    if not config.smtp.dkim_key_file:
        return None
    from .deliver.dkim import Signer

    domain = config.smtp.dkim_domain or config.email.message_id_domain
    return Signer(config.folder / config.smtp.dkim_key_file, config.smtp.dkim_selector, domain).sign


def _smtp_settings(config: Config):
    from .deliver.smtp import SmtpSettings

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
