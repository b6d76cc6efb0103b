"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) -> Entries; feedparser 6 does not read JSON.

Per the spec: `id` is required and a number is read as its string; `content_html`
wins over `content_text`; 1.1's `authors` array supersedes 1.0's `author` object;
dates are RFC 3339. Relative URLs are resolved against the feed's URL.
"""

from __future__ import annotations

import datetime as dt
import json

from .entries import Entry
from .sanitize import one_line, text_to_html

VERSION_PREFIX = "https://jsonfeed.org/version/1"
MEDIA_TYPES = ("application/feed+json", "application/json")


def looks_like_json(body: bytes, content_type: str) -> bool:
    """A JSON media type, or a body that starts (after a BOM and spaces) with an object."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media in MEDIA_TYPES or body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def parse_json_feed(body: bytes, base: str) -> list[Entry]:
    """The entries of a JSON Feed; ValueError with a readable reason when it is not one."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"not valid JSON ({e})") from None
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(VERSION_PREFIX):
        raise ValueError("JSON but not a JSON Feed (no jsonfeed.org version)")
    items = data.get("items")
    if not isinstance(items, list):
        raise ValueError("JSON Feed without an items list")
    feed_authors = _author(data)
    return [_entry(item, base, feed_authors) for item in items if isinstance(item, dict)]


def _entry(item: dict, base: str, feed_author: str | None) -> Entry:
    content = _text(item.get("content_html"))
    if content is None and _text(item.get("content_text")) is not None:
        content = text_to_html(item["content_text"])
    return Entry(
        guid=_id(item.get("id")),
        link=_text(item.get("url")) or _text(item.get("external_url")),
        title=one_line(item["title"]) if _text(item.get("title")) else None,
        author=_author(item) or feed_author,
        published=_date(item.get("date_published")) or _date(item.get("date_modified")),
        summary=text_to_html(item["summary"]) if _text(item.get("summary")) else None,
        content=content,
        base=base,
        enclosure=_attachment(item.get("attachments")),
    )


def _attachment(attachments) -> str | None:
    """The first attachment's URL (JSON Feed's enclosures)."""
    urls = (_text(a.get("url")) for a in attachments if isinstance(a, dict)) if isinstance(attachments, list) else ()
    return next(filter(None, urls), None)


def _id(value) -> str | None:
    """The spec's id is a string; a number is read as its string."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return str(value) or None


def _author(holder: dict) -> str | None:
    """1.1's `authors` names, else 1.0's `author` name."""
    authors = holder.get("authors")
    if not isinstance(authors, list):
        authors = [holder.get("author")]
    names = [one_line(a["name"]) for a in authors if isinstance(a, dict) and _text(a.get("name"))]
    return ", ".join(names) or None


def _date(value) -> dt.datetime | None:
    """An RFC 3339 date in UTC; a date without a zone is taken as UTC, as the spec requires a zone."""
    if not isinstance(value, str):
        return None
    try:
        stamp = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return stamp.astimezone(dt.timezone.utc) if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)


def _text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
