"""Commands for the list and delivery: send and the subscribers group."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from .base import cli, opened, shown, utc_now, with_config


@cli.command()
@click.option("--issue", "number", type=int, help="Issue number (default: an interrupted send, else the draft).")
@click.option(
    "--force",
    is_flag=True,
    help="Send even an issue `check` finds errors in, or one sent already (again, to everyone active).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the counts, first recipients and one sample's headers (the whole sample to a file); send nothing.",
)
@click.option("--test", "test_address", metavar="ADDRESS", help="Send one [TEST] copy to ADDRESS, outside the ledger.")
@click.option(
    "--resume", is_flag=True, help="Only resume a send under way: its deferred recipients whose time has come."
)
@with_config
def send(config, number, force, dry_run, test_address, resume):
    """Send an issue to every active subscriber: one personalised message each.

    Freezes the issue (its items are spent), records every recipient in the send ledger
    and each outcome as the server answers. An issue `newsletter check` finds errors in is
    refused, naming them, unless --force. Run it again after a crash or Ctrl-C and it
    resumes: nobody is skipped, and only the messages in flight at the crash may arrive
    twice (they are listed). A recipient whose server answers 4xx (greylisting) is
    deferred, tried again by a later `send --resume` (or the schedule) after minutes to
    hours, for [smtp] retry_for_hours. Needs NEWSLETTER_SECRET, [web] base_url and [smtp].
    What goes out is what was last built: a draft whose items, drafts file, templates or
    config changed since is refused, saying what changed (rebuild, look, then send).

    Example: newsletter send --test me@example.org && newsletter send
    """
    from .. import pipeline

    with _send_progress() as progress, opened(config) as store:
        result = pipeline.send(
            config,
            store,
            now=utc_now(),
            issue=number,
            force=force,
            dry_run=dry_run,
            test_address=test_address,
            progress=progress,
            notice=lambda line: click.echo(line, err=True),
            resume=resume,
        )
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if test_address:
        click.echo(f"Sent a test of issue {result.issue} to {test_address}: {result.test_reply}")
    elif dry_run:
        _dry_run_summary(result)
    else:
        _send_summary(result)


def _dry_run_summary(result) -> None:
    """Counts, the first recipients, one sample's headers, and where the whole sample is."""
    from email.parser import BytesHeaderParser  # here, not at the top: 15 ms of every `--help`
    from email.policy import default

    click.echo(f"Issue {result.issue} (dry run, nothing sent): {result.subject}")
    click.echo(
        f"  {result.recipients} active subscriber(s) would get it; {result.inactive} unsubscribed or bounced would not"
        + (f"; {result.paused} pausing would not" if result.paused else "")
    )
    more = result.recipients - len(result.first)
    click.echo("  first: " + (", ".join(result.first) or "nobody") + (f" and {more} more" if more > 0 else ""))
    headers = BytesHeaderParser(policy=default).parsebytes(result.sample)
    click.echo(f"Headers of the message to {result.first[0] if result.first else 'a sample address'}:")
    for name, value in headers.items():
        if name.lower() not in ("content-type", "mime-version", "content-transfer-encoding"):
            click.echo(f"  {name}: {value}")
    click.echo(f"The whole message: {shown(result.sample_path)}")


def _send_summary(result) -> None:
    summary, run = result.summary, result.run
    click.echo(f"Issue {result.issue}: {result.subject}")
    for status in ("sent", "failed", "bounced", "skipped", "deferred"):
        click.echo(f"  {status:<8} {summary.counts[status]}")
    done = sum(run.counts.values())
    rate = done / run.seconds if run.seconds else 0
    click.echo(f"This run: {done} message(s) in {run.seconds:.1f} s ({rate:.0f}/s)")
    if summary.in_flight:
        click.echo(f"In flight at a crash, so sent again (may have it twice): {len(summary.in_flight)}")
        for address in summary.in_flight:
            click.echo(f"  {address}")
    for address, status, reply in summary.failures:
        click.echo(f"{status}: {address}: {reply}")
    if result.complete:
        click.echo(
            f"Issue {result.issue} is sent; archive: {len(result.archive.files)} file(s) in {result.archive.folder}"
        )
    else:
        left = summary.counts["pending"] + summary.counts["sending"] - summary.counts["deferred"]
        if left:
            click.echo(f"{left} recipient(s) not done yet: run newsletter send again to resume.")
        if summary.next_retry:
            click.echo(
                f"{summary.counts['deferred']} deferred recipient(s): next retry at "
                f"{summary.next_retry:%Y-%m-%d %H:%M} UTC (newsletter send --resume, or the schedule)"
            )
    if run.error:
        raise click.ClickException(run.error)


