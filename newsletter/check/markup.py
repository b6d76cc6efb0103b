"""Lint an issue's HTML for what mail clients break or ignore (DESIGN.md section 3).

Pure: a string in, Findings out. lxml reads the HTML as a browser would, forgivingly, so a
broken page still gets its findings instead of an exception. Messages give the HTML part's
line number, since that is where an editor looks.
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from ..models import ERROR, WARNING, Finding

# Gmail hides everything after about 102 KB of HTML, often including the unsubscribe link.
GMAIL_CLIP_BYTES = 102 * 1024
# Gmail drops a whole <style> block over 16 KB.
GMAIL_STYLE_BYTES = 16 * 1024
TEMPLATE_SYNTAX = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}|%7B%7B|%7B%25|%25%7D|%7D%7D", re.I)
STYLE_TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%|\{#")  # CSS has its own braces: only openers count
WORD = re.compile(r"\S+")
CONSTRUCT = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)  # one whole tag, opener to closer


def content_words(texts) -> frozenset[str]:
    """The issue's own content (items' text, the subject) that looks like template syntax: its
    whole tags (`{{ 7*7 }}`, spaces folded) and its words holding a lone brace pair. An article
    quoting `{{7*7}}` is escaped content, shown as written, not a leftover."""
    found = set()
    for text in filter(None, texts):
        found.update(_fold(m.group()) for m in CONSTRUCT.finditer(text))
        found.update(w for w in WORD.findall(CONSTRUCT.sub(" ", text)) if TEMPLATE_SYNTAX.search(w))
    return frozenset(found)


def leftover(pattern: re.Pattern, text: str, content: frozenset[str]) -> re.Match | None:
    """The first template syntax in `text` that is not the content's own: a whole tag is judged
    as a whole, a lone brace pair by the word it stands in."""
    at = 0
    while hit := pattern.search(text, at):
        tag = CONSTRUCT.match(text, hit.start())
        if tag:
            if _fold(tag.group()) not in content:
                return hit
            at = tag.end()
            continue
        word = next(w for w in WORD.finditer(text) if w.start() <= hit.start() < w.end())
        if word.group() not in content:
            return hit
        at = hit.end()
    return None


def _fold(tag: str) -> str:
    return " ".join(tag.split())


FORBIDDEN = ("script", "form", "iframe", "object", "embed", "applet", "frame", "frameset", "base")
# Inline CSS that Outlook (Word), Gmail or Yahoo ignore, so a layout leaning on it falls apart.
IGNORED_CSS = (
    ("css-flex-grid", "flexbox or grid",
     re.compile(r"(?<![-\w])display\s*:\s*(inline-)?(flex|grid)\b|(?<![-\w])(flex|grid)(-[a-z-]+)?\s*:", re.I)),
    ("css-position", "position", re.compile(r"(?<![-\w])position\s*:\s*(absolute|relative|fixed|sticky)", re.I)),
    ("css-float", "float", re.compile(r"(?<![-\w])float\s*:\s*(left|right)", re.I)),
    ("css-negative-margin", "a negative margin",
     re.compile(r"(?<![-\w])margin(-[a-z]+)?\s*:[^;]*?(?<![\w.#-])-(\d|\.\d)", re.I)),
    ("css-important", "!important (it also stops media queries from overriding the rule)",
     re.compile(r"!\s*important", re.I)),
)  # fmt: skip
RULE = re.compile(r"([^{}]+)\{[^{}]*\}")
INTERACTIVE = re.compile(r":(hover|focus|active|visited|focus-within|focus-visible)\b")


def check_html(
    html: str, *, budget_bytes: int, placeholders: tuple[str, ...] = (), content: frozenset[str] = frozenset()
) -> list[Finding]:
    """Everything wrong with `html` as an email body; `placeholders` are hrefs replaced per
    recipient at send time (such as the unsubscribe sentinel), so not links yet; `content`
    is `content_words` of the issue's items."""
    found = _size(html, budget_bytes)
    try:
        doc = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError) as e:
        return found + [Finding(ERROR, "html-unreadable", f"the HTML part cannot be parsed: {e}")]
    return (
        found + _document(html, doc) + _forbidden(doc) + _images(doc) + _links(doc, placeholders)
        + _template_syntax(doc, content) + _inline_css(doc) + _style_block(doc)
    )  # fmt: skip


