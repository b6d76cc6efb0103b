"""Compose is pure: the same items and date always give the same issue."""

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

from newsletter.compose import ComposeSettings, compose, select
from newsletter.models import ARTICLE, EVENT, HEARING, Event, Item

LONDON = ZoneInfo("Europe/London")
SETTINGS = ComposeSettings(title="Daily", long_form_words=20, max_age_days=100_000)
LONG = ("word " * 25,)


def article(id_, published=None, paragraphs=LONG, source=None):
    stamp = dt.datetime(*published, tzinfo=LONDON) if published else None
    return Item(id_, ARTICLE, f"Title {id_}", source or f"{id_}.txt", paragraphs, published=stamp)


def event(id_, day, time=None):
    return Item(id_, EVENT, f"Event {id_}", "e.txt", event=Event(day=day, time=time))


def test_newest_long_form_piece_as_of_the_issue_date_leads_and_later_pieces_wait():
    items = [article("old", (2016, 8, 31)), article("new", (2018, 1, 30)), article("undated")]
    wide = replace(SETTINGS, max_age_days=10_000)
    assert compose(items, number=1, date=dt.date(2026, 11, 23), settings=wide).lead.id == "new"
    seen = {i.id: dt.datetime(2026, 11, 23, 6, tzinfo=LONDON) for i in items}
    chosen = select(items, number=1, date=dt.date(2016, 8, 31), settings=SETTINGS, seen=seen)
    assert chosen.issue.lead.id == "old" and chosen.issue.pieces == ()
    # 2018 is after the issue date; the undated piece counts as first seen, in 2026.
    assert sorted((i.id, why) for i, why in chosen.left) == [("new", "later"), ("undated", "later")]


def test_short_pieces_do_not_lead_while_a_long_one_exists():
    items = [article("short", (2020, 1, 1), paragraphs=("brief",)), article("long", (2019, 1, 1))]
    assert compose(items, number=1, date=dt.date(2021, 1, 1), settings=SETTINGS).lead.id == "long"


def test_without_long_form_the_newest_article_leads_and_subject_names_it():
    items = [article("a", (2020, 1, 1), paragraphs=("brief",))]
    issue = compose(items, number=3, date=dt.date(2021, 1, 1), settings=SETTINGS)
    assert issue.lead.id == "a" and issue.number == 3
    assert issue.subject == "Daily: Title a"


def test_events_only_from_the_issue_date_on_soonest_first():
    items = [
        event("past", dt.date(2016, 8, 30)),
        event("later", dt.date(2016, 9, 26), dt.time(17, 30)),
        event("same-day-early", dt.date(2016, 9, 26), dt.time(9, 0)),
        event("today", dt.date(2016, 8, 31)),
    ]
    issue = compose(items, number=1, date=dt.date(2016, 8, 31), settings=SETTINGS)
    assert [e.id for e in issue.events] == ["today", "same-day-early", "later"]
    assert compose(items, number=1, date=dt.date(2026, 11, 23), settings=SETTINGS).events == ()


def test_hearing_items_keep_source_order_and_an_empty_pool_gives_an_empty_issue():
    items = [Item("h2", HEARING, "two", "p.txt"), Item("h1", HEARING, "one", "a.txt")]
    issue = compose(items, number=1, date=dt.date(2020, 1, 1), settings=SETTINGS)
    assert [h.id for h in issue.hearing] == ["h1", "h2"]
    empty = compose([], number=1, date=dt.date(2020, 1, 1), settings=SETTINGS)
    assert empty.lead is None and empty.items == () and empty.subject == "Daily"


# Selection: an editor's digest, not a dump. Fixtures are generated, per class of input.
DAY = dt.date(2026, 11, 23)
SEEN = dt.datetime(2026, 11, 23, 5, tzinfo=LONDON)
CAPPED = ComposeSettings(
    title="Daily", long_form_words=20, max_pieces=5, max_hearing=7, max_events=3, max_age_days=14, feed_max_items=4
)


def feed_items(feed: str, count: int, kind=ARTICLE, start=SEEN, step=dt.timedelta(hours=1)):
    """`count` items of one feed, newest first, an hour apart."""
    return [
        Item(f"{feed}-{n}", kind, f"{feed} {n}", f"https://{feed}.example/feed", LONG, published=start - n * step)
        for n in range(count)
    ]


def test_a_feed_of_5000_entries_gives_its_newest_few_and_the_rest_wait_with_a_reason():
    items = feed_items("big", 5000)
    chosen = select(items, number=1, date=DAY, settings=CAPPED, seen={i.id: SEEN for i in items})
    issue = chosen.issue
    assert [i.id for i in issue.items] == ["big-0", "big-1", "big-2", "big-3"]  # its max_items, newest first
    # Hourly from 05:00 on the 23rd back to midnight on the 9th (14 days) is 342 entries in the
    # window; the older ones are not offered at all.
    assert chosen.reasons() == {"window": 5000 - 342, "cap": 342 - 4}


