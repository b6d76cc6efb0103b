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


# Selection's rules at their boundaries (issue 21): when a date is believed, the reasons an
# item waits, pinned events, the subject's length, and the defaults a caller gets.
from newsletter import config as config_module  # noqa: E402
from newsletter.compose import SUBJECT_TITLE_CHARS, Selection, select  # noqa: E402


def selected(items, date=DAY, seen=None, pins=(), **settings):
    return select(items, number=7, date=date, settings=ComposeSettings(title="Daily", **settings), seen=seen, pins=pins)


def test_a_date_up_to_a_day_after_first_seen_is_believed_and_a_second_more_is_not():
    seen = at(DAY - dt.timedelta(days=3))
    exact = article("b-exact", published=seen + dt.timedelta(days=1))
    over = article("a-over", published=seen + dt.timedelta(days=1, seconds=1))
    first_seen = {"b-exact": seen, "a-over": seen}
    issue = selected([exact, over], seen=first_seen).issue
    # "a-over" counts as first seen, a day older than "b-exact"; believed, it would lead.
    assert issue.lead.id == "b-exact" and [p.id for p in issue.pieces] == ["a-over"]


def test_a_date_one_day_after_the_issue_waits_and_two_days_after_is_not_believed():
    tomorrow = article("tomorrow", published=at(DAY + dt.timedelta(days=1), 23))
    beyond = article("beyond", published=at(DAY + dt.timedelta(days=2), 0))
    chosen = selected([tomorrow, beyond])
    # Never seen and not believable: undated, so offered; a believable future date waits for its day.
    assert [p.id for p in chosen.issue.items] == ["beyond"]
    assert [(i.id, why) for i, why in chosen.left] == [("tomorrow", "later")]


def test_a_published_time_without_a_zone_is_read_in_the_issue_zone():
    naive = Item("naive", ARTICLE, "Naive", "n.txt", words(200), published=dt.datetime(2026, 11, 23, 23, 30))
    noon = article("noon", published=at(DAY, 12))
    seen = {"naive": at(DAY, 3), "noon": at(DAY, 3)}
    # In UTC (the default) 23:30 is 20.5 hours after it was first seen: believed, and the newest.
    assert selected([noon, naive], seen=seen).issue.lead.id == "naive"
    # Five hours west it is 04:30 UTC the next day, over a day after first seen: it counts as
    # first seen (03:00), older than noon.
    west = dt.timezone(dt.timedelta(hours=-5))
    assert selected([noon, naive], seen=seen, zone=west).issue.lead.id == "noon"


def test_each_item_left_out_says_why_in_the_words_the_build_summary_uses():
    past = Item("past", EVENT, "Past", "e.txt", event=Event(day=DAY - dt.timedelta(days=1)))
    later = article("later", published=at(DAY + dt.timedelta(days=1)))
    old = article("old", published=at(DAY - dt.timedelta(days=15)))
    kept, capped = (Item(f"h{n}", HEARING, f"line {n}", "h.txt", published=at(DAY, n)) for n in (2, 1))
    chosen = selected([past, later, old, kept, capped], max_hearing=1)
    assert sorted((i.id, why) for i, why in chosen.left) == [
        ("h1", "cap"),
        ("later", "later"),
        ("old", "window"),
        ("past", "past"),
    ]
    assert chosen.reasons() == {"past": 1, "later": 1, "window": 1, "cap": 1}
    assert Selection(chosen.issue).reasons() == {}  # nothing left out: no reasons


def test_the_window_keeps_items_exactly_max_age_days_old_and_no_older():
    edge = article("edge", published=at(DAY - dt.timedelta(days=3), 0))
    older = article("older", published=at(DAY - dt.timedelta(days=4), 23))
    chosen = selected([edge, older], max_age_days=3)
    assert [i.id for i in chosen.issue.items] == ["edge"] and chosen.reasons() == {"window": 1}


def test_pinned_events_come_first_whenever_they_are_even_when_past():
    def event(id_, day):
        return Item(id_, EVENT, f"Event {id_}", "e.txt", event=Event(day=day))

    items = [
        event("soon", DAY),
        event("next-week", DAY + dt.timedelta(days=7)),
        event("gone", DAY - dt.timedelta(days=2)),
    ]
    chosen = selected(items, pins=("next-week", "gone"), max_events=1)
    # Pins pass every rule (the day, the cap) and keep their soonest-first order among themselves.
    assert [e.id for e in chosen.issue.events] == ["gone", "next-week"]
    assert [(i.id, why) for i, why in chosen.left] == [("soon", "cap")]


@pytest.mark.parametrize(
    "length, subject_title",
    [
        (SUBJECT_TITLE_CHARS, "x" * 150),
        (SUBJECT_TITLE_CHARS + 1, "x" * 149 + "…"),
    ],
)
def test_the_subject_keeps_a_title_of_150_characters_and_shortens_a_longer_one_to_150(length, subject_title):
    assert SUBJECT_TITLE_CHARS == 150
    lead = article("lead", published=at(DAY), title="x" * length)
    assert selected([lead]).issue.subject == f"Daily: {subject_title}"


def test_a_shortened_subject_title_has_no_space_before_its_ellipsis():
    title = "y" * 148 + "   zzzz"  # runs of spaces read as one; the cut falls just after it
    lead = article("lead", published=at(DAY), title=title)
    assert selected([lead]).issue.subject == "Daily: " + "y" * 148 + "…"


def test_compose_defaults_are_the_config_defaults():
    """A caller without a config (a test, a script) composes as a fresh config.toml would."""
    defaults = config_module.ComposeSection()
    settings = ComposeSettings(title="Daily")
    assert (
        (settings.max_pieces, settings.max_hearing, settings.max_events, settings.max_age_days)
        == (defaults.pieces, defaults.hearing, defaults.events, defaults.max_age_days)
        == (20, 30, 20, 14)
    )
    assert settings.feed_max_items == config_module.FeedConfig(url="f.xml", name="F", section="news").max_items == 10
    assert settings.long_form_words == config_module.CorpusSection().long_form_words
    assert settings.zone == dt.timezone.utc and dict(settings.feed_caps) == {}


def test_a_selection_cannot_change_once_made():
    chosen = selected([article("only", published=at(DAY))])
    with pytest.raises(dataclasses.FrozenInstanceError):
        chosen.left = ()
