"""The tips group: readers' confidential tips for "I'm hearing" (the form on serve, the [tips] mailbox)."""

from __future__ import annotations

import click

from .base import cli, config_option, opened, utc_now, with_config


@cli.group(invoke_without_command=True)
@click.option("--contacts", is_flag=True, help="Show who sent each tip too (kept [tips] keep_source_days).")
@config_option
@click.pass_context
def tips(ctx, contacts, config_path):
    """Readers' tips for "I'm hearing": with no subcommand, list those still to decide.

    Tips come from the form at /tip on `newsletter serve` and from the [tips] mailbox
    (`newsletter tips fetch`). Each one is listed with its id, date, channel and text;
    accept one to make it an "I'm hearing" line of the next issue (saved in its drafts
    file, as the preview does), mark it as being checked, or discard it. Who sent a tip is
    kept apart, never shown in an issue, and deleted after [tips] keep_source_days.

    Example: newsletter tips
    """
    if ctx.invoked_subcommand is None:  # a subcommand loads its own --config
        _listing(config_path=config_path, contacts=contacts)


@with_config
def _listing(config, contacts):
    from .. import pipeline

    with opened(config) as store:
        found = pipeline.list_tips(config, store, now=utc_now())
        for tip in found:
            received = tip.received.astimezone(config.zone).strftime("%Y-%m-%d %H:%M")
            extra = f", {tip.attachments} attachment(s) ignored" if tip.attachments else ""
            click.echo(f"#{tip.id}  {received}  {tip.channel}  {tip.status}{extra}")
            if contacts:
                source = store.tips.source(tip.id)
                who = " ".join(v for v in (source.name, source.address, source.client) if v) if source else ""
                click.echo(f"    from: {who or 'unknown'}")
            for line in tip.text.split("\n"):
                click.echo(f"    {line}" if line else "")
    click.echo(f"{len(found)} tip(s) to decide")


@tips.command("fetch")
@with_config
def tips_fetch(config):
    """Take new tip mails from [tips] imap_url (IMAP over TLS, password in
    NEWSLETTER_TIPS_PASSWORD) and [tips] maildir.

    Each message is taken once (by Message-ID), then moved to cur/ (Maildir) or flagged
    Seen (IMAP). The text part is preferred, HTML is turned into text, quoted replies and
    signatures are cut, attachments are ignored and counted. A hostile or broken mail is
    one warning naming it, and is skipped. The schedule runs this before composing.

    Example: newsletter tips fetch
    """
    from .. import pipeline

    with opened(config) as store:
        result = pipeline.fetch_tips(config, store, now=utc_now())
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"Took {result.taken} tip(s); skipped {result.skipped} message(s); ignored {result.attachments} attachment(s)"
    )


@tips.command("accept")
@click.argument("number", metavar="ID", type=int)
@click.option("--text", help="The line's wording (default: the tip's first sentence).")
@with_config
def tips_accept(config, number, text):
    """Make tip ID an "I'm hearing" line of the next issue, saved in its drafts file.

    Example: newsletter tips accept 3 --text "The library may close in spring."
    """
    from .. import pipeline

    with opened(config) as store:
        accepted = pipeline.accept_tip(config, store, number, text, now=utc_now())
    click.echo(f"Tip {number} accepted into issue {accepted.issue} ({accepted.path}): {accepted.line}")


@tips.command("check")
@click.argument("number", metavar="ID", type=int)
@with_config
def tips_check(config, number):
    """Mark tip ID as being checked: it stays listed, marked, until accepted or discarded.

    Example: newsletter tips check 3
    """
    from .. import pipeline

    with opened(config) as store:
        pipeline.check_tip(config, store, number, now=utc_now())
    click.echo(f"Tip {number} marked as being checked")


@tips.command("discard")
@click.argument("number", metavar="ID", type=int)
@with_config
def tips_discard(config, number):
    """Delete tip ID and who sent it, now.

    Example: newsletter tips discard 3
    """
    from .. import pipeline

    with opened(config) as store:
        pipeline.discard_tip(config, store, number, now=utc_now())
    click.echo(f"Tip {number} discarded (deleted, with its sender)")
