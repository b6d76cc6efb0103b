"""render_issue: email-grade HTML (DESIGN section 3), the plain-text part, and template overrides."""

from __future__ import annotations

import datetime as dt
import logging
import re
import subprocess
import sys
from dataclasses import replace

import lxml.html
import pytest

from newsletter import config as config_module
from newsletter.config import Config
from newsletter.errors import RenderError
from newsletter.models import ARTICLE, EVENT, HEARING, Event, Issue, Item
from newsletter.render import MANAGE_TOKEN, UNSUBSCRIBE_TOKEN, clock, excerpt, first_sentence, long_date, render_issue

WEB = "https://example.org/issues/1"
LEAD_FIRST = (
    "As health services management comes under more and more pressure and greater skills are "
    "required, we could do no better than turn back to the father of modern management thinking; "
    "Peter Drucker."
)


def make_issue(**changes) -> Issue:
    """A fixed issue shaped like seed 004: a lead, 2 pieces, 2 hearing items, 2 events."""
    lead = Item(
        id="lead",
        kind=ARTICLE,
        source="seeds/004.txt",
        author="Roy Lilley",
        title="News and Comment from Roy Lilley",
        paragraphs=(
            LEAD_FIRST + " He still has lessons for us.",
            "Drucker provides us with a blue-print for every thinking leader.  I'm not sure he ever "
            "intended his principles to be fossilised, he would have been the first to admit times change.",
            "STPs are strategic health authorities in drag.  But, I like them.  I like them because they "
            "are spontaneous.  They are examples of positive deviance.",
            "How about; 'Our purpose is to create happy patients'.  I think Peter Drucker would go for that.",
        ),
    )
    pieces = (
        Item(
            id="p1",
            kind=ARTICLE,
            source="seeds/004.txt",
            title="Obsession with Activity must end",
            author="Hamish Dibley",
            published=dt.datetime(2016, 8, 30, 9, 0),
            paragraphs=("Report of conference speech from Hamish Dibley.", "Interesting take."),
            link="https://example.org/2016/08/30/obsession-with-activity-must-end-a-long-address-"
            "that-will-not-fit-in-seventy-two-columns",
        ),
        Item(
            id="p2",
            kind=ARTICLE,
            source="seeds/001.txt",
            title="Yet Another Project",
            author="Nigel Rose",
            published=dt.datetime(2018, 1, 30, 11, 51),
            paragraphs=(
                "Earlier today I read part of a new report by the King's Fund called "
                "'Re-imagining Community Services'.",
            ),
            link="http://example.net/yet-another-project",
        ),
    )
    hearing = (
        Item(
            id="h1",
            kind=HEARING,
            source="seeds/004.txt",
            title="civil servants",
            paragraphs=(
                "I'm hearing - more than 700 civil servants earned more than £100k last year.  "
                "I just thought you'd like to know that!",
            ),
        ),
        Item(
            id="h2",
            kind=HEARING,
            source="seeds/004.txt",
            title="Scotland plan to introduce consultations via web-chats as part of their NHS24 service.",
        ),
    )
    events = (
        Item(
            id="e1",
            kind=EVENT,
            source="seeds/004.txt",
            title="Ed Smith in conversation with Roy Lilley",
            event=Event(
                day=dt.date(2016, 9, 26),
                time=dt.time(17, 30),
                venue="The King's Fund",
                speaker="Ed Smith",
                speaker_role="Chair of Not-Monitor",
                description=("Great evening in prospect.", "Plus the usual wine and networking."),
                ticket_text="Tickets here",
                ticket_url="https://example.org/tickets/ed-smith",
            ),
        ),
        Item(
            id="e2",
            kind=EVENT,
            source="seeds/004.txt",
            title="Beyond Budgeting",
            event=Event(
                day=dt.date(2016, 10, 3),
                time=dt.time(9, 0),
                venue="Leeds",
                description=("One day learning conference.",),
                ticket_text="Book now",
                sold_out=True,
            ),
        ),
    )
    issue = Issue(
        number=1,
        date=dt.date(2016, 8, 31),
        subject="News and Comment from Roy Lilley",
        lead=lead,
        pieces=pieces,
        hearing=hearing,
        events=events,
    )
    return replace(issue, **changes)