@contextlib.contextmanager
def _send_progress():
    """A progress bar with messages per second on a terminal; nothing in a scheduled job's log."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task) -> Text:
            return Text(f"{task.speed or 0:,.0f} msg/s")

    with Progress(
        BarColumn(), MofNCompleteColumn(), Rate(), TimeRemainingColumn(), console=Console(stderr=True), transient=True
    ) as bar:
        task = bar.add_task("send", total=None)
        yield lambda _status, done, total: bar.update(task, completed=done, total=total)


@cli.group()
def subscribers():
    """Manage the subscriber list: add, remove, list, show, import, export.

    Example: newsletter subscribers import people.csv
    """


@subscribers.command("add")
@click.argument("email")
@click.option("--name", default="", help="The subscriber's name, shown in the To line.")
@with_config
def subscribers_add(config, email, name):
    """Add one subscriber; the address is checked, and one already on the list is refused.

    Example: newsletter subscribers add ada@example.org --name "Ada Lovelace"
    """
    from .. import pipeline

    with opened(config) as store:
        added = pipeline.add_subscriber(config, store, email, name, now=utc_now())
    click.echo(f"Added {added.email}" + (f" ({added.name})" if added.name else ""))


@subscribers.command("remove")
@click.argument("email")
@with_config
def subscribers_remove(config, email):
    """Delete a subscriber and their send records (to stop mail without deleting, they unsubscribe).

    Example: newsletter subscribers remove ada@example.org
    """
    from .. import pipeline

    with opened(config) as store:
        removed = pipeline.remove_subscriber(config, store, email)
    if removed is None:
        raise click.ClickException(f"{email} is not on the list")
    click.echo(f"Removed {removed.email}")


@subscribers.command("list")
@click.option("--status", type=click.Choice(["active", "pending", "unsubscribed", "bounced"]), help="Only this status.")
@with_config
def subscribers_list(config, status):
    """List subscribers: address, status (a pause says until when), date joined and name; then
    the counts: active (of them paused), pending (signed up, not confirmed), unsubscribed, bounced.

    Example: newsletter subscribers list --status pending
    """
    import datetime as dt

    from .. import pipeline
    from ..pipeline import signup

    now = dt.datetime.now(dt.timezone.utc)
    with opened(config) as store:
        people = pipeline.list_subscribers(config, store, status=status)
        n = signup.counts(store, now=now)
    width = max((len(p.email) for p in people), default=5)
    for p in people:
        state = (
            f"paused to {p.paused_until:%Y-%m-%d}"
            if p.status == "active" and p.paused_until and p.paused_until > now
            else p.status
        )
        click.echo(f"{p.email:<{width}}  {state:<12}  {p.created:%Y-%m-%d}  {p.name}".rstrip())
    click.echo(
        f"{len(people)} subscriber(s): {n['active']} active ({n['paused']} paused), {n['pending']} pending, "
        f"{n['unsubscribed']} unsubscribed, {n['bounced']} bounced",
        err=True,
    )


@subscribers.command("show")
@click.argument("email")
@with_config
def subscribers_show(config, email):
    """Show one subscriber: status, name, pause, and the consent record (each confirmation mailed:
    when, from which form, to which address, and when it was followed).

    Example: newsletter subscribers show ada@example.org
    """
    from ..pipeline import signup

    with opened(config) as store:
        found = signup.standing(store, email)
    if found is None:
        raise click.ClickException(f"{email} is not on the list")
    s = found.subscriber
    click.echo(f"Address:   {s.email}")
    click.echo(f"Name:      {s.name or '-'}")
    click.echo(f"Status:    {s.status}" + (f" ({s.reason})" if s.reason else ""))
    click.echo(f"Joined:    {s.created:%Y-%m-%d %H:%M} UTC")
    if s.paused_until:
        click.echo(f"Paused to: {s.paused_until:%Y-%m-%d %H:%M} UTC")
    if not found.confirmations:
        click.echo("Consent:   no confirmation mailed (added by the editor)")
    for c in found.confirmations:
        followed = f"confirmed {c.confirmed:%Y-%m-%d %H:%M} UTC" if c.confirmed else "not followed"
        moved = f" (was {c.previous})" if c.previous else ""
        click.echo(
            f"Mail #{c.id}: {c.purpose} to {c.email}{moved}, from the {c.form!r} form, "
            f"mailed {c.mailed:%Y-%m-%d %H:%M} UTC, {followed if c.purpose != 'manage' else 'a manage link'}"
        )


@subscribers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_config
def subscribers_import(config, file):
    """Import a CSV with a header line naming `email` (and optionally `name`, `status`).

    One transaction: if any row is rejected, each is listed with the reason and nothing
    is imported. Addresses already on the list are left as they are.

    Example: newsletter subscribers import people.csv
    """
    from .. import pipeline

    with opened(config) as store:
        result = pipeline.import_subscribers(config, store, file, now=utc_now())
    for bad in result.rejected:
        click.echo(f"{file}, line {bad.line}: {bad.reason}", err=True)
    if result.rejected:
        raise click.ClickException(f"{len(result.rejected)} row(s) rejected; nothing imported")
    click.echo(f"Imported {result.added} new subscriber(s); {result.existing} already on the list, left as they were")


@subscribers.command("export")
@click.argument("file", type=click.File("w", encoding="utf-8"), default="-")
@with_config
def subscribers_export(config, file):
    """Write every subscriber as CSV (email, name, status) to FILE or standard output.

    Example: newsletter subscribers export people.csv
    """
    from .. import pipeline

    with opened(config) as store:
        count = pipeline.export_subscribers(config, store, file)
    click.echo(f"Exported {count} subscriber(s)", err=True)
