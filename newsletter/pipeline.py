"""One function per user-visible verb; the only place one stage's output feeds the next."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .models import Issue, Item


@dataclass(frozen=True)
class BuildResult:
    """What `build` did: the issue, how many items were new, what it wrote, what it warned of."""

    issue: Issue | None
    new_items: int
    files: tuple[Path, ...] = ()
    warnings: tuple[str, ...] = ()


def build(
    config: Config,
    *,
    date: dt.date | None = None,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    allow_empty: bool = False,
) -> BuildResult:
    """Read the sources, compose the draft issue, render it and write it to the output folder.

    Returns an issue of None when no unspent item fits the issue (every piece sent, only past
    events left) and `allow_empty` is off: nothing is written.
    """
    from .compose import ComposeSettings, compose
    from .sources.corpus import read_corpus
    from .store import Store

    now = now or dt.datetime.now(config.zone)
    date = date or now.astimezone(config.zone).date()
    documents, warnings = read_corpus(
        config.corpus.path,
        boilerplate=config.boilerplate,
        venue_aliases=config.corpus.venue_aliases,
        tz=config.zone,
    )
    read = [item for document in documents for item in document.items]
    with Store(config.store_url) as store:
        pool, new_items = _pool(store, read, config.corpus.path, now, dry_run)
        draft = store.draft()
        number = draft.number if draft else store.next_number()
        settings = ComposeSettings(config.newsletter.title, config.corpus.long_form_words)
        issue = compose(pool, number=number, date=date, settings=settings)
        if not issue.items and not allow_empty:
            return BuildResult(None, new_items, (), tuple(warnings))
        files = _render_files(issue, config, now)
        if dry_run:
            return BuildResult(issue, new_items, (), tuple(warnings))
        store.save_draft(issue, now)
    from .outbox import write_folder

    written = write_folder(config.output.dir / f"issue-{number:04d}", files)
    return BuildResult(issue, new_items, tuple(written), tuple(warnings))


def _pool(store, read: list[Item], corpus: Path, now: dt.datetime, dry_run: bool) -> tuple[list[Item], int]:
    """The unspent items and how many were never stored before; a dry run stores nothing.

    A corpus item that is no longer in the corpus as read now (its file was edited or
    removed) leaves the pool, so an edit replaces the old text instead of doubling it.
    """
    read_ids = {item.id for item in read}
    if dry_run:
        known = store.known_ids(read_ids)
        unseen = {item.id: item for item in read if item.id not in known}
        stored, new_items = store.pool() + list(unseen.values()), len(unseen)
    else:
        new_items = len(store.add_items(read, now))
        stored = store.pool()
    current = [item for item in stored if item.id in read_ids or not Path(item.source).is_relative_to(corpus)]
    return current, new_items


def _render_files(issue: Issue, config: Config, now: dt.datetime) -> dict[str, bytes]:
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
    return {
        "issue.html": rendered.html.encode(),
        "issue.txt": rendered.text.encode(),
        "issue.eml": message_bytes(message),
    }