@pytest.fixture(scope="module")
def rendered():
    return render_issue(make_issue(), config_with(newsletter={"editor": "Roy Lilley"}), web_url=WEB)


@pytest.fixture(scope="module")
def doc(rendered):
    return lxml.html.document_fromstring(rendered.html)


def config_with(**sections) -> Config:
    return config_module.from_dict(sections)


def styles(doc) -> list[str]:
    return [el.get("style") for el in doc.iter() if isinstance(el.tag, str) and el.get("style")]


# --- small helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, expected",
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
     (21, "21st"), (22, "22nd"), (23, "23rd"), (31, "31st")],
)  # fmt: skip
def test_long_date_uses_english_ordinals(day, expected):
    assert long_date(dt.date(2016, 8, day)) == f"{expected} August 2016"


def test_long_date_names_every_month():
    assert [long_date(dt.date(2020, m, 1)).split()[1] for m in (1, 6, 12)] == ["January", "June", "December"]


@pytest.mark.parametrize(
    "time, expected",
    [(dt.time(17, 30), "5.30pm"), (dt.time(9, 0), "9am"), (dt.time(12, 0), "12pm"), (dt.time(0, 5), "12.05am")],
)
def test_clock_writes_times_like_the_eletter(time, expected):
    assert clock(time) == expected


def test_first_sentence_stops_at_the_first_full_stop():
    assert first_sentence("One. Two.") == "One."
    assert first_sentence("No stop here") == "No stop here"
    assert first_sentence('He said "go." Then left.') == 'He said "go."'


# --- the HTML document -----------------------------------------------------------------------


def test_document_head_is_email_grade(rendered, doc):
    assert rendered.html.startswith("<!DOCTYPE html>")
    assert doc.get("lang") == "en-GB"
    head = doc.find("head")
    assert head.find("meta[@charset]").get("charset").lower() == "utf-8"
    metas = {m.get("name"): m.get("content") for m in head.findall("meta[@name]")}
    assert "width=device-width" in metas["viewport"]
    assert metas["color-scheme"] == "light dark" and metas["supported-color-schemes"] == "light dark"
    assert head.findtext("title") == rendered.subject


def test_first_wrapper_in_the_body_carries_lang(doc):
    first = doc.find("body")[0]
    assert first.tag == "div" and first.get("lang") == "en-GB"


def test_preheader_is_hidden_and_holds_subject_and_first_sentence(rendered, doc):
    [pre] = doc.find_class("preheader")
    assert "display:none" in pre.get("style") and "mso-hide:all" in pre.get("style")
    text = pre.text_content()
    assert text.startswith(rendered.subject) and LEAD_FIRST in text
    assert "He still has lessons" not in text


def test_every_table_is_presentational(rendered, doc):
    tables = doc.findall(".//table")
    assert len(tables) >= 5
    for table in tables:
        assert (table.get("role"), table.get("cellpadding"), table.get("cellspacing"), table.get("border")) == (
            "presentation",
            "0",
            "0",
            "0",
        )
    outlook = re.findall(r"<!--\[if mso\]>(.*?)<!\[endif\]-->", rendered.html)
    assert any('role="presentation"' in o and 'width="600"' in o for o in outlook)
    assert any("</table>" in o for o in outlook)


def test_css_is_inlined_and_only_media_queries_stay_in_the_head(doc):
    [para] = doc.find_class("para")[:1]
    assert "font-size:16px" in para.get("style")
    assert all(el.get("style") for el in doc.find_class("section-title"))
    [style] = doc.find("head").findall("style")
    assert "@media screen and (max-width: 600px)" in style.text
    assert "prefers-color-scheme: dark" in style.text
    assert ".para {" not in style.text.split("@media")[0]  # plain rules were inlined, not kept


