"""Compose is pure: the same items and date always give the same issue."""

import datetime as dt
from zoneinfo import ZoneInfo

from newsletter.compose import ComposeSettings, compose
from newsletter.models import ARTICLE, EVENT, HEARING, Event, Item

LONDON = ZoneInfo("Europe/London")
SETTINGS = ComposeSettings(title="Daily", long_form_words=20)
LONG = ("word " * 25,)


def article(id_, published=None, paragraphs=LONG, source=None):
    stamp = dt.datetime(*published, tzinfo=LONDON) if published else None
    return Item(id_, ARTICLE, f"Title {id_}", source or f"{id_}.txt", paragraphs, published=stamp)


def event(id_, day, time=None):
    return Item(id_, EVENT, f"Event {id_}", "e.txt", event=Event(day=day, time=time))


def test_newest_long_form_piece_as_of_the_issue_date_leads():
    items = [article("old", (2016, 8, 31)), article("new", (2018, 1, 30)), article("undated")]
    assert compose(items, number=1, date=dt.date(2026, 11, 23), settings=SETTINGS).lead.id == "new"
    issue = compose(items, number=1, date=dt.date(2016, 8, 31), settings=SETTINGS)
    assert issue.lead.id == "old"
    assert [p.id for p in issue.pieces] == ["new", "undated"]


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
