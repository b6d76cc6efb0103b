"""Issue -> Rendered(subject, html, text): Jinja2 templates, then premailer once per issue.

Every word a reader sees that is not content (section titles, "Read more", footer lines)
comes from config or the templates; this module supplies data, filters and the inlining.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import re
import threading
import traceback
import warnings
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import jinja2.sandbox
import markupsafe

from ..config import Config
from ..errors import RenderError
from ..models import ARTICLE, EVENT, HEARING, Issue, Item, Rendered
from .content import email_html, html_text
from .plaintext import LinkRefs, underline, wrap

# Replaced per recipient after inlining (premailer would URL-encode `{{ }}` in an href).
UNSUBSCRIBE_TOKEN = "%%UNSUBSCRIBE_URL%%"
MANAGE_TOKEN = "%%MANAGE_URL%%"  # the reader's own manage page (pipeline/signup.py), filled in by send
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Properties email clients need that cssutils' CSS 2.1/3 profiles do not know.
EMAIL_PROPERTIES = ("-webkit-", "-ms-", "mso-", "color-scheme", "supported-color-schemes")
# CSS 3 text properties cssutils' profiles lack; taught to it so it checks their values too.
TEXT_WRAPPING = {
    "overflow-wrap": r"normal|break-word|anywhere",
    "word-wrap": r"normal|break-word",
    "word-break": r"normal|break-all|keep-all|break-word",
}
UNKNOWN_PROPERTY = re.compile(r"Unknown Property name\. \[\d+:\d+: ([-\w]+)\]")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u2019\u201d)]*\s")
EXCERPT_CHARS_PER_WORD = 12
NOT_IN_ID = re.compile(r"[^A-Za-z0-9_-]+")

_CSSUTILS_LOG = threading.Lock()


def long_date(day: dt.date) -> str:
    """ "31st August 2016": the masthead form of a date (English ordinals)."""
    n = day.day
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix} {MONTHS[day.month - 1]} {day.year}"


def clock(time: dt.time) -> str:
    """ "5.30pm", "6pm": times as the eLetter's event listings write them."""
    hour = time.hour % 12 or 12
    minutes = f".{time.minute:02d}" if time.minute else ""
    return f"{hour}{minutes}{'am' if time.hour < 12 else 'pm'}"


def first_sentence(text: str) -> str:
    """The text up to its first sentence end: what a preheader can show of the lead."""
    text = " ".join(text.split())
    match = SENTENCE_END.search(text)
    return text[: match.end()].rstrip() if match else text


def is_weblink(value: object) -> bool:
    """True for an absolute http(s) URL: the only kind of link an email can safely carry."""
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def anchor(item_id: str) -> str:
    """The HTML id of an item's piece, so "Read the rest" can land on it in the web copy."""
    return "item-" + NOT_IN_ID.sub("-", str(item_id))


def web_copy_url(archive_url: str | None, number: int) -> str | None:
    """Where issue `number` is read in a browser: <archive_url>/issue-NNNN.html (None without an archive)."""
    return f"{archive_url.rstrip('/')}/issue-{number:04d}.html" if archive_url else None


def excerpt(paragraphs: tuple[str, ...], words: int) -> tuple[str, ...]:
    """The opening of a piece in about `words` words: whole paragraphs while they fit; a first
    paragraph that is longer on its own ends at its last full sentence within the limit (or at
    a word, with an ellipsis) so an excerpt never runs on for pages."""
    kept: list[str] = []
    for paragraph in paragraphs:
        count = sum(len(p.split()) for p in kept) + len(paragraph.split())
        if count <= words:
            kept.append(paragraph)
            continue
        if not kept:
            kept.append(_shortened(paragraph, words))
        break
    limit = words * EXCERPT_CHARS_PER_WORD
    if sum(len(p) for p in kept) > limit:  # a few enormous "words": a pasted blob, a hostile feed
        return (" ".join(kept)[:limit].rstrip() + "…",)
    return tuple(kept)


def _shortened(paragraph: str, words: int) -> str:
    head = " ".join(paragraph.split()[:words])
    ends = [m.end() for m in SENTENCE_END.finditer(head + " ")]
    if ends and len(head[: ends[-1]].split()) >= words // 2:
        return head[: ends[-1]].rstrip()
    return head.rstrip(",;:-–— ") + "…"


def same_text(a: object, b: object) -> bool:
    """Equal but for case and spacing (a lead titled like its section heading shows it once)."""
    return " ".join(str(a).split()).casefold() == " ".join(str(b).split()).casefold()