def test_inline_styles_avoid_what_outlook_and_gmail_break(doc):
    for style in styles(doc):
        assert not re.search(r"flex|grid|position\s*:|float", style), style
        assert "!important" not in style, style
        assert not re.search(r"margin[-a-z]*\s*:[^;]*-\d", style), style


def test_body_text_is_at_least_14px(doc):
    sizes = [int(s) for el in doc.iter("p", "td", "a", "h1", "h2", "h3") if el.get("style")
             for s in re.findall(r"font-size:\s*(\d+)px", el.get("style"))]  # fmt: skip
    assert sizes and min(sizes) >= 14
    assert "font-size:16px" in doc.find_class("para")[0].get("style")


def test_links_are_absolute_web_urls_forward_or_the_unsubscribe_token(rendered, doc):
    hrefs = [a.get("href") for a in doc.iter("a")]
    assert all(
        re.match(r"(https?://[^/\s]+|mailto:\?subject=)", h) or h in (UNSUBSCRIBE_TOKEN, MANAGE_TOKEN) for h in hrefs
    ), hrefs
    assert f'href="{UNSUBSCRIBE_TOKEN}"' in rendered.html  # untouched by premailer and lxml
    assert f'href="{MANAGE_TOKEN}"' in rendered.html
    assert not doc.findall(".//img") and not doc.findall(".//script") and not doc.findall(".//form")


def test_links_bar_points_at_the_web_copy_and_disappears_without_it(rendered):
    assert f'href="{WEB}"' in rendered.html and "View in browser" in rendered.html
    bare = render_issue(make_issue(), Config())
    assert "View in browser" not in bare.html and "Forward" not in bare.html
    assert "View in browser" not in bare.text


def test_the_web_copy_is_issue_nnnn_under_the_archive_and_forward_mails_it():
    out = render_issue(make_issue(number=7), config_with(email={"archive_url": "https://example.org/archive/"}))
    links = {a.text_content(): a.get("href") for a in lxml.html.document_fromstring(out.html).iter("a")}
    assert links["View in browser"] == "https://example.org/archive/issue-0007.html"
    assert links["Archive"] == "https://example.org/archive/"
    assert links["Forward"] == (
        "mailto:?subject=News%20and%20Comment%20from%20Roy%20Lilley&body=https%3A//example.org/archive/issue-0007.html"
    )
    assert out.text.splitlines()[4] == "View in browser [1] | Archive [2] | Forward [3]"


def test_a_web_url_that_is_not_http_is_refused():
    with pytest.raises(RenderError, match="web_url"):
        render_issue(make_issue(), Config(), web_url="javascript:alert(1)")


# --- content ------------------------------------------------------------------------------


def test_subject_is_the_issue_subject_on_one_line():
    issue = make_issue(subject="The Daily eLetter: Hello\r\nBcc: x@example.com")
    assert render_issue(issue, Config()).subject == "The Daily eLetter: Hello Bcc: x@example.com"


def test_lead_heading_names_the_editor_and_its_own_title_is_not_repeated(rendered, doc):
    [heading] = [h for h in doc.iter("h2") if "Roy Lilley" in h.text_content()]
    assert heading.text_content() == "News and Comment from Roy Lilley"
    assert not [h for h in doc.iter("h3") if "News and Comment" in h.text_content()]
    assert rendered.text.count("News and Comment from Roy Lilley\n") == 1
    assert "By Roy Lilley" not in rendered.text  # the editor's own piece needs no byline


