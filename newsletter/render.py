"""Issue -> Rendered(subject, html, text): Jinja2 templates, then premailer once per issue.

Every word a reader sees that is not content (section titles, "Read more", footer lines)
comes from config or the templates; this module supplies data, filters and the inlining.
"""

from __future__ import annotations

import contextlib
import datetime as dt
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

from .config import Config
from .errors import RenderError
from .models import Issue, Rendered
from .textwrap_links import LinkRefs, underline, wrap

# Replaced per recipient after inlining (premailer would URL-encode `{{ }}` in an href).
UNSUBSCRIBE_TOKEN = "%%UNSUBSCRIBE_URL%%"
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
# Properties email clients need that cssutils' CSS 2.1/3 profiles do not know.
EMAIL_PROPERTIES = ("-webkit-", "-ms-", "mso-", "color-scheme", "supported-color-schemes")
UNKNOWN_PROPERTY = re.compile(r"Unknown Property name\. \[\d+:\d+: ([-\w]+)\]")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u2019\u201d)]*\s")
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
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


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
        loader=jinja2.FileSystemLoader([str(f) for f in template_folders(config)]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        long_date=long_date, clock=clock, first_sentence=first_sentence, wrap=wrap, underline=underline, anchor=anchor
    )
    env.tests.update(weblink=is_weblink, same_text=same_text)
    return env


def render_issue(issue: Issue, config: Config, *, web_url: str | None = None) -> Rendered:
    """Render both parts of `issue`, its longest pieces cut to excerpts while the inlined HTML is
    over [email] size_budget_kb (Gmail clips long messages, often above the unsubscribe link).

    `web_url` is the issue's web copy (default: in the archive, `Config.archive_url`; None: no
    browser, forward or "Read the rest" links).
    """
    archive_url = config.archive_url
    web_url = web_url or web_copy_url(archive_url, issue.number)
    for key, url in (("web_url", web_url), ("[email].archive_url", archive_url)):
        if url is not None and not is_weblink(url):
            raise RenderError(f"{key} must be an absolute http(s) URL, not {url!r}")
    env = make_environment(config)
    subject = " ".join(issue.subject.split())  # composed (or edited) upstream; one line here
    context = dict(
        issue=issue, newsletter=config.newsletter, sections=config.sections, email=config.email,
        subject=subject, web_url=web_url, archive_url=archive_url, unsubscribe_url=UNSUBSCRIBE_TOKEN,
        excerpts=frozenset(),
    )
    cuts: list[str] = []
    while True:
        html, css_warnings = inline_css(_render(env, "email/issue.html", context))
        if len(html.encode("utf-8")) <= config.email.size_budget_kb * 1024:
            break
        cut = _cut_longest(context["issue"], context["excerpts"], config.email.excerpt_words)
        if cut is None:
            break
        context["issue"], cut_id, note = cut
        context["excerpts"] |= {cut_id}
        cuts.append(note)
    if cuts:
        cuts.append(f"the excerpts link to the web copy, {web_url}" if web_url else _NO_WEB_COPY)
    text = _render(env, "email/issue.txt", {**context, "refs": LinkRefs()}).rstrip("\n") + "\n"
    warnings = css_warnings + _checks(html, text)
    return Rendered(subject=subject, html=html, text=text, warnings=warnings, cuts=tuple(cuts))


_NO_WEB_COPY = "no [email] archive_url, so no web copy: each excerpt links to its source where it has one"


def _cut_longest(issue: Issue, done: frozenset, words: int) -> tuple[Issue, str, str] | None:
    """`issue` with its longest uncut article cut to an excerpt, that article's id and a line
    saying so; None when no article is left that an excerpt would shorten."""
    articles = [a for a in (issue.lead, *issue.pieces) if a and a.id not in done]
    longer = [a for a in articles if excerpt(a.paragraphs, words) != a.paragraphs]
    if not longer:
        return None
    longest = max(longer, key=lambda a: sum(len(p) for p in a.paragraphs))
    short = replace(longest, paragraphs=excerpt(longest.paragraphs, words))
    issue = replace(
        issue,
        lead=short if issue.lead is longest else issue.lead,
        pieces=tuple(short if p is longest else p for p in issue.pieces),
    )
    words = f"{short.word_count:,} of {longest.word_count:,} words"
    return issue, short.id, f"cut {longest.title!r} to an excerpt ({words})"


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


def inline_css(page: str) -> tuple[str, tuple[str, ...]]:
    """Inline the <style> rules into style="" attributes, once per issue; media queries stay in
    the head. Returns the HTML and what cssutils and premailer complained about."""
    import premailer  # slow to import (cssutils, requests): only when an issue is rendered

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
    base = dict(newsletter=config.newsletter, sections=config.sections, email=config.email, excerpts=frozenset())
    return _render(env, name, {**base, **context})
