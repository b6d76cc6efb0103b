"""Commands for the store's database: db current, db upgrade, db migrate-from."""

from __future__ import annotations

import click

from .base import cli, opened, with_config


@cli.group()
def db():
    """The store's database: its schema revision, upgrades, and moving to PostgreSQL.

    Example: newsletter db current
    """


def _revision(name: str | None) -> str:
    return name or "none (an empty database)"


@db.command("current")
@with_config
def db_current(config):
    """Print the store's schema revision and the newest this version knows; change nothing.

    Example: NEWSLETTER_DATABASE_URL=postgresql+psycopg://... newsletter db current
    """
    from .. import pipeline

    state = pipeline.db_current(config)
    click.echo(f"{state.url}: revision {_revision(state.after)}")
    if state.after == state.head:
        click.echo(f"It is the newest ({state.head}).")
    else:
        click.echo(f"The newest is {state.head}: newsletter db upgrade brings it there (every command does).")


@db.command("upgrade")
@with_config
def db_upgrade(config):
    """Bring the store to the newest schema, in one transaction; every command also does this on start.

    Several workers starting together on PostgreSQL take turns: one migrates, the others wait.

    Example: newsletter db upgrade
    """
    from .. import pipeline

    state = pipeline.db_upgrade(config)
    if state.before == state.after:
        click.echo(f"{state.url}: already at the newest revision ({state.after})")
    else:
        click.echo(f"{state.url}: upgraded from revision {_revision(state.before)} to {state.after}")


@db.command("migrate-from")
@click.argument("source_url", metavar="URL")
@click.option("--force", is_flag=True, help="Replace what the configured store holds already.")
@with_config
def db_migrate_from(config, source_url, force):
    """Copy the store at URL (e.g. your SQLite file) into the configured store (e.g. PostgreSQL).

    Both are brought to the newest schema first. Every table is copied, ids and all, in
    one transaction: on any error the target is left as it was. A target that holds data
    is refused unless --force. The source is only read.

    Example: newsletter db migrate-from sqlite:///newsletter.db
    """
    from .. import pipeline

    with opened(config) as store:
        copied = pipeline.migrate_from(config, store, source_url, force=force)
    width = max((len(name) for name, _ in copied.tables), default=5)
    for name, rows in copied.tables:
        click.echo(f"  {name:<{width}}  {rows:>9,}")
    for name in copied.left_out:
        click.echo(f"warning: {name} is not in the target's schema; not copied", err=True)
    total = sum(rows for _, rows in copied.tables)
    click.echo(f"Copied {total:,} row(s) from {copied.source} into {copied.target}")
