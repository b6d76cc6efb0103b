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
from pathlib import Path
from urllib.parse import urlsplit

import jinja2

from .config import Config
from .errors import RenderError
from .models import Issue, Rendered
from .textwrap_links import LinkRefs, underline, wrap

# Replaced per recipient after inlining (premailer would URL-encode `{{ }}` in an href).
UNSUBSCRIBE_TOKEN = "%%UNSUBSCRIBE_URL%%"
# Gmail hides everything after about 102 KB of HTML, often including the unsubscribe link.
GMAIL_CLIP_BYTES = 102 * 1024

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
# Properties email clients need that cssutils' CSS 2.1/3 profiles do not know.
EMAIL_PROPERTIES = ("-webkit-", "-ms-", "mso-", "color-scheme", "supported-color-schemes")
UNKNOWN_PROPERTY = re.compile(r"Unknown Property name\. \[\d+:\d+: ([-\w]+)\]")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u2019\u201d)]*\s")

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


def same_text(a: object, b: object) -> bool:
    """Equal but for case and spacing (a lead titled like its section heading shows it once)."""
    return " ".join(str(a).split()).casefold() == " ".join(str(b).split()).casefold()


def builtin_templates() -> Path:
    """The shipped templates: inside the package in a wheel, else the repository's templates/."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


def template_folders(config: Config) -> list[Path]:
    """The editor's folder first, so a template there replaces the built-in one of the same name."""
    return ([config.templates_dir] if config.templates_dir else []) + [builtin_templates()]


def make_environment(config: Config) -> jinja2.Environment:
    """Jinja2 set up for email: HTML autoescaped, undefined names fail loudly, tidy whitespace."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in template_folders(config)]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(long_date=long_date, clock=clock, first_sentence=first_sentence, wrap=wrap, underline=underline)
    env.tests.update(weblink=is_weblink, same_text=same_text)
    return env


def render_issue(issue: Issue, config: Config, *, web_url: str | None = None) -> Rendered:
    """Render both parts of `issue`; `web_url` is its web copy (None: no browser/forward links)."""
    archive_url = config.email.archive_url or None
    for key, url in (("web_url", web_url), ("[email].archive_url", archive_url)):
        if url is not None and not is_weblink(url):
            raise RenderError(f"{key} must be an absolute http(s) URL, not {url!r}")
    env = make_environment(config)
    subject = " ".join(issue.subject.split())  # composed (or edited) upstream; one line here
    context = dict(
        issue=issue, newsletter=config.newsletter, sections=config.sections, email=config.email,
        subject=subject, web_url=web_url, archive_url=archive_url, unsubscribe_url=UNSUBSCRIBE_TOKEN,
    )
    page = _render(env, "email/issue.html", context)
    text = _render(env, "email/issue.txt", {**context, "refs": LinkRefs()}).rstrip("\n") + "\n"
    html, css_warnings = inline_css(page)
    return Rendered(subject=subject, html=html, text=text, warnings=css_warnings + _checks(html, text))


def _checks(html: str, text: str) -> tuple[str, ...]:
    """Faults an editor's template can introduce that would cost deliverability."""
    found = []
    size = len(html.encode("utf-8"))
    if size > GMAIL_CLIP_BYTES:
        found.append(f"HTML is {size} bytes; Gmail clips messages over {GMAIL_CLIP_BYTES} bytes")
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