def builtin_templates() -> Path:
    """The shipped templates: inside the package in a wheel, else the repository's templates/."""
    package = Path(__file__).parent.parent
    packaged = package / "templates"
    return packaged if packaged.is_dir() else package.parent / "templates"


def template_folders(config: Config) -> list[Path]:
    """The editor's folder first, so a template there replaces the built-in one of the same name.
    A missing folder is an error: a typo would otherwise silently bring back the defaults."""
    if config.templates_dir and not config.templates_dir.is_dir():
        raise RenderError(f"[templates] dir: {config.templates_dir} is not a folder")
    return ([config.templates_dir] if config.templates_dir else []) + [builtin_templates()]


def make_environment(config: Config) -> jinja2.Environment:
    """Jinja2 set up for email: HTML autoescaped, undefined names fail loudly, tidy whitespace.

    Sandboxed (immutable): editors share template folders through git, and a template may
    shape the issue but never reach Python's internals, run commands or read the environment
    (`cycler.__init__.__globals__.os` is a SecurityError naming the file and line)."""
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=_InsideLoader(template_folders(config)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        long_date=long_date, clock=clock, first_sentence=first_sentence, wrap=wrap, underline=underline, anchor=anchor
    )
    images = config.email.images
    env.filters.update(
        email_html=lambda html: markupsafe.Markup(email_html(html, images=images)),
        html_text=lambda html, refs: html_text(html, refs, images=images),
    )
    env.tests.update(weblink=is_weblink, same_text=same_text)
    return env


class _InsideLoader(jinja2.FileSystemLoader):
    """Templates by name from the folders in order; a template whose real path is outside its folder
    (a symlink out) is skipped, with a warning in `warnings`, and the next folder's is used."""

    def __init__(self, folders: list[Path]):
        super().__init__([str(f) for f in folders])
        self.warnings: list[str] = []

    def get_source(self, environment: jinja2.Environment, template: str):
        for folder in self.searchpath:
            try:
                found = jinja2.FileSystemLoader(folder).get_source(environment, template)
            except jinja2.TemplateNotFound:
                continue
            real = Path(found[1]).resolve()
            if real.is_relative_to(Path(folder).resolve()):
                return found
            self.warnings.append(f"{found[1]}: a link to {real}, outside the templates folder {folder}, skipped")
        raise jinja2.TemplateNotFound(template)


def render_issue(issue: Issue, config: Config, *, web_url: str | None = None, audio_url: str | None = None) -> Rendered:
    """`issue` rendered; should an item make that fail, the issue without it, and a warning naming it.

    A template fault is raised as it is: the issue fails with no items, or with a plain stand-in
    for the failing item (the same item with ordinary text)."""
    links = {"web_url": web_url, "audio_url": audio_url}
    try:
        return _render_issue(issue, config, **links)
    except RenderError as failure:
        kept, dropped = _without_unrenderable(issue, config, links, failure)
    rendered = _render_issue(kept, config, **links)
    return replace(rendered, warnings=rendered.warnings + dropped)


def _without_unrenderable(issue: Issue, config: Config, links: dict, failure: RenderError):
    """The issue less each item that cannot be rendered alone, and one warning line per item left out."""
    sections = ("pieces", "hearing", "events")
    empty = replace(issue, lead=None, **{name: () for name in sections})
    if not _renders(empty, config, links):
        raise failure
    dropped, warnings = set(), []
    for item in issue.items:
        section = "lead" if item is issue.lead else next(s for s in sections if item in getattr(issue, s))
        if _renders(_alone(empty, section, item), config, links):
            continue
        if not _renders(_alone(empty, section, _stand_in(item)), config, links):
            raise failure
        dropped.add(id(item))
        warnings.append(f"left out {item.title!r} from {item.source}: it cannot be rendered ({failure})")
    if not dropped:
        raise failure
    kept = {name: tuple(i for i in getattr(issue, name) if id(i) not in dropped) for name in sections}
    lead = None if issue.lead is not None and id(issue.lead) in dropped else issue.lead
    return replace(issue, lead=lead, **kept), tuple(warnings)


def _alone(empty: Issue, section: str, item: Item) -> Issue:
    return replace(empty, **{section: item if section == "lead" else (item,)})


def _stand_in(item: Item) -> Item:
    """`item` with ordinary text in place of its own: what any working template renders."""
    return replace(
        item,
        title="Title",
        source="source",
        paragraphs=("Text.",),
        author=None,
        link=None,
        comments=(),
        html=None,
        summary=None,
    )


def _renders(issue: Issue, config: Config, links: dict) -> bool:
    try:
        _render_issue(issue, config, **links)
    except RenderError:
        return False
    return True