def test_one_feed_cannot_crowd_out_the_rest_and_sections_have_caps():
    items = feed_items("loud", 50) + feed_items("quiet", 2, start=SEEN - dt.timedelta(days=1))
    items += feed_items("gossip", 20_000, kind=HEARING, step=dt.timedelta(seconds=30))
    items += [event(f"e{n}", DAY + dt.timedelta(days=n)) for n in range(10)]
    chosen = select(
        items,
        number=1,
        date=DAY,
        settings=replace(CAPPED, feed_max_items=0, feed_caps={"https://loud.example/feed": 3}),
        seen={i.id: SEEN for i in items},
    )
    issue = chosen.issue
    sources = [i.source for i in (issue.lead, *issue.pieces)]
    assert sources.count("https://loud.example/feed") == 3 and sources.count("https://quiet.example/feed") == 2
    assert len(issue.hearing) == 7 and [h.id for h in issue.hearing][:2] == ["gossip-0", "gossip-1"]
    assert [e.id for e in issue.events] == ["e0", "e1", "e2"]
    assert all(why in ("cap", "window") for _, why in chosen.left)


def test_a_ten_year_backlog_brings_its_newest_items_not_its_archive():
    items = feed_items("archive", 3650, step=dt.timedelta(days=1))
    issue = compose(
        items,
        number=1,
        date=DAY,
        settings=replace(CAPPED, feed_max_items=100, max_pieces=100),
        seen={i.id: SEEN for i in items},
    )
    days = {(DAY - i.published.date()).days for i in issue.items}
    assert len(issue.items) == 15 and max(days) <= 14


def test_a_far_future_date_is_read_as_first_seen_so_it_never_leads_or_heads_the_subject():
    future = [
        Item(
            f"f{y}",
            ARTICLE,
            f"From {y}",
            "https://odd.example/feed",
            LONG,
            published=dt.datetime(y, 1, 1, tzinfo=dt.timezone.utc),
        )
        for y in (2100, 9999)
    ]
    today = article("today", (2026, 11, 22))
    seen = {"f2100": SEEN - dt.timedelta(days=3), "f9999": SEEN - dt.timedelta(days=2), "today": SEEN}
    issue = compose([*future, today], number=1, date=DAY, settings=CAPPED, seen=seen)
    assert issue.lead.id == "today" and issue.subject == "Daily: Title today"
    assert [p.id for p in issue.pieces] == ["f9999", "f2100"]  # by when they were first seen
    # An issue dated before the item was first seen does not hold it.
    earlier = select([*future], number=1, date=DAY - dt.timedelta(days=5), settings=CAPPED, seen=seen)
    assert earlier.issue.items == () and {why for _, why in earlier.left} == {"later"}


def test_an_item_dated_more_than_a_day_after_it_was_first_seen_counts_as_first_seen():
    odd = Item(
        "odd", ARTICLE, "Odd", "https://a.example/feed", LONG, published=dt.datetime(2026, 11, 23, 4, tzinfo=LONDON)
    )
    fresh = Item(
        "fresh", ARTICLE, "Fresh", "https://b.example/feed", LONG, published=dt.datetime(2026, 11, 22, 4, tzinfo=LONDON)
    )
    seen = {"odd": dt.datetime(2026, 11, 10, tzinfo=LONDON), "fresh": SEEN}
    issue = compose([odd, fresh], number=1, date=DAY, settings=CAPPED, seen=seen)
    assert issue.lead.id == "fresh" and [p.id for p in issue.pieces] == ["odd"]


def test_pins_come_first_past_caps_windows_and_dates_then_corpus_then_feeds():
    feed = feed_items("busy", 10)
    corpus = [article("mine", (2026, 11, 20))]
    ancient = Item(
        "ancient",
        ARTICLE,
        "Ancient",
        "https://old.example/feed",
        LONG,
        published=dt.datetime(2001, 1, 1, tzinfo=LONDON),
    )
    items = feed + corpus + [ancient]
    issue = compose(
        items, number=1, date=DAY, settings=replace(CAPPED, max_pieces=2), seen={}, pins=("ancient", "busy-9")
    )
    assert issue.lead.id == "busy-0"  # the newest long-form piece leads
    assert [p.id for p in issue.pieces] == ["ancient", "busy-9"]  # pinned: past the window and the cap of 2
    unpinned = select(items, number=1, date=DAY, settings=replace(CAPPED, max_pieces=2), seen={})
    assert [p.id for p in unpinned.issue.pieces] == ["mine", "busy-1"]  # the corpus before the feeds
    assert ("ancient", "window") in {(i.id, why) for i, why in unpinned.left}
