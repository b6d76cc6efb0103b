"""The `newsletter` group and what every command shares: `--config`, one-line errors, paths.

Heavy libraries are imported inside the commands so that `--help` stays instant.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import click

from .. import __version__
from ..errors import NewsletterError

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file (default: $NEWSLETTER_CONFIG, else ./config.toml).",
)


def with_config(command):
    """Give a command `--config PATH` and hand it the loaded Config; library errors become one line."""

    @config_option
    @functools.wraps(command)
    def wrapper(config_path, **kwargs):
        from .. import config

        try:
            return command(config.load(config_path), **kwargs)
        except NewsletterError as e:
            raise click.ClickException(str(e)) from None

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsletter")
def cli():
    """Compose and send a daily eLetter from a corpus of documents and from feeds."""


def opened(config):
    """The store, opened once for the command (imported here: SQLAlchemy would slow `--help`)."""
    from ..store import Store

    return Store(config.store_url)


def utc_now() -> dt.datetime:
    """The clock a command hands the pipeline."""
    return dt.datetime.now(dt.timezone.utc)


def shown(path: Path) -> str:
    """A path relative to the working folder when it lies below it: shorter to read."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
