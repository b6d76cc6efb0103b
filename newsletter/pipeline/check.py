"""`check`: lint a built issue's message for what breaks in mail clients."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..errors import NewsletterError
from ..models import Finding, Issue

if TYPE_CHECKING:
    from ..store import Store


@dataclass(frozen=True)
class CheckResult:
    """Which built message `check` read and what it found there, errors first."""

    path: Path
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(f.level == "error" for f in self.findings)


def check(config: Config, store: Store, issue: int | Path | None = None) -> CheckResult:
    """Lint a built issue: number N is OUTPUT/issue-NNNN/issue.eml, a path is that .eml or its
    folder, and the default is the newest issue built."""
    path = _built_message(config, issue)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise NewsletterError(f"{path}: cannot read: {e.strerror}") from None
    return CheckResult(path, lint_message(raw, config, _stored_issue(store, path)))


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


def lint_message(raw: bytes, config: Config, issue: Issue | None = None) -> tuple[Finding, ...]:
    """`check` on a built message: the unsubscribe sentinel is a link once personalised, and
    `issue`'s own text may quote template syntax (it is escaped content, not a leftover)."""
    from ..check import check_message, content_words
    from ..render import MANAGE_TOKEN, UNSUBSCRIBE_TOKEN

    budget = config.email.size_budget_kb * 1024
    content = content_words(_texts(issue)) if issue else frozenset()
    return tuple(
        check_message(raw, budget_bytes=budget, placeholders=(UNSUBSCRIBE_TOKEN, MANAGE_TOKEN), content=content)
    )


def _texts(issue: Issue):
    """Every text of the issue that came from its items (or the editor), as written."""
    yield issue.subject
    for item in issue.items:
        yield from (item.title, item.author, item.link, item.summary, item.html, *item.paragraphs, *item.comments)
        if item.event:
            e = item.event
            yield from (e.venue, e.speaker, e.speaker_role, e.ticket_text, e.ticket_url, *e.description)


def _stored_issue(store: Store, path: Path) -> Issue | None:
    """The stored issue a built folder (OUTPUT/issue-NNNN/) holds, to tell its content from leftovers
    (a folder the store does not know: every template syntax counts)."""
    found = re.fullmatch(r"issue-(\d{4,})", path.parent.name)
    return store.issue(int(found.group(1))) if found else None
