"""`build`: compose the draft issue from everything unspent, render it and write it out."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..models import Finding, Issue, Item, Rendered
from .check import lint_message
from .fetch import FetchResult, Sources, read_sources
from .freeze import fingerprint

if TYPE_CHECKING:
    from ..sources.pull import Progress
    from ..store import Store


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
    # The pool's items left out of the issue, each with why (compose's "later", "window",
    # "cap"; "budget" for the overflow, which the email lists and the web copy holds).
    left: tuple[tuple[Item, str], ...] = ()


def build(
    config: Config,
    store: Store,
    *,
    now: dt.datetime,
    date: dt.date | None = None,
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
    from .. import choices as choice_files
    from ..compose import select

    date = date or now.astimezone(config.zone).date()
    draft = store.issues.draft()
    number = draft.number if draft else store.issues.next_number()
    shaping = choice_files.load(config.drafts.dir, number)
    fetch_first = not (no_fetch or dry_run)
    gathered = read_sources(
        config, store, now, with_feeds=fetch_first, save=not dry_run, progress=progress, extra=shaping.items
    )
    fetched, warnings = gathered.result, gathered.result.warnings + shaping.warnings
    new_items = fetched.new_items
    pool, seen = _pool(store, gathered, (config.corpus.path, config.drafts.dir), now)
    pins = shaping.choices.pin + tuple(item.id for item in shaping.items)  # the editor's additions are in
    selection = select(pool, number=number, date=date, settings=compose_settings(config), seen=seen, pins=pins)
    composed = selection.issue
    issue = choice_files.apply(composed, shaping.choices)
    warnings += choice_files.unmatched(composed, shaping)
    if not issue.items and not allow_empty:
        return BuildResult(None, new_items, (), warnings, fetched)
    files, rendered = _render_files(issue, config, now)
    issue = rendered.issue
    warnings += rendered.warnings
    findings = lint_message(files["issue.eml"], config, issue)
    dropped = tuple(item for item in composed.items if item.id in shaping.choices.drop)
    left = selection.left + tuple((item, "budget") for item in issue.overflow)
    report = dict(
        html_bytes=len(files["issue.html"]),
        cuts=_steps(selection) + rendered.cuts,
        findings=findings,
        contents=files,
        dropped=dropped,
        left=left,
    )
    if dry_run:
        return BuildResult(issue, new_items, (), warnings, fetched, **report)
    store.issues.save_draft(issue, now, built=fingerprint(files))
    from ..files import write_folder

    written = write_folder(config.output.dir / f"issue-{number:04d}", files)
    return BuildResult(issue, new_items, tuple(written), warnings, fetched, **report)


def _pool(store, gathered: Sources, read_whole: tuple[Path, ...], now: dt.datetime):
    """The unspent items, with a dry run's unstored new ones, and when each was first seen.

    An item from a folder read whole on every build (the corpus, the drafts files) that is
    not there as read now (its file was edited or removed) leaves the pool, so an edit
    replaces the old text instead of doubling it.
    """
    read_ids = {item.id for item in gathered.read}
    stored = store.items.pool() + [(item, now) for item in gathered.unseen]
    kept = [
        (item, seen)
        for item, seen in stored
        if item.id in read_ids or not any(Path(item.source).is_relative_to(f) for f in read_whole)
    ]
    return [item for item, _ in kept], {item.id: seen for item, seen in kept}


def compose_settings(config: Config):
    """[compose] and each feed's max_items, as compose takes them."""
    from ..compose import ComposeSettings

    c = config.compose
    caps = {feed.key: feed.max_items for feed in config.feeds}
    return ComposeSettings(
        config.newsletter.title,
        config.corpus.long_form_words,
        config.zone,
        c.pieces,
        c.hearing,
        c.events,
        c.max_age_days,
        feed_caps=caps,
    )


def _steps(selection) -> tuple[str, ...]:
    """The selection's line of the build summary: what waits for a later issue, and why."""
    reasons = selection.reasons()
    if not reasons:
        return ()
    said = {
        "cap": "over a cap ([compose], a feed's max_items)",
        "window": "older than [compose] max_age_days",
        "later": "dated (undated: first seen) after the issue date",
        "past": "events already past",
    }
    parts = ", ".join(f"{count:,} {said[reason]}" for reason, count in sorted(reasons.items()))
    return (f"left {sum(reasons.values()):,} item(s) for a later issue: {parts}",)


def _render_files(issue: Issue, config: Config, now: dt.datetime) -> tuple[dict[str, bytes], Rendered]:
    from ..deliver.message import build_message, message_bytes, new_message_id
    from ..render import render_issue

    rendered = _unpersonalised(render_issue(issue, config), config)
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


def _unpersonalised(rendered: Rendered, config: Config) -> Rendered:
    """The built files are real messages an editor may open or forward: the unsubscribe sentinel
    becomes the site's general unsubscribe page, the manage sentinel its general manage page
    (`send` puts each reader's own links there)."""
    from ..render import MANAGE_TOKEN, UNSUBSCRIBE_TOKEN

    page = config.unsubscribe_page or ""
    manage = config.web.base_url.rstrip("/") + "/manage" if config.web.base_url else page  # mails the reader their link
    return replace(
        rendered,
        html=rendered.html.replace(UNSUBSCRIBE_TOKEN, page).replace(MANAGE_TOKEN, manage),
        text=rendered.text.replace(UNSUBSCRIBE_TOKEN, page).replace(MANAGE_TOKEN, manage),
    )