def test_a_lead_by_someone_else_keeps_the_editors_heading_and_gets_headline_and_byline():
    lead = replace(make_issue().lead, title="Drucker would approve", author="Hamish Dibley")
    out = render_issue(make_issue(lead=lead), config_with(newsletter={"editor": "Roy Lilley"}))
    lead_cell = lxml.html.document_fromstring(out.html).find_class("section-lead")[0]
    assert lead_cell.find(".//h2").text_content() == "News and Comment from Roy Lilley"
    assert lead_cell.find(".//h3").text_content() == "Drucker would approve"
    assert lead_cell.find_class("byline")[0].text_content() == "By Hamish Dibley"
    assert "Drucker would approve\n---------------------\nBy Hamish Dibley\n" in out.text


def test_without_an_editor_the_lead_heading_is_the_section_title():
    lead = replace(make_issue().lead, title="Drucker would approve", author=None)
    out = render_issue(make_issue(lead=lead), config_with(newsletter={"editor": ""}))
    doc = lxml.html.document_fromstring(out.html)
    assert [h.text_content() for h in doc.iter("h2")][0] == "News and Comment"
    assert [h.text_content() for h in doc.iter("h3")][0] == "Drucker would approve"
    assert "Edited by" not in out.html and "Edited by" not in out.text


def test_section_titles_come_from_config():
    out = render_issue(make_issue(), config_with(sections={"hearing": "Little birds", "events": "Diary"}))
    assert "Little birds" in out.html and "Little birds\n============" in out.text
    titles = [h.text_content() for h in lxml.html.document_fromstring(out.html).iter("h2")]
    assert titles[-2:] == ["Little birds", "Diary"]
    assert "I'm hearing\n===" not in out.text and "Events\n===" not in out.text


def test_empty_sections_are_left_out():
    out = render_issue(make_issue(pieces=(), hearing=(), events=()), Config())
    for title in ("More news and comment", "I'm hearing", "Events"):
        assert title not in out.html and title not in out.text
    assert 'class="events"' not in out.html and "News and Comment from Roy Lilley" in out.text


def test_an_issue_with_nothing_still_has_masthead_and_footer():
    out = render_issue(make_issue(lead=None, pieces=(), hearing=(), events=()), Config())
    assert "31st August 2016" in out.html and UNSUBSCRIBE_TOKEN in out.html and UNSUBSCRIBE_TOKEN in out.text
    assert out.warnings == ()


def test_pieces_have_headline_byline_and_read_more(doc):
    pieces = doc.find_class("piece-cell")
    assert [p.find("h3").text_content() for p in pieces] == ["Obsession with Activity must end", "Yet Another Project"]
    assert pieces[0].find_class("byline")[0].text_content() == "By Hamish Dibley, 30th August 2016"
    assert pieces[1].find(".//a").get("href") == "http://example.net/yet-another-project"


def test_hearing_items_are_marked(doc):
    marks = doc.find_class("hearing")
    assert len(marks) == 2 and all(m.text_content().startswith(">>") for m in marks)


def test_events_show_when_where_who_and_tickets(doc):
    first, second = doc.find_class("event-cell")
    assert first.find_class("event-when")[0].text_content() == "26th September 2016, 5.30pm"
    text = first.text_content()
    assert "The King's Fund" in text and "Ed Smith, Chair of Not-Monitor" in text and "Great evening" in text
    assert first.find(".//a").get("href") == "https://example.org/tickets/ed-smith"
    assert first.find(".//a").text_content() == "Tickets here"
    assert "Sold out" in second.text_content() and second.find(".//a") is None
    assert "Book now" not in second.text_content()


def test_ticket_text_without_a_url_is_plain_text():
    e1 = make_issue().events[0]
    e1 = replace(e1, event=replace(e1.event, ticket_url=None))
    doc = lxml.html.document_fromstring(render_issue(make_issue(events=(e1,)), Config()).html)
    [what] = doc.find_class("event-cell")
    assert "Tickets here" in what.text_content() and what.find(".//a") is None


