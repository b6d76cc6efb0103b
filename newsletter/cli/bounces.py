"""The bounces group: read the bounce mailbox."""

from __future__ import annotations

import click

from .base import cli, opened, utc_now, with_config


@cli.group()
def bounces():
    """Bounces, complaints and unsubscribe mails: read from [bounces] mailbox.

    Example: newsletter bounces fetch
    """


@bounces.command("fetch")
@with_config
def bounces_fetch(config):
    """Read new messages in the bounce mailbox (Maildir or IMAP) and act on each.

    A hard bounce sets the subscriber to bounced; soft bounces to their last [bounces]
    soft_limit issues in a row do too; a complaint (ARF) or a mail to the unsubscribe
    address unsubscribes. The evidence is kept; each message is read once. The schedule
    runs this before each send.

    Example: newsletter bounces fetch
    """
    from .. import pipeline

    with opened(config) as store:
        result = pipeline.fetch_bounces(config, store, now=utc_now())
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for address, kind, status in result.changes:
        click.echo(f"{address}: {kind} -> {status}")
    click.echo(
        f"Read {result.read} message(s): {len(result.changes)} about subscribers, "
        f"{result.unknown} about nobody on the list, {result.ignored} not a report"
    )
