"""The `newsletter` command: each subcommand parses, calls one pipeline function, prints.

Heavy libraries are imported inside the commands so that `--help` stays instant.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from . import __version__
from .errors import NewsletterError


def with_config(command):
    """Give a command `--config PATH` and hand it the loaded Config; library errors become one line."""

    @click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Config file (default: $NEWSLETTER_CONFIG, else ./config.toml).",
    )
    @functools.wraps(command)
    def wrapper(config_path, **kwargs):
        from . import config

        try:
            return command(config.load(config_path), **kwargs)
        except NewsletterError as e:
            raise click.ClickException(str(e)) from None

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsletter")
def cli():
    """Compose and send a daily eLetter from a corpus of documents and from feeds."""


@cli.command()
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Issue date (default: today).")
@click.option("--dry-run", is_flag=True, help="Compose and print the summary; save and write nothing.")
@click.option("--allow-empty", is_flag=True, help="Build even when no unsent item is left.")
@with_config
def build(config, day, dry_run, allow_empty):
    """Compose the next issue as a draft and write it to the output folder.

    Reads the corpus, adds what is new to the store, composes the draft issue (running
    it again refreshes the same draft until it is sent) and writes issue.html,
    issue.txt and issue.eml into OUTPUT/issue-NNNN/.

    Example: newsletter build --date 2016-08-31
    """
    from . import pipeline

    result = pipeline.build(config, date=day.date() if day else None, dry_run=dry_run, allow_empty=allow_empty)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if result.issue is None:
        click.echo("Nothing new: no unsent item fits this issue; nothing written (--allow-empty builds anyway).")
        return
    issue = result.issue
    state = "dry run, not saved" if dry_run else "draft"
    click.echo(f"Issue {issue.number} ({state}) for {issue.date.isoformat()}: {issue.subject}")
    click.echo(f"  {result.new_items} new item(s)")
    for section, count in issue.counts().items():
        click.echo(f"  {section:<8} {count}")
    for path in result.files:
        click.echo(f"Wrote {_shown(path)}")


def _shown(path: Path) -> str:
    """A path relative to the working folder when it lies below it: shorter to read."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main() -> None:
    """Console entry point: exit 0 done, 1 error, 2 usage."""
    cli.main(prog_name="newsletter")


if __name__ == "__main__":
    sys.exit(main())