def _render_issue(
    issue: Issue, config: Config, *, web_url: str | None = None, audio_url: str | None = None
) -> Rendered:
    """Render both parts of `issue`, fitted to [email] size_budget_kb of inlined HTML (and always
    under Gmail's clip, where the rest of a message, unsubscribe link included, is hidden).

    Fitting goes step by step until the HTML fits: the longest pieces are cut to excerpts,
    then the lowest-ranked items move to the "More in the web edition" list (`Issue.overflow`),
    whole in the web copy and unspent for the next issue. Each step is a line of `cuts`.
    `web_url` is the issue's web copy (default: in the archive, `Config.archive_url`; None: no
    browser, forward or "Read the rest" links). `audio_url` is the issue read aloud ("Listen").
    """
    archive_url = config.archive_url
    web_url = web_url or web_copy_url(archive_url, issue.number)
    for key, url in (("web_url", web_url), ("[email].archive_url", archive_url), ("audio_url", audio_url)):
        if url is not None and not is_weblink(url):
            raise RenderError(f"{key} must be an absolute http(s) URL, not {url!r}")
    env = make_environment(config)
    subject = " ".join(issue.subject.split())  # composed (or edited) upstream; one line here
    context = dict(
        issue=issue,
        newsletter=config.newsletter,
        sections=config.sections,
        email=config.email,
        subject=subject,
        web_url=web_url,
        archive_url=archive_url,
        unsubscribe_url=UNSUBSCRIBE_TOKEN,
        manage_url=MANAGE_TOKEN,
        audio_url=audio_url,
        tip_url=config.tip_page,
        excerpts=frozenset(),
    )
    budget = min(config.email.size_budget_kb * 1024, HARD_LIMIT)
    html, css_warnings, cuts = _fit(env, context, budget, config.email.excerpt_words)
    if cuts:
        cuts.append(f"the excerpts link to the web copy, {web_url}" if web_url else _NO_WEB_COPY)
    text = _render(env, "email/issue.txt", {**context, "refs": LinkRefs()}).rstrip("\n") + "\n"
    for part, body in (("HTML", html), ("text", text)):
        try:
            body.encode("utf-8")
        except UnicodeEncodeError as e:  # a lone surrogate: no message or file could carry it
            raise RenderError(f"the {part} part cannot be written as UTF-8 ({e.reason})") from None
    warnings = css_warnings + tuple(env.loader.warnings) + _checks(html, text)
    fitted = _unexcerpted(context["issue"], issue)
    return Rendered(subject=subject, html=html, text=text, warnings=warnings, cuts=tuple(cuts), issue=fitted)


_NO_WEB_COPY = "no [email] archive_url, so no web copy: each excerpt links to its source where it has one"
# Gmail clips at 102 KB; personalising adds the unsubscribe URL (a few hundred bytes).
HARD_LIMIT = 100 * 1024


def _fit(env: jinja2.Environment, context: dict, budget: int, words: int) -> tuple[str, tuple[str, ...], list[str]]:
    """The fewest excerpts (longest first), then the fewest items moved out (lowest-ranked first),
    that make the HTML fit `budget`; `context` is left holding the issue as it fits.

    Each step is a bisection (more cuts or moves never make the HTML bigger), and a state
    whose HTML before inlining is far over the budget is refused without inlining it, so an
    issue of any size costs a few renders of about the budget's size, not one per item."""
    issue = context["issue"]
    longest = _cut_order(issue, words)
    found = _fewest(env, context, budget, len(longest), lambda k: (_cut(issue, longest[:k], words), longest[:k]))
    if found is not None:
        k, html, css_warnings = found
        return html, css_warnings, _cut_lines(longest[:k], words)
    cut = _cut(issue, longest, words)
    order = move_order(cut)
    found = _fewest(env, context, budget, len(order), lambda k: (moved(cut, order[:k]), longest))
    moves = found[0] if found else len(order)
    cuts = _cut_lines(longest, words) + _move_lines(order[:moves], found is not None, budget)
    if found is None:
        return (*_inlined(env, context), cuts)  # `_fewest` left the last state, every item moved out
    return found[1], found[2], cuts


