"""Commands that make and inspect an issue: build, check, templates."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from .base import cli, opened, shown, with_config
from .feeds import feed_progress, feeds_summary


@cli.command()
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Issue date (default: today).")
@click.option("--dry-run", is_flag=True, help="Compose and print the summary; save and write nothing.")
@click.option("--allow-empty", is_flag=True, help="Build even when no unsent item is left.")
@click.option("--no-fetch", is_flag=True, help="Do not fetch the feeds first; use what the store has.")
@with_config
def build(config, day, dry_run, allow_empty, no_fetch):
    """Compose the next issue as a draft and write it to the output folder.

    Fetches the enabled feeds (not with --no-fetch or --dry-run), reads the corpus, adds
    what is new to the store, composes the draft issue (running it again refreshes the
    same draft until it is sent) and writes issue.html, issue.txt and issue.eml into
    OUTPUT/issue-NNNN/.

    Example: newsletter build --date 2016-08-31
    """
    from .. import pipeline

    with feed_progress() as progress, opened(config) as store:
        result = pipeline.build(
            config,
            store,
            now=dt.datetime.now(config.zone),
            date=day.date() if day else None,
            dry_run=dry_run,
            allow_empty=allow_empty,
            no_fetch=no_fetch,
            progress=progress,
        )
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if result.issue is None:
        click.echo("Nothing new: no unsent item fits this issue; nothing written (--allow-empty builds anyway).")
        return
    issue = result.issue
    state = "dry run, not saved" if dry_run else "draft"
    click.echo(f"Issue {issue.number} ({state}) for {issue.date.isoformat()}: {issue.subject}")
    click.echo(f"  {result.new_items} new item(s)")
    if result.fetched.feeds:
        click.echo(f"  feeds    {feeds_summary(result.fetched)}")
    if result.fetched.duplicates:
        click.echo(f"  {result.fetched.duplicates} duplicate(s) set aside")
    for section, count in issue.counts().items():
        click.echo(f"  {section:<8} {count}")
    if result.dropped:
        click.echo(f"  dropped  {len(result.dropped)} (kept for a later issue)")
    if issue.overflow:
        click.echo(
            f"  more     {len(issue.overflow)} (headlines only: whole in the web edition, kept for the next issue)"
        )
    click.echo(f"  html     {result.html_bytes / 1024:.1f} KB (budget {config.email.size_budget_kb} KB)")
    for cut in result.cuts:
        click.echo(f"  {cut}")
    for path in result.files:
        click.echo(f"Wrote {shown(path)}")
    for finding in result.findings:
        click.echo(str(finding), err=True)


@cli.command()
@click.argument("issue", required=False)
@with_config
def check(config, issue):
    """Lint a built issue for what breaks it in mail clients; exit 1 on any error.

    ISSUE is an issue number, or the path of an issue folder or .eml file (default: the
    newest issue built). Checks the size against [email] size_budget_kb and Gmail's
    102 KB clip, images (alt, https src), links (relative, empty, javascript:),
    leftover template syntax, CSS that clients ignore (flex, grid, position, float,
    negative margins, inline !important), class-only styling premailer could not
    inline, the From, Date, Message-ID and List-Unsubscribe headers, lines over 998
    octets and the order of the MIME parts. `build` runs the same checks.

    Example: newsletter check 1
    """
    from .. import pipeline

    which = None if issue is None else int(issue) if issue.isdigit() else Path(issue)
    with opened(config) as store:
        result = pipeline.check(config, store, which)
    for finding in result.findings:
        click.echo(str(finding))
    if not result.findings:
        click.echo("No problems found.")
    if result.errors:
        raise click.ClickException(f"{result.errors} error(s) in {shown(result.path)}")


@cli.command()
@click.option(
    "--copy",
    "copy_to",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Copy the built-in templates into DIR, to edit and name as [templates] dir.",
)
@click.option("--force", is_flag=True, help="With --copy: overwrite files already in DIR.")
@with_config
def templates(config, copy_to, force):
    """List the templates an issue is rendered with, or copy the defaults to start your own.

    A file in the [templates] dir folder replaces the built-in one of the same name and
    path (email/issue.html, email/style.css, ...). --copy writes every default there in
    that layout; delete the ones you do not change, so they keep getting fixes.

    Example: newsletter templates --copy my-templates
    """
    from .. import pipeline

    if copy_to is None:
        for name, path, overridden in pipeline.templates(config):
            click.echo(f"{name:<24} {shown(path) if overridden else 'built-in'}")
        return
    copied = pipeline.copy_templates(copy_to, force=force)
    click.echo(f"Copied {len(copied)} template(s) to {shown(copy_to)}")
    if not config.templates_dir or config.templates_dir.resolve() != copy_to.resolve():
        relative = os.path.relpath(copy_to.resolve(), config.folder)  # config paths are relative to its folder
        where = config.source or "the config"
        click.echo(f'To use them, set dir = "{Path(relative).as_posix()}" under [templates] in {where}.')