def test_footer_has_why_address_and_unsubscribe():
    out = render_issue(make_issue(), config_with(email={"postal_address": "1 High Street, Leeds"}))
    footer = lxml.html.document_fromstring(out.html).find_class("footer")[0]
    assert "You receive this eLetter because you subscribed to it." in footer.text_content()
    assert "1 High Street, Leeds" in footer.text_content() and "1 High Street, Leeds" in out.text
    assert footer.find(".//a").get("href") == UNSUBSCRIBE_TOKEN
    assert "1 High Street" not in render_issue(make_issue(), Config()).html


def test_content_is_escaped_in_html():
    piece = replace(make_issue().pieces[0], title="<script>alert('x')</script> & more")
    out = render_issue(make_issue(pieces=(piece,)), Config())
    assert "<script" not in out.html and "&lt;script&gt;" in out.html
    assert "<script>alert('x')</script> & more" in out.text


def test_the_example_issue_renders_without_warnings(rendered):
    assert rendered.warnings == ()


# --- the plain-text part ----------------------------------------------------------------------


def test_text_lines_fit_72_columns_except_unbreakable_urls(rendered):
    long = [line for line in rendered.text.splitlines() if len(line) > 72]
    assert long and all(re.fullmatch(r"(\[\d+\] )?(https?|mailto):\S+", line) for line in long)


def test_text_headings_are_underlined(rendered):
    lines = rendered.text.splitlines()
    for heading, rule in (("I'm hearing", "="), ("Events", "="), ("Obsession with Activity must end", "-")):
        at = lines.index(heading)
        assert lines[at + 1] == rule * len(heading)


def test_text_links_are_numbered_and_listed_after_their_piece(rendered):
    text = rendered.text
    ref = re.search(r"Read more \[(\d+)\]", text.split("Obsession with Activity must end", 1)[1]).group(1)
    listing = f"[{ref}] https://example.org/2016/08/30/obsession-with-activity"
    assert text.index(listing) < text.index("Yet Another Project")
    numbers = [int(n) for n in re.findall(r"^\[(\d+)\] ", text, re.M)]
    assert numbers == list(range(1, len(numbers) + 1))
    assert f"[{numbers[-2]}] {UNSUBSCRIBE_TOKEN}" in text and f"[{numbers[-1]}] {MANAGE_TOKEN}" in text


def test_text_hearing_items_start_with_chevrons(rendered):
    section = rendered.text.split("I'm hearing\n===========\n", 1)[1].split("\n\n\n", 1)[0]
    paragraphs = [p.strip("\n") for p in section.split("\n\n") if p.strip()]
    assert len(paragraphs) == 2 and all(p.startswith(">> ") for p in paragraphs)


def test_text_follows_the_html_order(rendered, doc):
    html_order = [h.text_content() for h in doc.iter("h2")]
    positions = [rendered.text.index(f"{title}\n{'=' * len(title)}") for title in html_order]
    assert positions == sorted(positions)


# --- templates: overrides, errors, warnings ---------------------------------------------------


def overriding(tmp_path, name: str, source: str) -> Config:
    path = tmp_path / "email" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return config_with(templates={"dir": str(tmp_path)})


def test_an_override_replaces_the_builtin_template_by_name(tmp_path):
    config = overriding(tmp_path, "issue.txt", "Issue {{ issue.number }} {{ unsubscribe_url }}")
    out = render_issue(make_issue(), config)
    assert out.text == f"Issue 1 {UNSUBSCRIBE_TOKEN}\n"
    assert "News and Comment from Roy Lilley" in out.html  # issue.html is still the built-in one


def test_a_broken_override_names_its_file_and_line(tmp_path):
    config = overriding(tmp_path, "issue.html", "<!DOCTYPE html>\n<html>\n{% if %}\n</html>\n")
    with pytest.raises(RenderError) as e:
        render_issue(make_issue(), config)
    assert str(tmp_path / "email" / "issue.html") in str(e.value) and "line 3" in str(e.value)


