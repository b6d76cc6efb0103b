"""The editor's drafts file: reading it (bad files are warnings, never a crash), writing it
back, applying it to a composed issue, and `newsletter build` honouring it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner
from storekit import mark_sent

from newsletter import choices as choice_files
from newsletter import config as config_module
from newsletter.choices import AddedEvent, Choices
from newsletter.cli import cli
from newsletter.models import ARTICLE, EVENT, HEARING, Event, Issue, Item
from newsletter.store import Store

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2016, 8, 31)


def article(name: str) -> Item:
    return Item(id=name, kind=ARTICLE, title=name.title(), source="test", paragraphs=(f"About {name}.",))


def line(name: str) -> Item:
    return Item(id=name, kind=HEARING, title=name, source="test", paragraphs=(f"I'm hearing {name}.",))


def event(name: str, day: int) -> Item:
    return Item(id=name, kind=EVENT, title=name, source="test", event=Event(dt.date(2016, 9, day)))


ISSUE = Issue(
    1,
    DAY,
    "The eLetter: Lead",
    lead=article("lead"),
    pieces=(article("one"), article("two"), article("three")),
    hearing=(line("h1"), line("h2")),
    events=(event("e1", 5), event("e2", 9)),
)


def ids(items) -> list[str]:
    return [i.id for i in items]


def test_no_choices_change_nothing():
    assert choice_files.apply(ISSUE, Choices(1)) == ISSUE


def test_a_new_lead_moves_the_old_one_to_the_top_of_the_pieces_and_the_subject_follows():
    shaped = choice_files.apply(ISSUE, Choices(1, lead="two"))
    assert shaped.lead.id == "two"
    assert ids(shaped.pieces) == ["lead", "one", "three"]
    assert shaped.subject == "The eLetter: Two"


def test_an_edited_subject_wins_over_the_lead():
    assert choice_files.apply(ISSUE, Choices(1, lead="two", subject="Today: a choice")).subject == "Today: a choice"


def test_dropped_items_leave_every_section_and_a_dropped_lead_is_replaced_by_the_next_piece():
    shaped = choice_files.apply(ISSUE, Choices(1, drop=("lead", "h2", "e1", "three")))
    assert shaped.lead.id == "one" and ids(shaped.pieces) == ["two"]
    assert ids(shaped.hearing) == ["h1"] and ids(shaped.events) == ["e2"]
    assert shaped.subject == "The eLetter: One"


def test_an_order_puts_its_items_first_and_the_rest_follow_as_composed():
    shaped = choice_files.apply(ISSUE, Choices(1, order=(("pieces", ("three", "gone")), ("events", ("e2", "e1")))))
    assert ids(shaped.pieces) == ["three", "one", "two"]
    assert ids(shaped.events) == ["e2", "e1"]


def test_choices_naming_items_not_in_the_issue_are_skipped_and_reported(tmp_path):
    choices = Choices(1, lead="h1", drop=("sent-long-ago",), order=(("hearing", ("h2", "nope")),))
    shaped = choice_files.apply(ISSUE, choices)
    assert shaped.lead.id == "lead" and ids(shaped.hearing) == ["h2", "h1"]
    path = tmp_path / "issue-0001.toml"
    assert choice_files.unmatched(ISSUE, choice_files.ChoicesFile(path, choices)) == (
        f"{path}: drop: no item 'sent-long-ago' in issue 1; ignored",
        f"{path}: order.hearing: no item 'nope' in issue 1; ignored",
        f"{path}: lead: 'h1' is not an article, so it cannot lead; ignored",
    )


def test_what_is_written_reads_back_the_same(tmp_path):
    choices = Choices(
        3,
        subject='A "quoted" subject \\ with a backslash',
        lead="abc",
        drop=("x", "y"),
        order=(("pieces", ("b", "a")), ("hearing", ("h",))),
        hearing=("I'm hearing – in Unicode.",),
        events=(
            AddedEvent(
                dt.date(2016, 9, 26), "A talk", dt.time(17, 30), "The King's Fund", "https://t.example/1", "Wine."
            ),
            AddedEvent(dt.date(2016, 10, 1), "Another"),
        ),
    )
    path = choice_files.path_for(tmp_path / "drafts", 3)
    choice_files.write(path, choices)
    assert path.name == "issue-0003.toml"
    assert choice_files.read(path, 3) == (choices, ())
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# The editor's choices for issue 3") and "date = 2016-09-26" in text
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_a_missing_file_is_no_choices(tmp_path):
    assert choice_files.read(tmp_path / "issue-0001.toml", 1) == (Choices(1), ())


def test_a_toml_syntax_error_names_the_file_and_line_and_ignores_the_file(tmp_path):
    path = tmp_path / "issue-0001.toml"
    path.write_text('lead = "abc"\nsubject =\ndrop = []\n', encoding="utf-8")
    choices, warnings = choice_files.read(path, 1)
    assert choices == Choices(1)
    [warning] = warnings
    assert warning.startswith(f"{path}: TOML syntax error: ") and "line 2" in warning
    assert warning.endswith("the editor's choices are ignored")


def test_a_bad_key_is_one_warning_naming_it_and_the_other_choices_are_kept(tmp_path):
    path = tmp_path / "issue-0001.toml"
    path.write_text(
        'subject = 3\nlead = "two"\ncolour = "red"\nhearing = ["fine", ""]\n'
        '[order]\npieces = ["three"]\nsidebar = ["x"]\n'
        '[[event]]\ndate = 2016-09-05\ntitle = "Good"\n'
        '[[event]]\ndate = "next week"\ntitle = "Bad date"\n'
        '[[event]]\ntitle = "No date"\n',
        encoding="utf-8",
    )
    choices, warnings = choice_files.read(path, 1)
    assert choices == Choices(
        1, lead="two", order=(("pieces", ("three",)),), events=(AddedEvent(dt.date(2016, 9, 5), "Good"),)
    )
    assert [w.removeprefix(f"{path}: ") for w in warnings] == [
        "subject: must be a non-empty string, not 3; ignored",
        "colour: unknown key (known: subject, lead, drop, hearing, order, event, pin); ignored",
        "hearing: must be a non-empty string, not ''; ignored",
        "order.sidebar: unknown section (known: pieces, hearing, events); ignored",
        "event[2].date: must be a date such as 2016-09-26, not 'next week'; ignored",
        "event[3].date: is required; ignored",
    ]


def test_added_lines_and_events_are_items_with_ids_from_their_content():
    choices = Choices(2, hearing=("I'm hearing a rumour.",), events=(AddedEvent(dt.date(2016, 9, 5), "A talk"),))
    line_item, event_item = choice_files.added_items(choices, "drafts/issue-0002.toml")
    assert line_item.kind == HEARING and line_item.paragraphs == ("I'm hearing a rumour.",)
    assert event_item.kind == EVENT and event_item.event.day == dt.date(2016, 9, 5)
    assert choice_files.added_items(choices, "elsewhere")[0].id == line_item.id
    assert (
        choice_files.added_items(Choices(3, hearing=choices.hearing), "x")[0].id != line_item.id
    )  # a later issue's own


def build(project, *args):
    return CliRunner().invoke(cli, ["build", "--date", "2016-08-31", *args, "--config", str(project / "config.toml")])


def test_build_honours_the_drafts_file_and_dropped_items_stay_for_a_later_issue(project):
    (project / "drafts").mkdir()
    # Undated and first seen now, "Reworking the NHS" waits for a later issue unless pinned.
    choice_files.write(
        project / "drafts" / "issue-0001.toml",
        Choices(
            1,
            lead="d4875db088d3db52",
            drop=("d6ac52f548530ef0",),
            hearing=("I'm hearing the editor added this.",),
            pin=("d4875db088d3db52", "d6ac52f548530ef0"),
            events=(AddedEvent(dt.date(2016, 9, 20), "An evening the editor added", venue="The Library"),),
        ),
    )
    result = build(project)
    assert result.exit_code == 0, result.output
    assert "Issue 1 (draft) for 2016-08-31: The Daily eLetter: Reworking the NHS" in result.output
    assert "  dropped  1 (kept for a later issue)" in result.output.splitlines()
    text = " ".join((project / "out" / "issue-0001" / "issue.txt").read_text(encoding="utf-8").split())
    assert text.index("Reworking the NHS") < text.index("More news and comment")
    assert "Yet Another Project" not in text
    assert "I'm hearing the editor added this." in text and "An evening the editor added" in text
    with Store(config_module.load(project / "config.toml").store_url) as store:
        mark_sent(store, 1, dt.datetime(2016, 8, 31, 7, tzinfo=dt.timezone.utc))
        waiting = [i.title for i, _ in store.items.pool()]
        assert "Yet Another Project" in waiting and "Reworking the NHS" not in waiting


def test_a_line_removed_from_the_file_leaves_the_draft(project):
    path = project / "drafts" / "issue-0001.toml"
    choice_files.write(path, Choices(1, hearing=("I'm hearing something for a moment.",)))
    assert build(project).exit_code == 0
    choice_files.write(path, Choices(1))
    assert build(project).exit_code == 0
    assert "for a moment" not in (project / "out" / "issue-0001" / "issue.txt").read_text(encoding="utf-8")


def test_a_bad_drafts_file_is_a_warning_and_the_issue_is_built(project):
    path = project / "drafts" / "issue-0001.toml"
    path.parent.mkdir()
    path.write_text('lead = "no-such-item"\nsubject = ["a list"]\n', encoding="utf-8")
    result = build(project)
    assert result.exit_code == 0
    assert f"warning: {path}: subject: must be a non-empty string, not ['a list']; ignored" in result.stderr
    assert f"warning: {path}: lead: no item 'no-such-item' in issue 1; ignored" in result.stderr
    assert (
        "Issue 1 (draft) for 2016-08-31: The Daily eLetter: As health services management comes under more and more…"
        in result.output
    )


def test_the_drafts_folder_is_configurable(project):
    config_text = (project / "config.toml").read_text(encoding="utf-8")
    assert '[drafts]\ndir = "drafts"\n' in config_text
    (project / "config.toml").write_text(config_text.replace('[drafts]\ndir = "drafts"', '[drafts]\ndir = "editor"'))
    choice_files.write(project / "editor" / "issue-0001.toml", Choices(1, subject="Chosen elsewhere"))
    result = build(project)
    assert result.exit_code == 0 and "Issue 1 (draft) for 2016-08-31: Chosen elsewhere" in result.output
