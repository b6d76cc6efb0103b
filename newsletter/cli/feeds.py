"""Commands for the feeds: fetch and feeds."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys

import click

from .base import cli, opened, utc_now, with_config


@cli.command()
@with_config
def fetch(config):
    """Pull every enabled feed and re-read the corpus; store what is new.

    Feeds are downloaded at once with conditional GET (a feed that has not changed
    costs one short request), parsed in parallel and sanitised. An item already seen
    in the corpus or in another feed is set aside as a duplicate. Each feed gets one
    line (a progress bar on a terminal); a failing feed is one warning line and never
    stops the others.

    Example: newsletter fetch
    """
    from .. import pipeline

    with feed_progress() as progress, opened(config) as store:
        result = pipeline.fetch(config, store, now=dt.datetime.now(config.zone), progress=progress)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"Feeds: {feeds_summary(result)}" if result.feeds else "Feeds: none enabled ([[feeds]] in the config)")
    click.echo(f"{result.new_items} new item(s), {result.duplicates} duplicate(s) set aside")


@cli.command()
@with_config
def feeds(config):
    """List the configured feeds: state, last success, HTTP status, items stored, last error.

    STATE is ok, never fetched, failing (with the count of failures in a row), waiting
    (the server asked for a pause), gone (HTTP 410: no longer fetched) or disabled (in
    the config). Times are in the configured time zone.

    Example: newsletter feeds
    """
    from .. import pipeline

    with opened(config) as store:
        statuses = pipeline.feeds(config, store, now=utc_now())
    if not statuses:
        click.echo("No feeds configured: add [[feeds]] entries to the config.")
        return
    rows = [("NAME", "SECTION", "STATE", "LAST SUCCESS", "HTTP", "ITEMS", "DUPLICATES", "LAST ERROR")]
    rows += [_feed_row(status, config.zone) for status in statuses]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row, status in zip(rows, [None, *statuses]):
        click.echo("  ".join([cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]))
        if status and status.state.moved_to:
            click.echo(f"  moved permanently to {status.state.moved_to} (worth updating in the config)")


def _feed_row(status, zone) -> tuple[str, ...]:
    state = status.state
    success = state.last_success.astimezone(zone).strftime("%Y-%m-%d %H:%M") if state.last_success else "never"
    http = str(state.last_status) if state.last_status else "-"
    counts = (str(status.items), str(status.duplicates))
    return (status.feed.name, status.feed.section, status.condition, success, http, *counts, state.last_error or "-")


@contextlib.contextmanager
def feed_progress():
    """A progress bar on a terminal; elsewhere (a scheduled job's log) one line per feed as it ends."""
    if not sys.stderr.isatty():
        yield _feed_line
        return
    from rich.console import Console
    from rich.progress import Progress

    warned = []
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("Fetching feeds", total=None)

        def advance(pulled, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=f"Fetched {pulled.feed.name}")
            if pulled.warn:
                warned.append(pulled)

        yield advance
    for pulled in warned:
        _feed_line(pulled)


def _feed_line(pulled, _done: int = 0, _total: int = 0) -> None:
    click.echo(f"{'warning: ' if pulled.warn else ''}feed {pulled.feed.name}: {pulled.line}", err=True)


def feeds_summary(result) -> str:
    updated, unchanged, skipped, failed = result.tally()
    counts = f"{updated} updated, {unchanged} not modified, {skipped} skipped, {failed} failed"
    return f"{len(result.feeds)} ({counts})"
