"""`check` tells an item that quotes template syntax (escaped content, shown as written) from
template syntax a template left behind."""

from __future__ import annotations

import itertools

from click.testing import CliRunner

from newsletter import pipeline
from newsletter.cli import cli

OPENERS = ["{{", "{%", "{#"]
CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}


def quotes():
    """Every kind of Jinja construct, spaced and unspaced, alone and glued to punctuation."""
    for opener, inner, spaced in itertools.product(OPENERS, ["7*7", "if user.admin", "config.items()"], [True, False]):
        pad = " " if spaced else ""
        yield f"{opener}{pad}{inner}{pad}{CLOSERS[opener]}"
    yield "({{7*7}})."
    yield '"{% endif %}"'


def corpus_piece(folder, phrases) -> None:
    sentences = " ".join(f"The probe {p} came back as written." for p in phrases)
    words = " ".join(["Filler words keep this piece long enough to be an article."] * 4)
    (folder / "seeds" / "template-injection.txt").write_text(
        f"Testing sites for template injection {{{{7*7}}}}\n\nBy A Security Writer\n\n{sentences}\n\n{words}\n",
        encoding="utf-8",
    )


def run(project, *args):
    return CliRunner().invoke(cli, [*args, "--config", str(project / "config.toml")])


def test_items_quoting_template_syntax_are_content_not_leftovers(production):
    project = production
    phrases = list(quotes())
    corpus_piece(project, phrases)
    built = run(project, "build", "--no-fetch")  # today: the undated piece counts as first seen now
    assert built.exit_code == 0, built.output
    html = (project / "out" / "issue-0001" / "issue.html").read_text(encoding="utf-8")
    assert "{{7*7}}" in html and "{% if user.admin %}" in html  # shown as written
    assert "template-syntax" not in built.output
    for args in (("1",), (str(project / "out" / "issue-0001" / "issue.eml"),)):
        checked = run(project, "check", *args)
        assert (checked.exit_code, checked.output) == (0, "No problems found.\n")


def test_a_template_leftover_is_an_error_even_beside_quoting_content(production):
    project = production
    corpus_piece(project, list(quotes()))
    pipeline.copy_templates(project / "mine")
    footer = project / "mine" / "email" / "issue.txt"
    footer.write_text(
        footer.read_text(encoding="utf-8") + "\n{% raw %}Dear {{ subscriber.name }}{% endraw %}\n", encoding="utf-8"
    )
    config = project / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('\ndir = ""\n', '\ndir = "mine"\n'), encoding="utf-8")
    assert run(project, "build", "--no-fetch").exit_code == 0
    checked = run(project, "check", "1")
    assert checked.exit_code == 1
    errors = [line for line in checked.output.splitlines() if line.startswith("error:")]
    assert errors == [next(e for e in errors if "[template-syntax]" in e)]
    assert "'{{'" in errors[0] and "text part" in errors[0]
