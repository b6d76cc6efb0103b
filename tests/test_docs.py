"""The README keeps up with the code: every command and every config key is documented."""

import re
from pathlib import Path

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