def test_an_undefined_name_in_an_override_names_its_file_and_line(tmp_path):
    config = overriding(tmp_path, "_piece.html", "<p>\n{{ item.no_such_field }}</p>\n")
    with pytest.raises(RenderError) as e:
        render_issue(make_issue(), config)
    assert str(tmp_path / "email" / "_piece.html") in str(e.value) and "line 2" in str(e.value)
    assert "no_such_field" in str(e.value)


def test_a_missing_include_is_a_render_error(tmp_path):
    with pytest.raises(RenderError, match="not found"):
        render_issue(make_issue(), overriding(tmp_path, "issue.txt", "{% include 'email/nope.txt' %}"))


def test_css_problems_become_warnings_not_stderr(tmp_path, capfd):
    config = overriding(tmp_path, "style.css", ".para { colr: red; font-size: 16px; }\n@media (max-width: 600px) {}")
    logger = logging.getLogger("CSSUTILS")
    before = (list(logger.handlers), logger.level, logger.propagate)
    out = render_issue(make_issue(), config)
    assert any("colr" in w for w in out.warnings)
    assert capfd.readouterr().err == ""
    assert (list(logger.handlers), logger.level, logger.propagate) == before


def test_an_override_without_unsubscribe_link_warns(tmp_path):
    out = render_issue(make_issue(), overriding(tmp_path, "issue.txt", "No way out"))
    assert out.warnings == (f"the text part has no unsubscribe link ({UNSUBSCRIBE_TOKEN})",)


def test_importing_render_does_not_import_premailer():
    code = "import sys, newsletter.render; print('premailer' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# --- golden files -------------------------------------------------------------------------


def test_golden_html(rendered, golden):
    golden("issue.html", rendered.html)


def test_golden_text(rendered, golden):
    golden("issue.txt", rendered.text)


# --- the size budget ------------------------------------------------------------------------

SENTENCE = "A sentence of eight words is written here. "
LONG = SENTENCE * 20  # 160 words, about 880 bytes


def test_excerpt_keeps_whole_paragraphs_while_they_fit():
    paragraphs = ("one two three.", "four five six seven.", "eight nine ten eleven twelve.")
    assert excerpt(paragraphs, 7) == paragraphs[:2]
    assert excerpt(paragraphs, 100) == paragraphs


def test_excerpt_ends_a_long_first_paragraph_at_a_sentence_or_a_word():
    assert excerpt((LONG, "next"), 20) == ((SENTENCE * 2).strip(),)
    assert excerpt(("word " * 500,), 10) == ("word word word word word word word word word word\u2026",)


def huge_issue(archive: bool = True):
    """Two long pieces (about 130 KB and 35 KB of text) and a short one: far over 90 KB."""
    base = make_issue()
    longest = replace(base.pieces[0], paragraphs=(LONG,) * 150)
    long = replace(base.pieces[1], id="p3", title="Also long", paragraphs=(LONG,) * 40, link=None)
    return make_issue(pieces=(longest, long, base.pieces[1]))


def test_an_issue_over_the_budget_has_its_longest_pieces_cut_until_it_fits():
    config = config_with(email={"archive_url": "https://example.org/archive"})
    out = render_issue(huge_issue(), config)
    assert len(out.html.encode("utf-8")) <= 90 * 1024
    assert out.cuts == (
        "cut 'Obsession with Activity must end' to an excerpt (96 of 24,000 words)",
        "the excerpts link to the web copy, https://example.org/archive/issue-0001.html",
    )
    doc = lxml.html.document_fromstring(out.html)
    cut, long, short = doc.find_class("piece-cell")
    assert len(cut.find_class("para")) == 1 and cut.find_class("para")[0].text_content() == (SENTENCE * 12).strip()
    [rest] = cut.iter("a")
    assert (rest.text_content(), rest.get("href")) == (
        "Read the rest",
        "https://example.org/archive/issue-0001.html#item-p1",
    )
    assert len(long.find_class("para")) == 40 and not long.find(".//a")  # small enough once the longest went
    assert short.find(".//a").text_content() == "Read more"
    text = out.text.split("Obsession with Activity must end", 1)[1]
    number = re.search(r"Read the rest \[(\d+)\]", text).group(1)
    assert f"[{number}] https://example.org/archive/issue-0001.html#item-p1" in text
    unwrapped = " ".join(out.text.split())
    assert unwrapped.count(SENTENCE.strip()) == out.html.count(SENTENCE.strip())  # same content in both parts