def _fewest(env, context: dict, budget: int, most: int, state):
    """(k, html, warnings) for the least k in 0..most whose `state(k)` (an issue and the items cut
    to excerpts in it) fits the budget, or None; `context` is left holding that state (else `most`'s)."""

    def attempt(k: int):
        issue, cut = state(k)
        context.update(issue=issue, excerpts=frozenset(a.id for a in cut))
        page = _render(env, "email/issue.html", context)
        if _least_inlined_size(page) > budget:
            return None
        html, css_warnings = inline_css(page)
        return (k, html, css_warnings) if len(html.encode("utf-8", "surrogatepass")) <= budget else None

    best = attempt(0)
    if best is not None or most == 0:
        return best
    best, low, high = attempt(most), 0, most
    if best is None:
        return None
    while high - low > 1:  # `low` does not fit, `high` does
        middle = (low + high) // 2
        found = attempt(middle)
        best, low, high = (found, low, middle) if found else (best, middle, high)
    issue, cut = state(best[0])
    context.update(issue=issue, excerpts=frozenset(a.id for a in cut))
    return best


# Inlining never shrinks a page by more than its stylesheet (moved into attributes) and its
# character references written as characters; a page whose HTML before inlining is over the
# budget by more than that cannot fit and is not inlined at all.
_SHRINK = 0.7


def _least_inlined_size(page: str) -> float:
    start, end = page.find("<style>"), page.find("</style>")
    css = end - start if -1 < start < end else 0
    return (len(page.encode("utf-8", "surrogatepass")) - css) * _SHRINK


def _inlined(env, context: dict):
    return inline_css(_render(env, "email/issue.html", context))


def _cut_order(issue: Issue, words: int) -> list[Item]:
    """The articles an excerpt would shorten, longest first."""
    articles = [a for a in (issue.lead, *issue.pieces) if a]
    longer = [a for a in articles if a.html or excerpt(a.paragraphs, words) != a.paragraphs]
    return sorted(longer, key=_size_of, reverse=True)


def _size_of(item: Item) -> int:
    return len(item.html) if item.html else sum(len(p) for p in item.paragraphs)


def _cut(issue: Issue, items: list[Item], words: int) -> Issue:
    """`issue` with `items` cut to excerpts (their HTML form dropped for the shortened text)."""
    ids = {a.id for a in items}

    def short(a: Item | None) -> Item | None:
        return replace(a, paragraphs=excerpt(a.paragraphs, words), html=None) if a and a.id in ids else a

    return replace(issue, lead=short(issue.lead), pieces=tuple(short(p) for p in issue.pieces))


def _cut_lines(items: list[Item], words: int) -> list[str]:
    return [
        f"cut {_short(a.title)!r} to an excerpt ({sum(len(p.split()) for p in excerpt(a.paragraphs, words)):,} "
        f"of {a.word_count:,} words)"
        for a in items
    ]


def _move_lines(out: list[Item], fits: bool, budget: int) -> list[str]:
    titles = ", ".join(repr(_short(i.title)) for i in out[:5]) + (", …" if len(out) > 5 else "")
    lines = [f'moved {len(out)} lowest-ranked item(s) to "More in the web edition": {titles}']
    if not fits:
        lines.append(
            f"every item moved out and still over the {budget / 1024:.0f} KB budget: the templates and "
            "[email] settings alone are too big"
        )
    return lines


def move_order(issue: Issue) -> list[Item]:
    """Which items leave the email first: the last of the longest section (ties: hearing, then
    events, then pieces), so every section keeps its best; the lead goes last of all."""
    sections = {"hearing": list(issue.hearing), "events": list(issue.events), "pieces": list(issue.pieces)}
    order: list[Item] = []
    while any(sections.values()):
        name = max(sections, key=lambda s: len(sections[s]))
        order.append(sections[name].pop())
    return order + ([issue.lead] if issue.lead else [])


def moved(issue: Issue, out: list[Item]) -> Issue:
    """`issue` with the items `out` moved into its overflow, which keeps the issue's order."""
    gone = {item.id for item in out}

    def keep(items: tuple[Item, ...]) -> tuple[Item, ...]:
        return tuple(i for i in items if i.id not in gone)

    kept = replace(
        issue,
        lead=None if issue.lead and issue.lead.id in gone else issue.lead,
        pieces=keep(issue.pieces),
        hearing=keep(issue.hearing),
        events=keep(issue.events),
    )
    return replace(kept, overflow=issue.overflow + tuple(i for i in issue.items if i.id in gone))


def whole(issue: Issue) -> Issue:
    """`issue` with its overflow back in its sections: the web copy, which holds everything."""

    def by_kind(kind: str) -> tuple[Item, ...]:
        return tuple(i for i in issue.overflow if i.kind == kind)

    return replace(
        issue,
        pieces=issue.pieces + by_kind(ARTICLE),
        hearing=issue.hearing + by_kind(HEARING),
        events=issue.events + by_kind(EVENT),
        overflow=(),
    )


