"""`newsletter templates`: list what an issue is rendered with; copy the defaults to edit them."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.render import builtin_templates

ROOT = Path(__file__).resolve().parent.parent


def run(project: Path, *args: str):
    return CliRunner().invoke(cli, [*args, "--config", str(project / "config.toml")])


def project_with(tmp_path: Path, templates_dir: str = "") -> Path:
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    (tmp_path / "config.toml").write_text(text.replace('dir = ""', f'dir = "{templates_dir}"'), encoding="utf-8")
    return tmp_path


def test_copy_writes_every_default_in_the_layout_the_loader_reads(tmp_path):
    project = project_with(tmp_path)
    result = run(project, "templates", "--copy", str(project / "mine"))
    assert result.exit_code == 0, result.output
    defaults = sorted(p.relative_to(builtin_templates()) for p in builtin_templates().rglob("*") if p.is_file())
    copied = sorted(p.relative_to(project / "mine") for p in (project / "mine").rglob("*") if p.is_file())
    assert copied == defaults and Path("email/style.css") in copied
    assert result.output.splitlines() == [
        f"Copied {len(defaults)} template(s) to {project / 'mine'}",
        f'To use them, set dir = "mine" under [templates] in {project / "config.toml"}.',
    ]


def test_copy_never_overwrites_an_editors_files_unless_forced(tmp_path):
    project = project_with(tmp_path)
    assert run(project, "templates", "--copy", str(project / "mine")).exit_code == 0
    edited = project / "mine" / "email" / "style.css"
    edited.write_text("/* mine */", encoding="utf-8")
    refused = run(project, "templates", "--copy", str(project / "mine"))
    assert refused.exit_code == 1 and f"{project / 'mine' / 'email' / '_event.html'} exists" in refused.output
    assert edited.read_text(encoding="utf-8") == "/* mine */"
    assert run(project, "templates", "--copy", str(project / "mine"), "--force").exit_code == 0
    assert edited.read_text(encoding="utf-8") != "/* mine */"


def test_the_list_shows_which_templates_the_editor_overrides(tmp_path):
    project = project_with(tmp_path, templates_dir="mine")
    (project / "mine" / "email").mkdir(parents=True)
    (project / "mine" / "email" / "style.css").write_text(".para { font-size: 18px; }", encoding="utf-8")
    result = run(project, "templates")
    assert result.exit_code == 0, result.output
    rows = dict(line.split(None, 1) for line in result.output.splitlines())
    assert rows["email/style.css"] == str(project / "mine" / "email" / "style.css")
    assert rows["email/issue.html"] == "built-in"


def test_a_copied_then_edited_stylesheet_shows_in_the_built_issue(tmp_path):
    project = project_with(tmp_path, templates_dir="mine")
    assert run(project, "templates", "--copy", str(project / "mine")).exit_code == 0
    css = project / "mine" / "email" / "style.css"
    css.write_text(
        css.read_text(encoding="utf-8").replace("background-color: #0b4f6c;", "background-color: #6c0b2a;"),
        encoding="utf-8",
    )
    assert run(project, "build", "--date", "2016-08-31", "--no-fetch").exit_code == 0
    html = (project / "out" / "issue-0001" / "issue.html").read_text(encoding="utf-8")
    assert "background-color:#6c0b2a" in html and "background-color:#0b4f6c" not in html


def test_a_templates_dir_that_does_not_exist_is_an_error(tmp_path):
    project = project_with(tmp_path, templates_dir="typo")
    result = run(project, "build", "--no-fetch")
    assert result.exit_code == 1 and f"[templates] dir: {project / 'typo'} is not a folder" in result.output
