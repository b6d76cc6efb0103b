"""The podcast feed: RSS 2.0 with the iTunes tags podcast apps read, one item per issue's MP3.

Written with feedgen. Each episode's GUID names the issue, not the file, so rebuilding the
audio (an edited issue, a new voice) updates the episode instead of adding a second one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

EPISODES = 50


@dataclass(frozen=True)
class Show:
    title: str
    description: str
    link: str  # the archive's index page
    feed_url: str  # where this feed is published
    language: str
    author: str


@dataclass(frozen=True)
class Item:
    guid: str
    title: str
    summary: str
    url: str  # the MP3
    page: str  # the archive page
    length: int  # bytes
    seconds: float
    published: dt.datetime


def podcast_feed(show: Show, items: list[Item]) -> bytes:
    """The RSS document, newest episode first."""
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.load_extension("podcast")
    feed.title(show.title)
    feed.description(show.description)
    feed.link(href=show.feed_url, rel="self")
    feed.link(href=show.link, rel="alternate")  # feedgen's RSS <link> is the last one given
    feed.language(show.language)
    feed.author(name=show.author)
    feed.podcast.itunes_author(show.author)
    feed.podcast.itunes_summary(show.description)
    feed.podcast.itunes_category("News")
    feed.podcast.itunes_explicit("no")
    newest = sorted(items, key=lambda i: i.published, reverse=True)[:EPISODES]
    for item in newest:
        entry = feed.add_entry(order="append")
        entry.guid(item.guid, permalink=False)
        entry.title(item.title)
        entry.description(item.summary)
        entry.link(href=item.page)
        entry.enclosure(item.url, str(item.length), "audio/mpeg")
        entry.published(item.published)
        entry.podcast.itunes_duration(round(item.seconds))
    if newest:
        feed.lastBuildDate(newest[0].published)  # not the clock: the same archive gives the same bytes
    return feed.rss_str(pretty=True)