def test_without_a_web_copy_excerpts_link_to_their_source_or_say_they_are_excerpts():
    out = render_issue(huge_issue(), config_with(email={"size_budget_kb": 20}))
    assert out.cuts == (
        "cut 'Obsession with Activity must end' to an excerpt (96 of 24,000 words)",
        "cut 'Also long' to an excerpt (96 of 6,400 words)",
        "no [email] archive_url, so no web copy: each excerpt links to its source where it has one",
    )
    assert len(out.html.encode("utf-8")) <= 20 * 1024
    cut, long, _ = lxml.html.document_fromstring(out.html).find_class("piece-cell")
    assert cut.find(".//a").get("href") == make_issue().pieces[0].link
    assert cut.find(".//a").text_content() == "Read the rest"
    assert long.find(".//a") is None
    assert "This is an excerpt: the rest did not fit in this email." in long.text_content()
    assert "This is an excerpt: the rest did not fit in this email." in out.text


def test_when_cutting_every_piece_is_not_enough_the_lowest_ranked_items_move_to_the_web_edition_list():
    hearing = tuple(replace(make_issue().hearing[0], id=f"h{n}", paragraphs=(LONG,)) for n in range(300))
    config = config_with(email={"archive_url": "https://example.org/archive"})
    out = render_issue(replace(huge_issue(), hearing=hearing), config)
    assert len(out.html.encode("utf-8")) <= 90 * 1024
    assert [c.split(" to ")[0] for c in out.cuts[:3]] == [
        "cut 'Obsession with Activity must end'",
        "cut 'Also long'",
        "cut 'News and Comment from Roy Lilley'",
    ]
    moved = out.issue.overflow
    assert out.cuts[3].startswith(f'moved {len(moved)} lowest-ranked item(s) to "More in the web edition"')
    # The last hearing items went, and went whole (the web copy shows them in full).
    assert [i.id for i in moved] == [f"h{n}" for n in range(300 - len(moved), 300)]
    assert [i.id for i in out.issue.hearing] == [f"h{n}" for n in range(300 - len(moved))]
    assert out.issue.pieces[0].paragraphs == (LONG,) * 150
    doc = lxml.html.fromstring(out.html)
    links = doc.xpath("//ul[@class='overflow-list']//a/@href")
    assert links[0] == f"https://example.org/archive/issue-0001.html#item-{moved[0].id}" and len(links) == 20
    assert f"And {len(moved) - 20} more in the web edition" in out.html
    assert "More in the web edition" in out.text and f"#item-{moved[0].id}" in out.text


def test_an_issue_within_the_budget_is_not_cut(rendered):
    assert rendered.cuts == () and "Read the rest" not in rendered.html


def test_a_copied_then_edited_stylesheet_changes_the_output(tmp_path):
    from newsletter.pipeline import copy_templates

    copy_templates(tmp_path / "mine")
    css = tmp_path / "mine" / "email" / "style.css"
    old, new = "font-size: 16px;\n  line-height: 24px;\n  color: #1f2933;", "font-size: 18px;\n  color: #000000;"
    css.write_text(css.read_text(encoding="utf-8").replace(old, new))
    out = render_issue(make_issue(), config_with(templates={"dir": str(tmp_path / "mine")}))
    para = lxml.html.document_fromstring(out.html).find_class("para")[0].get("style")
    assert "font-size:18px" in para and "color:#000" in para
    assert "font-size:16px" in lxml.html.document_fromstring(render_issue(make_issue(), Config()).html).find_class(
        "para"
    )[0].get("style")
