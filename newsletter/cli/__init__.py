"""The `newsletter` command: each subcommand parses, calls one pipeline function, prints.

Commands live in modules by topic; importing them registers them on the `cli` group.
"""

from . import (  # noqa: F401  (registers the commands)
    audio,
    bounces,
    corpus,
    db,
    feeds,
    issue,
    schedule,
    send,
    serve,
    tips,
)
from .base import cli


def main() -> None:
    """Console entry point: exit 0 done, 1 error, 2 usage."""
    cli.main(prog_name="newsletter")
