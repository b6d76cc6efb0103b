"""The README keeps up with the code: every command and every config key is documented."""

import difflib
import re
from pathlib import Path

import pytest

from newsletter import config
from newsletter.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SHIPPED = (Path(__file__).resolve().parent.parent / "config.toml").read_text(encoding="utf-8")


def test_every_config_key_is_in_the_readme_reference():
    missing = [f"[{s}] {k}" for s, k, _, _ in config.reference() if f"`[{s}] {k}`" not in README]
    assert missing == []


def test_every_command_has_a_readme_section():
    missing = [name for name in cli.commands if not re.search(rf"^#+ .*`newsletter {name}", README, re.M)]
    assert missing == []


def test_every_section_of_the_shipped_config_is_a_known_section():
    assert set(re.findall(r"^\[([a-z_]+)\]", SHIPPED, re.M)) <= set(config.SECTIONS)


def test_the_readme_config_reference_is_the_one_made_from_the_schema(request):
    """Help texts live in the schema only; `pytest tests/test_docs.py --update-golden` rewrites README's copy."""
    begin, end = (
        "<!-- generated from newsletter/config.py: pytest tests/test_docs.py --update-golden -->\n",
        "<!-- end of the generated reference -->\n",
    )
    head, rest = README.split(begin)
    written, tail = rest.split(end)
    made = config.reference_markdown()
    if request.config.getoption("--update-golden"):
        (Path(__file__).resolve().parent.parent / "README.md").write_text(
            head + begin + made + end + tail, encoding="utf-8"
        )
    elif written != made:
        pytest.fail(
            "README's config reference differs from the schema's help; if the schema is right: "
            "pytest tests/test_docs.py --update-golden\n"
            + "".join(
                difflib.unified_diff(
                    written.splitlines(True), made.splitlines(True), "README.md", "newsletter/config.py"
                )
            ),
            pytrace=False,
        )