def _unexcerpted(fitted: Issue, original: Issue) -> Issue:
    """The fitted issue's sections with the original (whole) items: what the store and web copy keep."""
    full = {item.id: item for item in original.items + original.overflow}

    def back(items: tuple[Item, ...]) -> tuple[Item, ...]:
        return tuple(full.get(i.id, i) for i in items)

    return replace(
        fitted,
        lead=full.get(fitted.lead.id, fitted.lead) if fitted.lead else None,
        pieces=back(fitted.pieces),
        hearing=back(fitted.hearing),
        events=back(fitted.events),
        overflow=back(fitted.overflow),
    )


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _checks(html: str, text: str) -> tuple[str, ...]:
    """Faults an editor's template can introduce that would cost deliverability."""
    found = []
    for part, body in (("HTML", html), ("text", text)):
        if UNSUBSCRIBE_TOKEN not in body:
            found.append(f"the {part} part has no unsubscribe link ({UNSUBSCRIBE_TOKEN})")
    return tuple(found)


def _render(env: jinja2.Environment, name: str, context: dict) -> str:
    """Render one template; any fault becomes a RenderError naming the template file and line."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as e:
        raise RenderError(f"{e.filename or e.name}, line {e.lineno}: {e.message}") from None
    except jinja2.TemplateNotFound as e:
        where = _where(e, env) or "templates"
        raise RenderError(f"{where}: template {e.name!r} not found in {', '.join(env.loader.searchpath)}") from None
    except Exception as e:  # an editor's template can fail in any way at run time
        raise RenderError(f"{_where(e, env) or name}: {type(e).__name__}: {e}") from e


def _where(error: BaseException, env: jinja2.Environment) -> str | None:
    """ "<file>, line <n>" of the innermost template frame (Jinja maps its frames to template lines)."""
    roots = tuple(str(Path(p)) + "/" for p in env.loader.searchpath)
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(roots)]
    return f"{frames[-1].filename}, line {frames[-1].lineno}" if frames else None


class _CssutilsLines(logging.Handler):
    """Keeps cssutils' complaints as warning lines, minus properties that only email clients know."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        unknown = UNKNOWN_PROPERTY.search(message)
        if not (unknown and unknown.group(1).startswith(EMAIL_PROPERTIES)):
            self.lines.append(f"CSS: {message}")


@contextlib.contextmanager
def _cssutils_quiet():
    """cssutils logs to stderr (and up to the root logger) through one global logger: hold its
    handlers aside and stop propagation while we inline, so only our handler hears it."""
    logger = logging.getLogger("CSSUTILS")
    with _CSSUTILS_LOG:
        saved, level, propagate = list(logger.handlers), logger.level, logger.propagate
        for handler in saved:
            logger.removeHandler(handler)
        logger.propagate = False
        try:
            yield
        finally:
            for handler in list(logger.handlers):  # premailer added ours; it must not outlive this call
                logger.removeHandler(handler)
            for handler in saved:
                logger.addHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate


@functools.cache
def _teach_cssutils() -> None:
    import cssutils

    cssutils.profile.addProfile("email text wrapping", TEXT_WRAPPING)


def inline_css(page: str) -> tuple[str, tuple[str, ...]]:
    """Inline the <style> rules into style="" attributes, once per issue; media queries stay in
    the head. Returns the HTML and what cssutils and premailer complained about."""
    import premailer  # slow to import (cssutils, requests): only when an issue is rendered

    _teach_cssutils()

    lines = _CssutilsLines()
    with _cssutils_quiet(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        inliner = premailer.Premailer(
            allow_network=False,
            allow_loading_external_files=False,
            strip_important=False,  # media-query rules need !important to beat inline styles
            cache_css_parsing=False,  # a cached parse logs nothing, so warnings would vanish on reuse
            cssutils_logging_handler=lines,
            cssutils_logging_level=logging.WARNING,
        )
        try:
            html = inliner.transform(page)
        except Exception as e:  # lxml and cssutils raise their own types on a broken page
            raise RenderError(f"inlining CSS failed: {type(e).__name__}: {e}") from e
    found = lines.lines + [f"premailer: {w.message}" for w in caught]
    return html, tuple(found)


def render_page(config: Config, name: str, **context) -> str:
    """A web page of the archive from template `name`: the email's filters and config sections,
    no inlining (a browser reads <style>), and no unsubscribe_url in the context, so no template
    can put a personal link on a public page (StrictUndefined fails it instead)."""
    env = make_environment(config)
    base = dict(
        newsletter=config.newsletter,
        sections=config.sections,
        email=config.email,
        excerpts=frozenset(),
        tip_url=config.tip_page,
    )
    return _render(env, name, {**base, **context})
