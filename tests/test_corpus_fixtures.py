"""The corpus reader on pages it was not written for: each fixture reads as tests/fixtures/corpus/expected.toml says.

The fixtures cover the genre, not one site: eLetter pages by different editors and
layouts, each blog platform's furniture, repeated bodies, mojibake and odd dates.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newsletter import models
from newsletter.sources.boilerplate import noise_patterns
from newsletter.sources.corpus import read_corpus, read_file_page
from newsletter.sources.lines import Rules

FIXTURES = Path(__file__).parent / "fixtures" / "corpus"
EXPECTED = tomllib.loads((FIXTURES / "expected.toml").read_text(encoding="utf-8"))
LONDON = ZoneInfo("Europe/London")
RULES = Rules.build((), {}, LONDON)


def test_every_fixture_has_its_expectations():
    pages = sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".txt", ".md"))
    assert pages == sorted(EXPECTED)
    assert len(pages) >= 25
    kinds = [e["kind"] for e in EXPECTED.values()]
    assert kinds.count("eLetter page") >= 6 and kinds.count("article") >= 12 and "other" in kinds


def _moment(text: str) -> dt.datetime | None:
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text)
    return moment.replace(tzinfo=LONDON)


def _seen(page) -> str:
    """Every string a reader could see from the page's items."""
    out = []
    for item in page.items:
        out += [item.title, *item.paragraphs, *item.comments]
        if item.event:
            event = item.event
            out += [*event.description, event.speaker or "", event.speaker_role or "", event.venue or ""]
    return "\n".join(out)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_reads_as_expected(name):
    want = EXPECTED[name]
    page, problem = read_file_page(FIXTURES / name, RULES)
    assert problem is None
    assert page.kind == want["kind"]
    lead = next((i for i in page.items if i.kind == models.ARTICLE), None)
    if want["kind"] == "other":
        assert lead is None
    else:
        assert lead.title == want["title"]
        assert lead.author == (want["author"] or None)
        assert lead.published == _moment(want["date"])
        assert len(lead.paragraphs) == want["paragraphs"]
        assert lead.paragraphs[0].startswith(want["first"])
        assert list(lead.comments) == want.get("comments", [])
        text = "\n".join(lead.paragraphs)
        for part in want.get("contains", []):
            assert part in text
    hearing = [i for i in page.items if i.kind == models.HEARING]
    assert [i.title for i in hearing] == want.get("hearing", [])
    assert all(i.author == lead.author and i.published == lead.published for i in hearing)
    events = [i for i in page.items if i.kind == models.EVENT]
    assert [_event_facts(i) for i in events] == [_expected_event(e) for e in want.get("events", [])]
    seen = _seen(page)
    for line in want.get("absent", []):
        assert line not in seen, line


def _event_facts(item: models.Item) -> dict:
    event = item.event
    return {
        "title": item.title, "day": event.day.isoformat(), "time": event.time.strftime("%H:%M") if event.time else "",
        "venue": event.venue or "", "speaker": event.speaker or "", "ticket": event.ticket_text or "",
        "ticket_url": event.ticket_url or "", "sold_out": event.sold_out,
    }  # fmt: skip


def _expected_event(want: dict) -> dict:
    return {"ticket": "", "ticket_url": "", "sold_out": False, "speaker": "", **want}


def test_every_line_of_every_fixture_has_a_fate():
    for name in EXPECTED:
        page, _ = read_file_page(FIXTURES / name, RULES)
        ledger = page.ledger
        assert [line for line, fate in zip(ledger.lines, ledger.fates) if line and not fate] == [], name


def test_dropped_lines_are_counted_by_reason():
    page, _ = read_file_page(FIXTURES / "duplicated-body.txt", RULES)
    counts = page.ledger.counts()
    assert counts["duplicate"] == 3 and counts["paragraph"] == 3 and counts["title"] == 1
    page, _ = read_file_page(FIXTURES / "wordpress-share-tail.txt", RULES)
    assert page.ledger.counts()["boilerplate"] == 12  # "Skip to content" and the 11-line share and related tail


def test_config_boilerplate_extends_the_platform_rules(tmp_path):
    (tmp_path / "a.txt").write_text(
        "A title\n\nThe first paragraph is a sentence of prose.\n\nSponsored by Acme Health\n\nThe second one too, as prose.\n",
        encoding="utf-8",
    )
    (plain,), _ = read_corpus(tmp_path)
    assert "Sponsored by Acme Health" in plain.items[0].paragraphs
    (extended,), _ = read_corpus(tmp_path, boilerplate=[r"^Sponsored by\b"])
    assert extended.items[0].paragraphs == (
        "The first paragraph is a sentence of prose.",
        "The second one too, as prose.",
    )


def test_an_empty_corpus_folder_says_so(tmp_path):
    (tmp_path / "notes.html").write_text("<p>not read</p>", encoding="utf-8")
    documents, warnings = read_corpus(tmp_path)
    assert documents == []
    assert warnings == [f"{tmp_path}: corpus folder is empty (no .txt or .md files)"]


def test_anchored_platform_patterns_are_anchored_in_every_branch():
    """The reader tries a "^..." pattern only at a line's start; a top-level "|" would break that."""
    import re._constants as c
    import re._parser as parser

    for pattern in noise_patterns():
        if pattern.removeprefix("(?i)").startswith("^"):  # "^a|b" would parse as one top-level branch
            assert parser.parse(pattern)[0] == (c.AT, c.AT_BEGINNING), pattern