def _kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def _size(html: str, budget: int) -> list[Finding]:
    size = len(html.encode("utf-8"))
    if size > GMAIL_CLIP_BYTES:
        return [
            Finding(
                ERROR,
                "size-gmail",
                f"the HTML is {_kb(size)}: Gmail clips messages over "
                f"{_kb(GMAIL_CLIP_BYTES)} and hides the rest, unsubscribe link included",
            )
        ]
    if size > budget:
        return [
            Finding(
                WARNING,
                "size-budget",
                f"the HTML is {_kb(size)}, over the budget of {_kb(budget)} ([email] size_budget_kb)",
            )
        ]
    return []


def _short(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _describe(el) -> str:
    """'<a class="x" href="…"> "its text" (line 12)': enough to find the element in the file."""
    attrs = "".join(f' {k}="{_short(el.get(k))}"' for k in ("class", "href", "src") if el.get(k) is not None)
    text = _short(el.text_content()) if el.tag not in ("style", "img") else ""
    return f"<{el.tag}{attrs}>" + (f" {text!r}" if text else "") + f" (line {el.sourceline})"


def _document(html: str, doc) -> list[Finding]:
    """The document scaffolding that decides rendering mode, language, encoding and phone scaling."""
    head, body = doc.find("head"), doc.find("body")
    missing = []
    if not re.match(r"\s*(<!--.*?-->\s*)*<!doctype\s+html", html, re.I | re.S):  # lxml supplies one when absent
        missing.append("<!DOCTYPE html> (without it clients render in quirks mode)")
    if not doc.get("lang"):
        missing.append("lang on <html>")
    if head is None or head.find("meta[@charset]") is None:
        missing.append('<meta charset="utf-8">')
    if head is None or not [m for m in head.iter("meta") if m.get("name") == "viewport"]:
        missing.append("a viewport <meta> (phones would shrink the page)")
    if head is None or not (head.findtext("title") or "").strip():
        missing.append("a <title>")
    first = body[0] if body is not None and len(body) else None
    if first is None or not first.get("lang"):
        missing.append("lang on the first element in <body> (clients replace <body> and lose its attributes)")
    return [Finding(WARNING, "document", f"the HTML has no {what}") for what in missing]


def _forbidden(doc) -> list[Finding]:
    found = []
    for tag in FORBIDDEN:
        elements = list(doc.iter(tag))
        if elements:
            found.append(
                Finding(
                    ERROR,
                    "forbidden-element",
                    f"{_describe(elements[0])}: mail clients strip or "
                    f"block <{tag}>" + (f" ({len(elements)} in all)" if len(elements) > 1 else ""),
                )
            )
    for link in doc.iter("link"):
        if "stylesheet" in (link.get("rel") or "").lower():
            found.append(
                Finding(
                    ERROR,
                    "forbidden-element",
                    f'<link rel="stylesheet"> (line {link.sourceline}): '
                    "clients load no external stylesheets; inline the CSS",
                )
            )
    return found


def _is_web(url: str, schemes: tuple[str, ...] = ("https",)) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in schemes and bool(parts.netloc)


def _images(doc) -> list[Finding]:
    found = []
    for img in doc.iter("img"):
        src = (img.get("src") or "").strip()
        if img.get("alt") is None:
            found.append(Finding(ERROR, "img-alt", f"{_describe(img)} has no alt text (images are often blocked)"))
        if not src:
            found.append(Finding(ERROR, "img-src", f"{_describe(img)} has no src"))
        elif not _is_web(src):
            why = "http: is blocked or flagged" if _is_web(src, ("http",)) else "it will not load in a mail client"
            found.append(Finding(ERROR, "img-src", f"{_describe(img)}: src is not an absolute https URL ({why})"))
        if not img.get("width"):
            found.append(
                Finding(
                    WARNING, "img-width", f"{_describe(img)} has no width attribute (Outlook shows it at its full size)"
                )
            )
    return found


def _links(doc, placeholders: tuple[str, ...]) -> list[Finding]:
    found = []
    for a in doc.iter("a", "area"):
        href = a.get("href")
        if href is None or href.strip() in placeholders or TEMPLATE_SYNTAX.search(href):
            continue  # an anchor (no href), a per-recipient value, or template syntax (reported as such)
        href = href.strip()
        scheme = href.split(":", 1)[0].lower() if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", href) else ""
        if not href:
            found.append(Finding(ERROR, "link-empty", f"{_describe(a)} has an empty href"))
        elif scheme in ("javascript", "vbscript", "data"):
            found.append(
                Finding(ERROR, "link-script", f"{_describe(a)}: {scheme}: links are blocked and look like phishing")
            )
        elif not scheme:
            found.append(Finding(ERROR, "link-relative", f"{_describe(a)}: a relative link leads nowhere in an email"))
        elif scheme in ("http", "https") and not _is_web(href, ("http", "https")):
            found.append(Finding(ERROR, "link-relative", f"{_describe(a)} has no host"))
        elif scheme == "http":
            found.append(Finding(WARNING, "link-http", f"{_describe(a)} is not https (flagged by some clients)"))
        elif scheme not in ("https", "mailto", "tel"):
            found.append(Finding(WARNING, "link-scheme", f"{_describe(a)}: mail clients may not open {scheme}: links"))
    return found


def _template_syntax(doc, content: frozenset[str]) -> list[Finding]:
    """Jinja that was never rendered: a broken override or a value that was itself a template."""
    found = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue  # comments and processing instructions
        own = STYLE_TEMPLATE_SYNTAX if el.tag == "style" else TEMPLATE_SYNTAX
        texts = [(own, el.text or ""), (TEMPLATE_SYNTAX, el.tail or "")]
        texts += [(TEMPLATE_SYNTAX, value) for value in el.attrib.values()]
        hit = next((m for pattern, t in texts if (m := leftover(pattern, t, content))), None)
        if hit:
            found.append(
                Finding(
                    ERROR,
                    "template-syntax",
                    f"leftover template syntax {hit.group()!r} in "
                    f"{_describe(el)}: {_short(hit.string[max(0, hit.start() - 20) : hit.end() + 20])!r}",
                )
            )
    return found


def _inline_css(doc) -> list[Finding]:
    """One finding per kind of ignored CSS, naming the first element and counting the rest."""
    seen: dict[str, list] = defaultdict(list)
    for el in doc.iter():
        style = el.get("style") if isinstance(el.tag, str) else None
        for code, what, pattern in IGNORED_CSS if style else ():
            if match := pattern.search(style):
                seen[code].append((el, what, match.group()))
    found = []
    for code, hits in seen.items():
        el, what, declaration = hits[0]
        more = f" and {len(hits) - 1} more element(s)" if len(hits) > 1 else ""
        found.append(
            Finding(
                ERROR,
                code,
                f"inline style {_short(declaration)!r} of {_describe(el)}{more}: "
                f"{what} is ignored by major mail clients",
            )
        )
    return found


def _style_block(doc) -> list[Finding]:
    """The head <style>: its size, and rules premailer left in it that style elements by class
    (only media queries and interaction states belong there: Gmail may drop the block)."""
    css = "\n".join(style.text or "" for style in doc.iter("style"))
    found = []
    if len(css.encode("utf-8")) > GMAIL_STYLE_BYTES:
        found.append(
            Finding(
                WARNING,
                "style-size",
                f"<style> holds {_kb(len(css.encode()))}: Gmail drops a block "
                f"over {_kb(GMAIL_STYLE_BYTES)}, media queries and all",
            )
        )
    if "@import" in css:
        found.append(Finding(ERROR, "forbidden-element", "<style> uses @import: clients load no external stylesheets"))
    selectors: dict[str, str] = {}
    for group in RULE.findall(_outside_at_rules(css)):
        for selector in group.split(","):
            if not INTERACTIVE.search(selector):
                for name in re.findall(r"\.([-\w]+)", selector):
                    selectors.setdefault(name, " ".join(selector.split()))
    users: dict[str, list] = defaultdict(list)
    for el in doc.iter():
        for name in (el.get("class") or "").split() if isinstance(el.tag, str) else ():
            if name in selectors:
                users[name].append(el)
    for name, elements in users.items():
        more = f" and {len(elements) - 1} more" if len(elements) > 1 else ""
        found.append(
            Finding(
                WARNING,
                "class-only",
                f"{_describe(elements[0])}{more}: styled by "
                f"'{selectors[name]}' in <style>, which premailer could not inline and Gmail drops",
            )
        )
    return found


def _outside_at_rules(css: str) -> str:
    """`css` without comments and without @media/@supports/... blocks or @import lines."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out, i = [], 0
    while (at := css.find("@", i)) != -1:
        out.append(css[i:at])
        brace, semicolon = css.find("{", at), css.find(";", at)
        if brace == -1 or (semicolon != -1 and semicolon < brace):
            i = len(css) if semicolon == -1 else semicolon + 1
            continue
        depth, j = 0, brace
        while j < len(css):
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
            if depth == 0:
                break
        i = j
    return "".join(out) + css[i:]
