"""The corpus reader's classifier (sources/page.py): which genre a page is by its shape, and
what it says about the page; on generated pages, one per class, at the rules' boundaries.

tests/test_corpus_fixtures.py reads realistic pages whole; these are small on purpose, so
that each differs from the next in the one thing the classifier decides by.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from newsletter.models import ARTICLE, EVENT, HEARING
from newsletter.sources.lines import Rules
from newsletter.sources.page import ARTICLE as ARTICLE_PAGE
from newsletter.sources.page import ELETTER, OTHER, read_page

ZONE = ZoneInfo("Europe/London")
RULES = Rules.build((), {}, ZONE)
MASTHEAD = "14 March 2019"
LISTING = "Care Homes Forum\nWhen: 6 October 2022 14:00\nLocation: Leeds Civic Hall"
YEARLESS_LISTING = "Care Homes Forum\nWhen: 6 October 14:00\nLocation: Leeds Civic Hall"
PROSE = "The plan arrived this week, six months late, and nobody has read it yet."
UNDATED = "no date found: the piece counts as published when first seen"
NOTHING = "no prose and no events: not an article or an eLetter page"


def words(n: int) -> str:
    return " ".join(["word"] * n)


def page(*blocks: str, **options):
    return read_page("\n\n".join(blocks) + "\n", "page.txt", RULES, **options)


@pytest.mark.parametrize(
    "blocks, kind, items",
    [
        ((MASTHEAD, "News and Comment from Jane Doe", PROSE), ELETTER, [ARTICLE]),
        ((MASTHEAD, "I'm hearing that the regulator's chair has been chosen."), ELETTER, [HEARING]),
        ((MASTHEAD, "Diary", LISTING), ELETTER, [EVENT]),
        (("A title", "By Jane Doe\n" + MASTHEAD, PROSE), ARTICLE_PAGE, [ARTICLE]),
        ((MASTHEAD, "A title", PROSE), ARTICLE_PAGE, [ARTICLE]),  # a date but no lead, hearing or listing: an article
        (("Upcoming", LISTING), OTHER, [EVENT]),  # listings without a masthead
        (("Archive", "Home | Archive | About", "January 2019 (4)"), OTHER, []),
    ],
    ids=["lead", "hearing", "listings", "article", "dated-article", "listings-page", "navigation"],
)
def test_a_page_is_classified_by_its_shape(blocks, kind, items):
    read = page(*blocks)
    assert (read.kind, [i.kind for i in read.items]) == (kind, items)


def test_a_markdown_file_is_never_an_eletter_page():
    blocks = (MASTHEAD, "News and Comment from Jane Doe", PROSE)
    assert page(*blocks).kind == ELETTER  # a .txt file is read as one by default
    markdown = page(*blocks, markdown=True)
    assert markdown.kind == ARTICLE_PAGE and markdown.items[0].title == "News and Comment from Jane Doe"


@pytest.mark.parametrize(
    "paragraph, kind",
    [
        (words(12), ARTICLE_PAGE),  # twelve words read as prose even without a full stop
        (words(11), OTHER),
        ("Three words here.", ARTICLE_PAGE),
        ("Three words here!", ARTICLE_PAGE),
        ("Three words here?", ARTICLE_PAGE),
        ("Three words here…", ARTICLE_PAGE),
        ('He said "three words."', ARTICLE_PAGE),
        ("Three words here (really.)", ARTICLE_PAGE),
        ("Three words here:", OTHER),
        ("Three words. And more", OTHER),  # the paragraph must end as a sentence ends
    ],
)
def test_an_article_needs_a_paragraph_of_prose(paragraph, kind):
    assert page("A title", paragraph).kind == kind


def test_an_undated_article_says_it_counts_as_first_seen_and_a_dated_one_says_nothing():
    undated = page("A title", PROSE)
    assert undated.items[0].published is None and undated.warnings == [UNDATED]
    dated = page("A title", "By Jane Doe\n" + MASTHEAD, PROSE)
    assert dated.items[0].published == dt.datetime(2019, 3, 14, tzinfo=ZONE) and dated.warnings == []


def test_a_page_with_nothing_to_keep_says_so_and_drops_every_line_as_boilerplate():
    read = page("Archive", "Home | Archive | About", words(11))
    assert read.items == () and read.warnings == [NOTHING]
    assert [fate for line, fate in zip(read.ledger.lines, read.ledger.fates) if line] == ["boilerplate"] * 3


def test_a_listings_page_keeps_its_events_and_drops_the_rest_as_sidebar():
    read = page("Upcoming", LISTING)
    assert read.warnings == [] and read.ledger.counts() == {"sidebar": 1, "event": 3}
    (event,) = read.items
    assert (event.title, event.event.day, event.event.venue) == (
        "Care Homes Forum",
        dt.date(2022, 10, 6),
        "Leeds Civic Hall",
    )
    assert event.published is None  # no masthead: the store's first sight dates it


def test_a_listings_page_under_a_masthead_dates_its_events_and_their_yearless_days_by_it():
    # A markdown file is never an eLetter page, so its masthead and listings make a listings page.
    read = page(MASTHEAD, "Diary", YEARLESS_LISTING, markdown=True)
    assert read.kind == OTHER and read.warnings == []
    (event,) = read.items
    assert event.published == dt.datetime(2019, 3, 14, tzinfo=ZONE)
    assert (event.event.day, event.event.time) == (dt.date(2019, 10, 6), dt.time(14))
    # Without a masthead, a day without a year cannot be placed: no event, and the page says why.
    assert page("Diary", YEARLESS_LISTING, markdown=True).warnings == [NOTHING]


def test_a_page_cannot_change_once_read_and_its_warnings_are_its_ledgers():
    read = page("A title", PROSE)
    assert read.warnings is read.ledger.warnings
    with pytest.raises(dataclasses.FrozenInstanceError):
        read.kind = OTHER
