"""Generated feeds for the selection tests and the build benchmark: one per class of input.

Each generator writes a feed file and returns its path; sizes and dates are parameters, so
a test can ask for 5,000 entries or 10 years of them without pasting a sample.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from xml.sax.saxutils import escape

LONG_URL = "https://very-long-host-name.example.org/" + "/".join(f"segment-{n}-{'x' * 30}" for n in range(12))
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 6


def rich_body(n: int) -> str:
    """HTML a real news feed carries: links, emphasis, lists, a quote, code, a table, images
    (https with alt, http, and without alt), a very long URL and a very long word."""
    return (
        f"<p>Story {n} opens with <a href='https://news.example/{n}'>a link</a>, <em>emphasis</em> and "
        f"<strong>strong words</strong>. See {LONG_URL}?story={n} for the full dataset.</p>"
        f"<ul><li>First point of {n}</li><li>Second point, <a href='{LONG_URL}'>long link</a></li></ul>"
        f"<ol start='3'><li>Third</li><li>Fourth</li></ol>"
        f"<blockquote><p>A quotation from a minister about item {n}.</p></blockquote>"
        f"<pre><code>select * from waiting_lists where trust = '{LONG_WORD}';</code></pre>"
        f"<table><tr><th>Trust</th><th>Waiting</th><th>{LONG_WORD}</th></tr><tr><td>North</td><td>{n}</td>"
        f"<td>{LONG_URL}</td></tr></table>"
        f"<p><img src='https://img.example/{n}.png' alt='Chart {n}' width='1200' height='800'>"
        f"<img src='http://img.example/{n}-plain.png' alt='Plain http'><img src='https://img.example/{n}-noalt.png'>"
        f"</p><p>{LONG_WORD} closes story {n}.</p>"
    )


def rss(path: Path, items: list[str]) -> Path:
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>t</title>'
        "<link>https://news.example/</link><description>d</description>" + "".join(items) + "</channel></rss>",
        encoding="utf-8",
    )
    return path


def rss_item(
    guid: str,
    *,
    title: str | None = None,
    when: dt.datetime | None = None,
    body: str | None = None,
    link: str | None = None,
    enclosure: str | None = None,
) -> str:
    parts = [f'<guid isPermaLink="false">{escape(guid)}</guid>']
    parts += [f"<title>{escape(title)}</title>"] if title else []
    parts += [f"<link>{escape(link)}</link>"] if link else []
    parts += [f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"] if when else []
    parts += [f"<description>{escape(body)}</description>"] if body else []
    parts += [f'<enclosure url="{escape(enclosure)}" length="1000" type="audio/mpeg"/>'] if enclosure else []
    return "<item>" + "".join(parts) + "</item>"


def big_feed(path: Path, now: dt.datetime, count: int = 5000, rich: int = 100) -> Path:
    """`count` entries, one an hour back from `now`; the newest `rich` carry rich HTML."""
    return rss(
        path,
        [
            rss_item(
                f"big-{n}",
                title=f"Big story {n}",
                when=now - dt.timedelta(hours=n),
                body=rich_body(n) if n < rich else f"<p>Story {n}, in <em>brief</em>.</p>",
                link=f"https://news.example/big/{n}",
            )
            for n in range(count)
        ],
    )


def backlog_feed(path: Path, now: dt.datetime, years: int = 10) -> Path:
    """One entry a day for `years` years."""
    days = years * 365
    return rss(
        path,
        [
            rss_item(
                f"old-{n}",
                title=f"Backlog {n} days ago",
                when=now - dt.timedelta(days=n, hours=2),
                body=f"<p>From {n} days ago.</p>",
                link=f"https://archive.example/{n}",
            )
            for n in range(days)
        ],
    )


def odd_feed(path: Path, now: dt.datetime) -> Path:
    """Far-future dates, empty entries and enclosure-only ones."""
    items = [
        rss_item(
            f"future-{year}",
            title=f"Dated {year}",
            when=dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc),
            body="<p>From the future.</p>",
            link=f"https://odd.example/{year}",
        )
        for year in (2100, 2999, 9999)
    ]
    items += [rss_item(f"empty-{n}") for n in range(5)]
    items += [rss_item(f"episode-{n}", enclosure=f"https://cdn.example/episode-{n}.mp3", when=now) for n in range(3)]
    return rss(path, items)


def hearing_feed(path: Path, now: dt.datetime, count: int = 20_000) -> Path:
    """A JSON Feed of `count` short "I'm hearing" lines, a minute apart."""
    items = [
        {
            "id": f"h{n}",
            "content_text": f"I'm hearing rumour number {n} about a merger.",
            "date_published": (now - dt.timedelta(minutes=n)).isoformat(),
        }
        for n in range(count)
    ]
    path.write_text(
        json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "h", "items": items}), encoding="utf-8"
    )
    return path


def feeds_config(folder: Path, now: dt.datetime) -> str:
    """[[feeds]] tables for every generated feed, written into `folder`."""
    feeds = (
        (big_feed(folder / "big.xml", now), "Big", "news"),
        (backlog_feed(folder / "backlog.xml", now), "Backlog", "news"),
        (odd_feed(folder / "odd.xml", now), "Odd", "news"),
        (hearing_feed(folder / "hearing.json", now), "Whispers", "hearing"),
    )
    return "".join(
        f'\n[[feeds]]\nurl = "{path}"\nname = "{name}"\nsection = "{section}"\n' for path, name, section in feeds
    )
