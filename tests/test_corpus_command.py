"""`newsletter corpus`: what the reader made of each file, and of each line of one file."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from newsletter.cli import cli

SEED_001 = """\
  kind        article
  title       Yet Another Project
  author      Nigel Rose
  date        2018-01-30 11:51
  found       6 paragraph(s), 0 hearing, 0 event(s), 0 comment(s)
  dropped     4 boilerplate, 0 duplicate, 0 sidebar line(s)
"""


def run(project, *args):
    return CliRunner().invoke(cli, ["corpus", *args, "--config", str(project / "config.toml")])


def test_each_file_is_explained(project):
    result = run(project)
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"{project / 'seeds' / '001_a91b319b42b724d1.txt'}\n{SEED_001}" in out
    assert "  kind        eLetter page\n  title       As health services management comes under more and more…\n" in out
    assert "  found       27 paragraph(s), 2 hearing, 1 event(s), 0 comment(s)\n" in out
    assert "  dropped     0 boilerplate, 13 duplicate, 0 sidebar line(s)\n" in out  # seed 003's repeated body
    assert out.count("warning     no date found") == 3
    assert out.endswith("5 file(s): 4 article, 1 eLetter page\n")


def test_one_file_line_by_line_with_dropped_lines_marked(project):
    seed = project / "seeds" / "004_294936800ec624cd.txt"
    result = run(project, "--file", str(seed))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == str(seed) and "5 file(s)" not in result.output
    assert "     1  masthead     31st August 2016" in lines
    assert "x    3  boilerplate  Live Health News | Weather | Archive" in lines
    assert "x    5  sidebar      Ed Smith" in lines
    assert "    11  heading      News and Comment from Roy Lilley" in lines
    assert (
        "    12  paragraph 1  As health services management comes under more and more pressure and greater skills are required, w…"
        in lines
    )
    assert "x   41  boilerplate  Contact Roy - please use this e-address" in lines
    assert "    62  event        26th Sept Kings Fund 5.30pm." in lines
    assert any(line.startswith("    76  hearing      >> I'm hearing - more than 700") for line in lines)


def test_an_empty_folder_says_so(project):
    shutil.rmtree(project / "seeds")
    (project / "seeds").mkdir()
    result = run(project)
    assert result.exit_code == 0
    assert result.output == f"{project / 'seeds'}: the corpus folder is empty (no .txt or .md files).\n"


def test_a_missing_folder_is_an_error_and_a_bad_file_one_line(project):
    (project / "seeds" / "005_bad.txt").write_bytes(b"GIF89a\x00\x01")
    result = run(project)
    assert result.exit_code == 0
    assert f"{project / 'seeds' / '005_bad.txt'}\n  unreadable  binary file (NUL bytes)\n" in result.output
    assert result.output.endswith("6 file(s): 4 article, 1 eLetter page, 1 unreadable\n")
    shutil.rmtree(project / "seeds")
    result = run(project)
    assert result.exit_code == 1
    assert "corpus folder not found" in result.output


def test_line_numbers_are_the_files_own(project):
    page = project / "seeds" / "005_spaced.txt"
    page.write_text(
        "\n\n  \nA title\n\nBy Jane Doe\n\nA first paragraph of prose, as written.\nShare this:\n", encoding="utf-8"
    )
    result = run(project, "--file", str(page))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-4:] == [
        "     4  title        A title",
        "     6  byline       By Jane Doe",
        "     8  paragraph 1  A first paragraph of prose, as written.",
        "x    9  boilerplate  Share this:",
    ]
