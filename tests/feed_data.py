"""Small feeds written for the tests, and a config that fetches them from a test server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.sax.saxutils import escape

from newsletter import config

NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.timezone.utc)
RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
LONG_TEXT = "The board met on Tuesday and agreed the plan for the winter after a long debate about money. "


def entry(n: int, **fields) -> dict:
    """An RSS item's fields; None leaves a field out."""
    values = {
        "title": f"Entry {n}",
        "link": f"https://news.example/{n}",
        "guid": f"guid-{n}",
        "pubDate": f"Mon, {n + 1:02d} Nov 2026 08:00:00 GMT",
        "description": f"<p>Body of entry {n}. {LONG_TEXT}</p>",
    }
    values.update(fields)
    return values


def rss(*entries: dict, head: str = "", extra: str = "") -> bytes:
    """An RSS 2.0 document; `head` goes right after the XML declaration, `extra` into the channel."""
    items = "".join(
        "<item>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in e.items() if v is not None) + "</item>"
        for e in entries
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{head}\n<rss version="2.0"><channel><title>Test feed</title>'
        f"<link>https://news.example/</link><description>d</description>{extra}{items}</channel></rss>"
    ).encode()


def settings(folder: Path, feeds: list[dict], **fetch) -> config.Config:
    """A config in `folder` (with an empty corpus) listing `feeds` (each: url, name; section defaults to news)."""
    (folder / "seeds").mkdir(exist_ok=True)
    entries = [{"section": "news", **feed} for feed in feeds]
    fetch = {"workers": 1, "read_timeout": 5, "connect_timeout": 5, **fetch}
    return config.from_dict({"fetch": fetch, "feeds": entries}, folder / "config.toml")
