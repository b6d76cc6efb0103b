"""Compose at its boundaries: the long-form threshold, the issue date itself, and every tie in the orders."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from newsletter.compose import ComposeSettings, compose
from newsletter.models import ARTICLE, EVENT, HEARING, Event, Item

UTC = dt.timezone.utc
DAY = dt.date(2026, 11, 23)


def words(n: int) -> tuple[str, ...]:
    """`n` words over two paragraphs, so the count is summed across paragraphs."""
    return ("w " * (n // 2), "w " * (n - n // 2))


def article(id_, words_=200, published=None, source="a.txt", title=None):
    return Item(id_, ARTICLE, title or f"Title {id_}", source, words(words_), published=published)


def at(day: dt.date, hour: int = 8) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def issue_of(items, date=DAY, **settings):
    return compose(items, number=7, date=date, settings=ComposeSettings(title="Daily", **settings))


def test_a_piece_of_exactly_long_form_words_is_long_form():
    older = article("exact", 20, at(DAY - dt.timedelta(days=2)))
    newer = article("short", 19, at(DAY - dt.timedelta(days=1)))
    issue = issue_of([newer, older], long_form_words=20)
    assert issue.lead.id == "exact" and [p.id for p in issue.pieces] == ["short"]
    assert issue.subject == "Daily: Title exact"


def test_the_default_threshold_is_150_words():
    assert ComposeSettings(title="Daily").long_form_words == 150
    older = article("150", 150, at(DAY - dt.timedelta(days=2)))
    newer = article("149", 149, at(DAY - dt.timedelta(days=1)))
    assert issue_of([newer, older]).lead.id == "150"


def test_a_piece_published_later_on_the_issue_date_counts_as_published_by_then():
    today = article("today", published=at(DAY, 23))
    yesterday = article("yesterday", published=at(DAY - dt.timedelta(days=1)))
    assert issue_of([yesterday, today]).lead.id == "today"


def test_a_piece_dated_after_the_issue_is_held_out_and_never_leads():
    future = article("future", published=at(DAY + dt.timedelta(days=1)))
    short = article("short", 10, at(DAY - dt.timedelta(days=1)))
    issue = issue_of([short, future])
    assert issue.lead.id == "short" and [p.id for p in issue.items] == ["short"]


def test_without_any_long_piece_the_newest_short_one_leads():
    old = article("old", 5, at(DAY - dt.timedelta(days=3)))
    new = article("new", 5, at(DAY - dt.timedelta(days=1)))
    issue = issue_of([old, new])
    assert issue.lead.id == "new" and [p.id for p in issue.pieces] == ["old"]


def test_pieces_are_newest_first_then_undated_by_source_and_id():
    same = at(DAY - dt.timedelta(days=1))
    items = [
        article("u2", source="b.txt"),
        article("u1", source="b.txt"),
        article("u0", source="a.txt"),
        article("d-b", published=same, source="b.txt"),
        article("d-a2", published=same, source="a.txt"),
        article("d-a1", published=same, source="a.txt"),
        article("lead", published=at(DAY)),
    ]
    issue = issue_of(items)
    assert issue.lead.id == "lead"
    assert [p.id for p in issue.pieces] == ["d-a1", "d-a2", "d-b", "u0", "u1", "u2"]


def test_two_items_with_one_id_appear_once():
    twin = article("twin", published=at(DAY))
    issue = issue_of([twin, dataclasses.replace(twin, title="Title twin")])
    # One id is one item: it leads once and is not repeated among the pieces.
    assert issue.lead.id == "twin" and issue.pieces == ()


def test_hearing_lines_are_newest_first_then_undated_by_source_and_id():
    def hearing(id_, published=None, source="h.txt"):
        return Item(id_, HEARING, f"line {id_}", source, published=published)

    same = at(DAY - dt.timedelta(days=1))
    items = [
        hearing("undated-b", source="b.txt"),
        hearing("undated-a", source="a.txt"),
        hearing("new", at(DAY)),
        hearing("tie-2", same, "a.txt"),
        hearing("tie-1", same, "a.txt"),
        hearing("tie-0", same, "0.txt"),
        hearing("old", at(DAY - dt.timedelta(days=5))),
    ]
    issue = issue_of(items)
    # Ranked newest first (issue 12); ties by source then id; undated last.
    assert [h.id for h in issue.hearing] == ["new", "tie-0", "tie-1", "tie-2", "old", "undated-a", "undated-b"]
    assert issue.lead is None and issue.pieces == () and issue.events == () and issue.subject == "Daily"


def test_events_from_the_issue_date_untimed_first_then_by_time_then_title():
    def event(id_, day, time=None, title=None):
        return Item(id_, EVENT, title or f"Event {id_}", "e.txt", event=Event(day=day, time=time))

    items = [
        event("b-nine", DAY, dt.time(9), title="B"),
        event("a-nine", DAY, dt.time(9), title="A"),
        event("untimed", DAY),
        event("tomorrow", DAY + dt.timedelta(days=1), dt.time(8)),
        event("yesterday", DAY - dt.timedelta(days=1)),
        Item("no-date", EVENT, "Event without a date", "e.txt"),
    ]
    issue = issue_of(items)
    assert [e.id for e in issue.events] == ["untimed", "a-nine", "b-nine", "tomorrow"]


def test_items_may_come_from_a_generator_and_numbers_and_dates_pass_through():
    issue = issue_of(a for a in [article("only", published=at(DAY))])
    assert (issue.number, issue.date, issue.lead.id) == (7, DAY, "only")


def test_settings_cannot_change_under_a_running_compose():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ComposeSettings(title="Daily").title = "Other"
