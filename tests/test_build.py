"""`newsletter build` end to end on a copy of the shipped seeds and config."""

import email
import email.policy
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from storekit import mark_sent

from newsletter import config
from newsletter.cli import cli
from newsletter.store import Store

ROOT = Path(__file__).resolve().parent.parent
BOILERPLATE = [
    "0333 321 3021",
    "Shared Topic Areas",
    "Nigel Rose's picture",
    "Add new comment",
    "One thought on",
    "Leave a Reply",
    "You are commenting using",
    "Live Health News",
    "Contact Roy - please use this e-address",
    "MaM Logo",
    "Follow us on Twitter",
    "The Academy of Fabulous NHS Stuff",
    "This best seller is in its third edition",
    "ReplyDelete",
]


def run(project, *args):
    result = CliRunner().invoke(cli, [*args, "--config", str(project / "config.toml")])
    return result


def test_build_writes_a_complete_issue_with_every_document(production):
    project = production
    result = run(project, "build", "--date", "2016-08-31")
    assert result.exit_code == 0, result.output
    folder = project / "out" / "issue-0001"
    assert sorted(p.name for p in folder.iterdir()) == ["issue.eml", "issue.html", "issue.txt"]
    lines = result.output.splitlines()
    assert (
        lines[0]
        == "Issue 1 (draft) for 2016-08-31: The Daily eLetter: As health services management comes under more and more…"
    )
    # The other four pieces wait: one is dated 2018, three are undated and so count as first
    # seen (now, long after the issue date).
    assert lines[1:6] == ["  8 new item(s)", "  lead     1", "  pieces   0", "  hearing  2", "  events   1"]
    size = (folder / "issue.html").stat().st_size
    assert lines[6] == f"  html     {size / 1024:.1f} KB (budget 90 KB)" and size < 90 * 1024
    assert lines[7] == "  left 4 item(s) for a later issue: 4 dated (undated: first seen) after the issue date"
    assert lines[8:] == [f"Wrote {folder / name}" for name in ("issue.html", "issue.txt", "issue.eml")]
    text = " ".join((folder / "issue.txt").read_text(encoding="utf-8").split())  # undo wrapping
    html = " ".join((folder / "issue.html").read_text(encoding="utf-8").split())
    assert "Yet Another Project" not in text  # dated 2018-01-30, after the issue
    for expected in (
        "I think Peter Drucker would go for that.",
        "more than 700 civil servants",
        "web-chats as part of their NHS24 service",
        "Ed Smith",
        "The King's Fund",
        "Tickets here",
    ):
        assert expected in text, expected
        assert expected.replace("'", "&#39;") in html or expected in html, expected
    for line in BOILERPLATE:
        assert line not in text and line not in html, line


def test_events_before_the_issue_date_are_left_out(project):
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    assert "  events   0" in result.output.splitlines()
    assert "Ed Smith" not in (project / "out" / "issue-0001" / "issue.txt").read_text(encoding="utf-8")


def test_building_again_refreshes_the_same_draft(project):
    assert run(project, "build").exit_code == 0
    again = run(project, "build")
    assert again.exit_code == 0
    assert again.output.startswith("Issue 1 (draft)")
    assert "  0 new item(s)" in again.output
    assert not (project / "out" / "issue-0002").exists()


def test_an_edited_document_replaces_its_old_text_in_the_draft(project):
    assert run(project, "build").exit_code == 0
    path = next((project / "seeds").glob("002_*"))
    path.write_text(path.read_text(encoding="utf-8").replace("Reworking the NHS", "Rebuilding the NHS", 1))
    again = run(project, "build")
    assert "  1 new item(s)" in again.output
    text = (project / "out" / "issue-0001" / "issue.txt").read_text(encoding="utf-8")
    assert "Rebuilding the NHS" in text and "Reworking the NHS" not in text


def test_nothing_new_after_a_send_writes_nothing_unless_allowed(project):
    assert run(project, "build").exit_code == 0
    with Store(config.load(project / "config.toml").store_url) as store:
        mark_sent(store, 1, store.issues.draft().updated)
    result = run(project, "build")
    assert result.exit_code == 0
    assert result.output.startswith("Nothing new")
    assert not (project / "out" / "issue-0002").exists()
    allowed = run(project, "build", "--allow-empty")
    assert allowed.exit_code == 0 and allowed.output.startswith("Issue 2 (draft)")
    assert (project / "out" / "issue-0002" / "issue.eml").exists()


def test_dry_run_saves_and_writes_nothing(project):
    result = run(project, "build", "--dry-run")
    assert result.exit_code == 0
    assert result.output.startswith("Issue 1 (dry run, not saved)")
    assert "Wrote" not in result.output
    assert not (project / "out").exists()
    with Store(config.load(project / "config.toml").store_url) as store:
        assert store.issues.draft() is None and [item for item, _ in store.items.pool()] == []


def test_a_bad_file_is_one_warning_and_the_rest_is_built(production):
    project = production
    (project / "seeds" / "empty.txt").write_bytes(b"")
    (project / "seeds" / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 50)
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2
    assert any("empty.txt" in w for w in warnings) and any("binary.txt" in w for w in warnings)
    assert (project / "out" / "issue-0001" / "issue.html").exists()


def test_a_missing_corpus_folder_is_an_error_naming_it(project):
    shutil.rmtree(project / "seeds")
    result = run(project, "build")
    assert result.exit_code == 1
    assert str(project / "seeds") in result.output
    assert not (project / "out").exists()


def test_a_broken_config_names_the_line(project):
    (project / "config.toml").write_text("[newsletter]\ntitle = \n", encoding="utf-8")
    result = run(project, "build")
    assert result.exit_code == 1
    assert "config.toml: TOML syntax error" in result.output and "line 2" in result.output


def test_a_bad_option_is_a_usage_error(project):
    assert run(project, "build", "--date", "31/08/2016").exit_code == 2


def test_the_real_command_builds_a_parseable_message(project):
    done = subprocess.run(
        [sys.executable, "-m", "newsletter", "build", "--date", "2016-08-31"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    raw = (project / "out" / "issue-0001" / "issue.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p["Content-Transfer-Encoding"] == "quoted-printable" for p in parts)
    html = parts[1].get_content()
    assert html.count("style=") > 10
    assert "<p " in html and 'style="' in html.split("News and Comment", 1)[1]
    assert message["Subject"] == "The Daily eLetter: As health services management comes under more and more…"
    assert message["Message-ID"].endswith("@example.org>")
    assert message["Date"].datetime.tzinfo is not None
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
