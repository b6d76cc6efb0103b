"""The corpus reader: the five seed files read exactly right, and bad input never stops a read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newsletter import models
from newsletter.errors import SourceError
from newsletter.sources import page as page_module
from newsletter.sources.corpus import read_corpus
from newsletter.sources.dates import parse_byline

SEEDS = Path(__file__).parent.parent / "seeds"
ALIASES = {"Kings Fund": "The King's Fund"}
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def seeds() -> dict[str, models.Document]:
    documents, warnings = read_corpus(SEEDS, venue_aliases=ALIASES)
    assert warnings == []
    return {Path(d.path).name[:3]: d for d in documents}


def texts(document: models.Document) -> list[str]:
    """Every string a reader could see from a document."""
    out = []
    for item in document.items:
        out += [item.title, *item.paragraphs, *item.comments]
        if item.event:
            out += [*item.event.description, item.event.speaker or "", item.event.speaker_role or ""]
    return out


def assert_absent(document: models.Document, lines: list[str]) -> None:
    seen = "\n".join(texts(document))
    for line in lines:
        assert line not in seen, line


def only_article(document: models.Document) -> models.Item:
    (item,) = document.items
    assert item.kind == models.ARTICLE
    return item


def test_seed_files_are_read_in_name_order(seeds):
    assert list(seeds) == ["000", "001", "002", "003", "004"]
    for document in seeds.values():
        assert all(item.source == document.path for item in document.items)
        assert document.path.startswith(str(SEEDS))


def test_seed_000_blank_line_paragraphs(seeds):
    item = only_article(seeds["000"])
    assert item.title == "Better than working……"
    assert item.author is None and item.published is None
    assert len(item.paragraphs) == 8
    assert item.paragraphs[0].startswith("A probably misplaced aversion to Facebook")
    assert item.paragraphs[0].endswith("I agree that’s a fairly low bar to set.)")
    assert item.paragraphs[-1] == (
        "So whilst the mega public services are tying themselves in knots why not have a look round "
        "for some alternative approaches to redesign offered by the private and VCF sectors?"
    )
    assert item.comments == ()


def test_seed_001_byline_and_chrome(seeds):
    item = only_article(seeds["001"])
    assert item.title == "Yet Another Project"
    assert item.author == "Nigel Rose"
    assert item.published == dt.datetime(2018, 1, 30, 11, 51, tzinfo=LONDON)
    assert len(item.paragraphs) == 6
    assert item.paragraphs[0].startswith("Earlier today I read part of a new report by the King's Fund")
    assert item.paragraphs[-1].endswith('that\'s how the "world class services" they want will happen.')
    assert_absent(seeds["001"], ["0333", "Shared Topic Areas", "Nigel Rose's picture", "Add new comment", "11:51"])


def test_seed_002_comment_tail_ends_the_article(seeds):
    item = only_article(seeds["002"])
    assert item.title == "Reworking the NHS"
    assert item.author is None and item.published is None
    assert len(item.paragraphs) == 7
    assert item.paragraphs[0].startswith("I am going to make this simple.")
    assert item.paragraphs[-1].endswith("to drive cross-silo commissioning and inter-service dependency.")
    assert_absent(
        seeds["002"],
        [
            "One thought on",
            "Leave a Reply",
            "Fill in your details",
            "You are commenting",
            "Google+",
            "Twitter picture",
            "Facebook photo",
            "Connecting to %s",
        ],
    )


def test_seed_003_labelled_title_duplicates_and_comments(seeds):
    item = only_article(seeds["003"])
    assert item.title == "How bizarre to be in this situation"
    assert item.author == "Faceless Bureaucrat"
    assert item.published is None
    assert len(item.paragraphs) == 14
    assert len(set(item.paragraphs)) == 14
    assert item.paragraphs[0].startswith("Personally I agree that bureaucracy in the NHS has burgeoned")
    assert item.paragraphs[1].startswith("They are estimating a redundancy bill of £1billion")
    assert item.paragraphs[-1].startswith("Here I am, the supposedly risk averse faceless bureaucrat")
    assert len(item.comments) == 3
    assert item.comments[0].startswith("Question: If GPs are now in total control")
    assert "Surely if a practice has to drop one service" in item.comments[0]
    assert item.comments[1].startswith("Aren't you wandering off topic a little? Other than that")
    assert item.comments[2].endswith("Poobah, I agree with everything up to the doomed bit. Ever the optimist, me.")
    assert all("ReplyDelete" not in c for c in item.comments)
    assert not any("Question:" in p or "ReplyDelete" in p or "doomed" in p for p in item.paragraphs)


def test_seed_004_eletter_lead(seeds):
    lead, *rest = seeds["004"].items
    assert lead.kind == models.ARTICLE
    # No headline of its own: the first sentence, shortened, so the subject says something.
    assert lead.title == "As health services management comes under more and more…"
    assert lead.author == "Roy Lilley"
    assert lead.published == dt.datetime(2016, 8, 31, tzinfo=LONDON)
    assert lead.paragraphs[0].startswith("As health services management comes under more and more pressure")
    assert lead.paragraphs[-1] == "I think Peter Drucker would go for that."
    assert "We need a strategy? Noooo... I hate strategy." in lead.paragraphs
    assert [i.kind for i in rest] == [models.HEARING, models.HEARING, models.EVENT]


def test_seed_004_hearing_items(seeds):
    hearing = [i for i in seeds["004"].items if i.kind == models.HEARING]
    first = "more than 700 civil servants earned more than £100k last year. I just thought you'd like to know that!"
    second = "Scotland plan to introduce consultations via web-chats as part of their NHS24 service."
    assert [i.title for i in hearing] == [first, second]
    assert [i.paragraphs for i in hearing] == [(first,), (second,)]
    assert {i.author for i in hearing} == {"Roy Lilley"}
    assert {i.published for i in hearing} == {dt.datetime(2016, 8, 31, tzinfo=LONDON)}


def test_seed_004_event_listing(seeds):
    (item,) = [i for i in seeds["004"].items if i.kind == models.EVENT]
    assert item.title == "Ed Smith, Chair of Not-Monitor, in conversation with Roy Lilley"
    assert item.event == models.Event(
        day=dt.date(2016, 9, 26),
        time=dt.time(17, 30),
        venue="The King's Fund",
        speaker="Ed Smith",
        speaker_role="Chair of Not-Monitor",
        description=(
            "(I must find out what they are called!)",
            "Great evening in prospect. He has a huge experience and a raconteur",
            "Plus the usual wine and networking.",
        ),
        ticket_text="Tickets here",
        ticket_url=None,
        sold_out=False,
    )


def test_seed_004_sidebar_is_not_content(seeds):
    assert_absent(
        seeds["004"],
        [
            "31st August 2016",
            "Live Health News",
            "Weather",
            "Archive",
            "Good conversation, networking",
            "This will be a full house",
            "Go for that",
            "Contact Roy",
            "Know something I don't",
            "Leaving the NHS",
            "MaM Logo",
            "do you know how it got its name",
            "Academy of Fabulous NHS Stuff",
            "Get yer head out",
            "Doin' some good stuff",
            "Dealing With Difficult People",
            "best seller",
            "Essential holiday reading",
            "Follow us on Twitter",
            "Please share your good stuff",
            "News and Stuff",
            "News boy",
            "Listen to today's eLetter",
            "The Vanguard Method",
            "Beyond Budgeting",
            "One day learning conference",
            "26th Sept",
            "Obsession with Activity",
            "Report of conference speech",
            "Hamish Dibley",
            "Interesting take",
            "This is what I'm hearing",
            "if you know different",
            "tell me here",
            ">>",
            "I'm hearing -",
            "Need inspiration",
        ],
    )


def test_ids_are_stable_and_follow_content(seeds, tmp_path):
    again, _ = read_corpus(SEEDS, venue_aliases=ALIASES)
    assert [i.id for d in again for i in d.items] == [i.id for d in seeds.values() for i in d.items]
    ids = [i.id for d in again for i in d.items]
    assert len(set(ids)) == len(ids) and all(len(i) == 16 for i in ids)
    text = (SEEDS / "002_d48728b0a9456eaa.txt").read_bytes()
    (tmp_path / "a.txt").write_bytes(text)
    (tmp_path / "b.txt").write_bytes(text)
    (a, b), _ = read_corpus(tmp_path)
    assert a.items[0].id == b.items[0].id == seeds["002"].items[0].id


# --- bad and awkward input -------------------------------------------------------------


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def read_one(folder: Path) -> models.Item:
    documents, warnings = read_corpus(folder)
    assert warnings == []
    (document,) = documents
    (item,) = document.items
    return item


def test_missing_folder_raises_naming_it(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(SourceError, match="nowhere"):
        read_corpus(missing)
    file = write(tmp_path, "file.txt", "Title\n\nText.")
    with pytest.raises(SourceError, match="file.txt"):
        read_corpus(file)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \r\n\t\n\xc2\xa0 \n", "whitespace-only file"),
        (b"GIF89a\x00\x01\x00\x00\xff\xff", "binary file"),
        (bytes(range(0x80, 0x100)) * 4, "cannot decode"),
        (b"\x01\x02\x03\x04 some\x05\x06\x07\x08 text\x0e\x0f", "binary file"),
    ],
)
def test_unusable_file_is_one_warning_and_the_rest_are_read(tmp_path, data, reason):
    bad = write(tmp_path, "a_bad.txt", data)
    write(tmp_path, "b_good.txt", "A good title\n\nSome text.")
    documents, warnings = read_corpus(tmp_path)
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{bad}: {reason}") and warnings[0].endswith(", skipped")
    assert [d.items[0].title for d in documents] == ["A good title"]


def test_only_txt_and_md_files_are_read_not_recursively(tmp_path):
    write(tmp_path, "b.md", "# B\n\nText.")
    write(tmp_path, "a.txt", "A\n\nText.")
    write(tmp_path, "c.html", "<p>C</p>")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "d.txt", "D\n\nText.")
    documents, warnings = read_corpus(tmp_path)
    assert warnings == []
    assert [Path(d.path).name for d in documents] == ["a.txt", "b.md"]


def test_a_parser_failure_becomes_a_warning(tmp_path, monkeypatch):
    write(tmp_path, "a.txt", "A\n\nText.")
    write(tmp_path, "b.txt", "B\n\nText.")
    real = page_module.parse_article

    def fussy(lines, source, rules, ledger, *, markdown=False):
        if source.endswith("a.txt"):
            raise RuntimeError("boom")
        return real(lines, source, rules, ledger, markdown=markdown)

    monkeypatch.setattr(page_module, "parse_article", fussy)
    documents, warnings = read_corpus(tmp_path)
    assert warnings == [f"{tmp_path / 'a.txt'}: cannot parse (RuntimeError: boom), skipped"]
    assert [d.items[0].title for d in documents] == ["B"]


def test_boilerplate_only_file_is_a_warning(tmp_path):
    path = write(tmp_path, "a.txt", "Add new comment\n\nLeave a Reply\n")
    documents, warnings = read_corpus(tmp_path)
    assert documents == []
    assert warnings == [f"{path}: nothing left once boilerplate is removed, skipped"]


def test_cp1252_and_latin1_files_decode(tmp_path):
    write(tmp_path, "a.txt", "It’s £5 – a “café” price\n\nThe naïve résumé costs £5.\n".encode("cp1252"))
    write(tmp_path, "b.txt", "Crème brûlée à £3\n\nSeñor Gómez paid £3.\n".encode("latin-1"))
    (a, b), warnings = read_corpus(tmp_path)
    assert warnings == []
    assert a.items[0].title == "It’s £5 – a “café” price"
    assert a.items[0].paragraphs == ("The naïve résumé costs £5.",)
    assert b.items[0].title == "Crème brûlée à £3"
    assert b.items[0].paragraphs == ("Señor Gómez paid £3.",)


def test_bom_crlf_and_odd_spaces(tmp_path):
    data = b"\xef\xbb\xbfThe  title\xc2\xa0 \r\n\r\nFirst\xe2\x80\xafparagraph.  \r\nSecond one.\rThird.\r\n"
    write(tmp_path, "a.txt", data)
    item = read_one(tmp_path)
    assert item.title == "The title"
    assert item.paragraphs == ("First paragraph.", "Second one.", "Third.")


def test_mojibake_is_repaired_keeping_curly_quotes(tmp_path):
    write(tmp_path, "a.txt", "Itâ€™s fixed\n\nThe â€œNHSâ€\x9d costs Â£5.\n")
    item = read_one(tmp_path)
    assert item.title == "It’s fixed"
    assert item.paragraphs == ("The “NHS” costs £5.",)


def test_markdown_heading_and_metadata(tmp_path):
    text = "# A Heading\n\nBy Jane Doe\nDate: 3 March 2019\n\nFirst line\nand its continuation.\n\n## Sub\n\nLast.\n"
    write(tmp_path, "a.md", text)
    item = read_one(tmp_path)
    assert item.title == "A Heading"
    assert item.author == "Jane Doe"
    assert item.published == dt.datetime(2019, 3, 3, tzinfo=LONDON)
    assert item.paragraphs == ("First line and its continuation.", "Sub", "Last.")


def test_hard_wrapped_lines_are_joined(tmp_path):
    wrapped = (
        "Wrapped\n\n"
        "This paragraph was hard-wrapped by an old mail client at about seventy\n"
        "columns, so its lines are of similar length and end in the middle of\n"
        "a sentence.\n"
        "A new line that ends a sentence starts a new paragraph.\n"
    )
    write(tmp_path, "a.txt", wrapped)
    item = read_one(tmp_path)
    assert item.paragraphs == (
        "This paragraph was hard-wrapped by an old mail client at about seventy columns, "
        "so its lines are of similar length and end in the middle of a sentence.",
        "A new line that ends a sentence starts a new paragraph.",
    )


def test_wall_of_text_gets_a_cut_title(tmp_path):
    text = "word " * 60
    write(tmp_path, "a.txt", text)
    item = read_one(tmp_path)
    assert item.title.endswith("…") and len(item.title) <= 81
    assert item.title.startswith("word word")
    assert item.paragraphs == (text.strip(),)


def test_duplicate_paragraphs_are_kept_once(tmp_path):
    write(tmp_path, "a.txt", "T\n\nSame words.\nOther words.\nSame  words.\n")
    assert read_one(tmp_path).paragraphs == ("Same words.", "Other words.")


@pytest.mark.parametrize(
    ("line", "author", "published"),
    [
        ("30 Jan 2018 - 11:51 by Nigel Rose", "Nigel Rose", dt.datetime(2018, 1, 30, 11, 51, tzinfo=LONDON)),
        ("By Jane Doe", "Jane Doe", None),
        ("Jane Doe, 3 March 2019", "Jane Doe", dt.datetime(2019, 3, 3, tzinfo=LONDON)),
        ("Posted on 5 May 2020 by X", "X", dt.datetime(2020, 5, 5, tzinfo=LONDON)),
        ("Date: 04/03/2019", None, dt.datetime(2019, 3, 4, tzinfo=LONDON)),
        ("Published: 2019-03-04T10:00:00Z", None, dt.datetime(2019, 3, 4, 10, 0, tzinfo=LONDON)),
    ],
)
def test_bylines(line, author, published):
    byline = parse_byline(line, LONDON)
    assert byline is not None
    assert (byline.author, byline.published) == (author, published)


@pytest.mark.parametrize(
    "line",
    [
        "Stand by Me",
        "Yet Another Project",
        "I went there on 3 March 2019 by bus",
        "Date: 31 February 2019",
        "On 3 March 2019 we met the board and agreed to a plan that would be written by Jane Doe",
    ],
)
def test_not_bylines(line):
    assert parse_byline(line, LONDON) is None


def test_byline_dates_go_in_the_given_zone(tmp_path):
    write(tmp_path, "a.txt", "Title\n\nBy Jane Doe, 3 July 2019\n\nText.\n")
    documents, _ = read_corpus(tmp_path, tz=ZoneInfo("America/New_York"))
    published = documents[0].items[0].published
    assert published == dt.datetime(2019, 7, 3, tzinfo=ZoneInfo("America/New_York"))
    assert published.utcoffset() == dt.timedelta(hours=-4)


ELETTER = """20th December 2016

Home | Archive

Jo Bloggs
Professor of Things.  In conversation with Al M
News and Comment from Al Mark
The lead text.
The end of it.
Follow us on Twitter
>> I’m hearing - a thing.
5th Jan Town Hall, 6pm
Jo Bloggs
Professor of Things
Sold out
"""


def test_eletter_detected_generically_with_year_rollover_and_sold_out(tmp_path):
    write(tmp_path, "a.txt", ELETTER)
    documents, warnings = read_corpus(tmp_path, venue_aliases={"town  hall": "The Town Hall"})
    assert warnings == []
    lead, hearing, event = documents[0].items
    assert (lead.title, lead.author) == ("The lead text", "Al Mark")
    assert lead.paragraphs == ("The lead text.", "The end of it.")
    assert (hearing.kind, hearing.title) == (models.HEARING, "a thing.")
    assert event.title == "Jo Bloggs, Professor of Things, in conversation with Al Mark"
    assert event.event == models.Event(
        day=dt.date(2017, 1, 5),
        time=dt.time(18),
        venue="The Town Hall",
        speaker="Jo Bloggs",
        speaker_role="Professor of Things",
        ticket_text="Sold out",
        sold_out=True,
    )
