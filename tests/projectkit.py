"""One way for tests to make a project's config: a dict, checked by `config.from_dict` as the loader
checks a file, and written as TOML (properly quoted: a value may hold an apostrophe or a quote) when a
command line needs the file. The delivery, schedule and bounce kits build theirs on it."""

from __future__ import annotations

import json
from pathlib import Path

from newsletter import config as config_module


def toml_value(value) -> str:
    """A TOML value: JSON's string escapes are TOML's (but for DEL); lists of scalars."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def write_config(folder: Path, data: dict) -> Path:
    """`data` ({section: {key: value}}, "feeds": [{...}]) as folder/config.toml; returns its path.
    Checked first with `from_dict`, so a test's typo fails here, naming the key."""
    path = folder / "config.toml"
    config_module.from_dict(data, path)
    lines = []
    for section, values in data.items():
        for table in values if section == "feeds" else [values]:
            lines.append(f"[[{section}]]" if section == "feeds" else f"[{section}]")
            lines += [f"{key} = {toml_value(value)}" for key, value in table.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
