"""Freeze what was built: the issue that goes out is the one the editor last built, previewed
or approved, byte for byte, or `send` refuses it and says what changed.

`build` stores a fingerprint of the HTML and text it made. Before a draft is sent, the draft
is made again as the preview makes it (a dry-run build: the items, the drafts file, the
templates and the config as they are now); a different fingerprint means the editor has not
seen what would go out. Refusing (not rebuilding quietly) keeps the editor's look meaningful:
rebuild, look, then send.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from ..config import Config
from ..errors import DeliverError
from ..models import Issue, IssueStatus


class ChangedSinceBuild(DeliverError):
    """The draft as it would be built now differs from what was built (and so previewed or approved)."""


def fingerprint(contents: dict[str, bytes]) -> str:
    """What a reader would see of a build: its HTML and text (not the .eml's Date)."""
    return hashlib.sha256(contents["issue.html"] + b"\0" + contents["issue.txt"]).hexdigest()


def ensure_as_built(config: Config, store, number: int, now: dt.datetime) -> None:
    """Raise ChangedSinceBuild when draft `number` would not be sent as it was last built.

    Issues under way or sent are frozen already, and an issue built before fingerprints were
    kept has none to compare: both pass.
    """
    from .build import build

    record = store.issues.get(number)
    if record is None or record.status != IssueStatus.DRAFT or record.built is None:
        return
    again = build(config, store, now=now, date=record.day, dry_run=True)
    if again.issue is not None and again.issue.number == number and fingerprint(again.contents) == record.built:
        return
    what = (
        "; ".join(_differences(store.issue(number), again.issue) + _edited(config, record.updated, number))
        or "the rendering"
    )
    raise ChangedSinceBuild(
        f"issue {number} changed since it was built ({record.updated:%Y-%m-%d %H:%M} UTC): {what}. "
        f"Rebuild it (newsletter build --no-fetch, or Approve in the preview), look at it, then send"
    )


def _differences(then: Issue, now: Issue | None) -> list[str]:
    """How the composed issue differs: subject, items in or out, lead and order."""
    if now is None:
        return ["no unsent item fits it any more"]
    found = []
    if then.subject != now.subject:
        found.append(f"subject {then.subject!r} is now {now.subject!r}")
    before, after = [i.id for i in then.items], [i.id for i in now.items]
    added, gone = len(set(after) - set(before)), len(set(before) - set(after))
    if added or gone:
        found.append(f"items: {added} added, {gone} left out")
    elif (then.lead and then.lead.id) != (now.lead and now.lead.id):
        found.append("another lead")
    elif before != after:
        found.append("the items' order")
    elif list(then.items) != list(now.items):
        found.append("an item's text")
    return found


def _edited(config: Config, since: dt.datetime, number: int) -> list[str]:
    """The input files saved after the build: the drafts file, the config, templates, the corpus."""
    from ..render import builtin_templates

    files = [config.drafts.dir / f"issue-{number:04d}.toml"] + ([config.source] if config.source else [])
    for folder in (builtin_templates(), config.templates_dir, config.corpus.path):
        if folder is not None and Path(folder).is_dir():
            files += sorted(p for p in Path(folder).rglob("*") if p.is_file())
    newer = [p for p in files if _mtime(p) > since]
    if not newer:
        return []
    shown = ", ".join(_short(p, config.folder) for p in newer[:3]) + (
        f" and {len(newer) - 3} more" if len(newer) > 3 else ""
    )
    return [f"saved since: {shown}"]


def _mtime(path: Path) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    except OSError:
        return dt.datetime.min.replace(tzinfo=dt.timezone.utc)


def _short(path: Path, folder: Path) -> str:
    return str(path.relative_to(folder)) if path.is_relative_to(folder) else str(path)
