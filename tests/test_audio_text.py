"""What the audio edition says: the lexicon, money, times, dates and URLs in words, and the
sections of an issue as read aloud. Pure: no engine runs here (tests/test_audio.py runs it)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsletter import config as config_module
from newsletter.audio.script import script
from newsletter.audio.spoken import MONTHS, Speech, load_lexicon
from newsletter.models import ARTICLE, EVENT, HEARING, Event, Issue, Item

SAY = Speech(load_lexicon())


@pytest.mark.parametrize("written, said", [
    ("The NHS is busy.", "The N H S is busy."),
    ("more than £100k last year", "more than a hundred thousand pounds last year"),
    ("26th Sept Kings Fund 5.30pm.", "the twenty-sixth of September Kings Fund five thirty p m."),
    ("a bill of £1billion and the £20bn headline", "a bill of a billion pounds and the twenty billion pounds headline"),
    ("£2.5m, £3.50, £1, £0.50 and $5", "two point five million pounds, three pounds fifty, one pound, fifty pence and five dollars"),
    ("£1,200,000", "one million two hundred thousand pounds"),
    ("at 6pm, 10 a.m. or 17:30 and 09:00", "at six p m, ten a m or seventeen thirty and nine o'clock"),
    ("On 30 January 2018 and Sept 26, 2016", "On the thirtieth of January twenty eighteen and the twenty-sixth of September twenty sixteen"),
    ("their NHS24 service", "their N H S 24 service"),
    ("A&E and R&D, e.g. GPs", "A and E and R&D, for example G P's"),
    ("Read it at https://example.org/a?b=1. Or (www.example.org/x)!", "Read it at. Or!"),
    ("see bbc.co.uk/news/health, then", "see, then"),
    ("a score of 1.5/10 and 45 May", "a score of 1.5/10 and 45 May"),  # not a URL, not a date
])  # fmt: skip
def test_written_forms_are_said_as_a_person_would(written, said):
    assert SAY(written) == said


def test_config_lexicon_adds_words_and_overrides_the_shipped_ones():
    say = Speech(load_lexicon({"Lansley": "Lanzlee", "NHS": "National Health Service"}))
    assert say("Lansley's NHS, not Lansleyan") == "Lanzlee's National Health Service, not Lansleyan"


def test_a_word_inside_another_is_left_alone():
    assert SAY("GPS and NHSX and ANHS") == "GPS and NHSX and ANHS"


# Generated inputs, one strategy per class the issue names: whatever the amount, time, date or
# URL, none of its digits, symbols or addresses reach the engine.

amounts = st.builds(
    lambda sign, whole, pence, scale: f"{sign}{whole:,}{pence}{scale}",
    st.sampled_from("£$€"),
    st.integers(0, 10**9),
    st.sampled_from(["", ".5", ".50", ".05", ".25"]),
    st.sampled_from(["", "k", "m", "bn", " million", " billion"]),
)
clock_times = st.builds(
    lambda h, m, half, sep: f"{h}{sep}{m:02d}{half}" if m else f"{h}{half}",
    st.integers(1, 12),
    st.sampled_from([0, 5, 15, 30, 45, 59]),
    st.sampled_from(["am", "pm", " pm", "a.m.", "PM"]),
    st.sampled_from(".:"),
)
dates = st.builds(
    lambda d, m, suffix, year: f"{d}{suffix} {m}{year}",
    st.integers(1, 31),
    st.sampled_from([m[:3] for m in MONTHS] + ["Sept"] + list(MONTHS)),
    st.sampled_from(["", "st", "nd", "rd", "th"]),
    st.sampled_from(["", " 2016", ", 1999"]),
)
labels = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12).filter(lambda s: s.strip("-"))
urls = st.builds(
    lambda scheme, host, tld, path: f"{scheme}{host}.{tld}/{path}",
    st.sampled_from(["https://", "http://", "www.", "HTTPS://www."]),
    labels,
    st.sampled_from(["org", "co.uk", "com", "nhs.uk"]),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789/-_?=&%.#~", max_size=30),
)


@given(amounts)
def test_any_amount_of_money_is_said_in_words(amount):
    said = SAY(f"It cost {amount} in all.")
    assert not re.search(r"[£$€\d]", said), said
    assert said.startswith("It cost ") and said.endswith(" in all.")


@given(clock_times)
def test_any_clock_time_is_said_in_words(time):
    said = SAY(f"Doors open at {time} sharp.")
    assert not re.search(r"\d", said), said
    assert re.search(r" [ap] m sharp\.$", said), said


@given(dates)
def test_any_day_and_month_is_said_in_words(date):
    said = SAY(f"It is on {date} at the Fund.")
    assert not re.search(r"\d", said), said
    assert re.search(rf"the \w+(-\w+)? of ({'|'.join(MONTHS)})", said), said


@given(urls, st.sampled_from([".", "!", "?", ","]))
def test_any_url_is_dropped_and_the_sentence_keeps_its_end(url, mark):
    said = SAY(f"More here {url}{mark} Then the rest")
    assert "://" not in said and "www." not in said.lower() and "/" not in said, said
    assert said == f"More here{mark} Then the rest"


# The issue as read aloud.

NOW = dt.datetime(2016, 8, 31, 7, 0, tzinfo=dt.timezone.utc)


def _item(id: str, kind: str = ARTICLE, **fields) -> Item:
    return Item(id=id, kind=kind, source="test", **{"title": id.title(), **fields})


def _config(**audio):
    return config_module.from_dict({"newsletter": {"editor": "Roy Lilley"}, "audio": audio})


def test_the_issue_is_read_masthead_lead_pieces_hearing_events_without_links():
    lead = _item(
        "lead",
        title="News and Comment from Roy Lilley",
        author="Roy Lilley",
        paragraphs=("The NHS needs £100k.", "Read more at https://example.org/x"),
    )
    piece = _item(
        "piece",
        title="Yet Another Project",
        author="Nigel Rose",
        published=NOW,
        paragraphs=("A report [1] by the King's Fund",),
        link="https://example.org/piece",
    )
    hearing = _item("rumour", HEARING, paragraphs=("a merger, see www.example.org/m",))
    event = _item(
        "talk",
        EVENT,
        title="In conversation",
        event=Event(
            dt.date(2016, 9, 26),
            dt.time(17, 30),
            venue="The King's Fund",
            description=("Wine after",),
            ticket_text="Tickets here",
            ticket_url="https://example.org/tickets",
        ),
    )
    issue = Issue(1, NOW.date(), "The Daily eLetter: News", lead, (piece,), (hearing,), (event,))
    sections = script(issue, _config())
    assert [s.title for s in sections] == [
        "The Daily eLetter",
        "News and Comment from Roy Lilley",
        "Yet Another Project",
        "I'm hearing",
        "Events",
    ]
    assert [s.text.split("\n\n") for s in sections] == [
        ["The Daily e-letter.", "Wednesday the thirty-first of August twenty sixteen."],
        ["News and Comment from Roy Lilley.", "The N H S needs a hundred thousand pounds.", "Read more at."],
        [
            "More news and comment.",
            "Yet Another Project.",
            "By Nigel Rose, Wednesday the thirty-first of August twenty sixteen.",
            "A report [1] by the King's Fund.",
        ],
        ["I'm hearing.", "a merger, see."],
        [
            "Events.",
            "In conversation.",
            "Monday the twenty-sixth of September twenty sixteen, five thirty p m.",
            "The King's Fund.",
            "Wine after.",
        ],
    ]
    assert not any("http" in s.text or "Tickets" in s.text for s in sections)


def test_empty_sections_are_left_out():
    only_link = _item("link", paragraphs=("https://example.org/only-a-link",), title="")
    silent = _item("quiet", HEARING, title="", paragraphs=("https://example.org/x",))
    issue = Issue(2, NOW.date(), "S", None, (only_link,), (silent,), ())
    assert [s.title for s in script(issue, _config())] == ["The Daily eLetter"]


def test_the_lexicon_from_config_reaches_the_script():
    lead = _item("lead", title="On the CQC", paragraphs=("The CQC said so.",))
    issue = Issue(3, NOW.date(), "S", lead)
    [_, section] = script(issue, _config(lexicon={"CQC": "Care Quality Commission"}))
    assert "Care Quality Commission said so." in section.text


@pytest.mark.parametrize("audio, message", [
    ({"command": "espeak-ng -f {text}"}, r"\[audio\]\.command: must contain \{wav\}"),
    ({"bitrate": "8k"}, r"\[audio\]\.bitrate: '8k' must be 32k to 320k"),
    ({"loudness": 3}, r"\[audio\]\.loudness: must be between -31 and -5 LUFS"),
    ({"pause": 10}, r"\[audio\]\.pause: must be 0 to 3 seconds"),
    ({"lexicon": {"NHS": 1}}, r"\[audio\]\.lexicon values must be strings"),
    ({"voice": "x"}, r"\[audio\] unknown key 'voice'"),
])  # fmt: skip
def test_wrong_audio_settings_name_their_key(audio, message):
    with pytest.raises(config_module.ConfigError, match=message):
        config_module.from_dict({"audio": audio})
