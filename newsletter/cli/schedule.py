"""Commands for the scheduled job: schedule (the daemon), run-once, status, approve and hold."""

from __future__ import annotations

import contextlib
import logging

import click

from .base import cli, opened, utc_now, with_config


def _log_to_stderr() -> None:
    """One line per run on stderr, for journald or a cron mail."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@cli.command()
@with_config
def schedule(config):
    """Run the daily calendar: compose at [schedule] compose_at, send at send_at, publish the archive.

    Runs until stopped (Ctrl-C, or SIGTERM from systemd). Its jobs live in the store's
    database, so after downtime it sends at most one issue, and only within
    [schedule] max_lateness; a restart never sends an issue twice. One log line per run.

    Example: newsletter schedule --config /etc/newsletter/config.toml
    """
    from ..schedule import make_scheduler

    _log_to_stderr()
    scheduler = make_scheduler(config)
    click.echo(
        f"Scheduling: compose '{config.schedule.compose_at}', send '{config.schedule.send_at}' "
        f"({config.schedule.mode} mode); Ctrl-C stops",
        err=True,
    )
    with contextlib.suppress(KeyboardInterrupt, SystemExit):  # Ctrl-C or a stop signal is how it ends
        scheduler.start()


@cli.command("run-once")
@click.option(
    "--at",
    "at",
    type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]),
    help="Act as if it were this local time ([schedule] timezone), e.g. to try a calendar.",
)
@with_config
def run_once(config, at):
    """Do the one step that is due now (compose, send, hold, or nothing) and exit: for cron or systemd timers.

    Safe to run as often as you like, and from two machines at once: the step is decided
    from the calendar and the store, and a lease in the store lets one run act at a time.

    Example: newsletter run-once   # e.g. every 5 minutes from cron
    """
    from .. import pipeline
    from ..pipeline.calendar import calendar

    now = at.replace(tzinfo=calendar(config).zone) if at else utc_now()
    with opened(config) as store:
        report = pipeline.run_due(config, store, now=now)
    click.echo(report.line())
    if report.action == "failed":
        raise click.ClickException(report.message)


@cli.command()
@with_config
def status(config):
    """Show the next compose and send times, the issue under way and its state, the last send, failing feeds,
    and the sign-ups and confirmations of the last 7 days.

    Example: newsletter status
    """
    from .. import pipeline
    from ..pipeline.calendar import calendar

    with opened(config) as store:
        s = pipeline.status(config, store, now=utc_now())
    zone = calendar(config).zone
    click.echo(f"Mode:         {s.mode}")
    click.echo(f"Next compose: {_when(s.next_compose, zone)}")
    click.echo(f"Next send:    {_when(s.next_send, zone)}")
    if s.current:
        c = s.current
        note = f" ({c.note})" if c.note and c.state in ("held", "approved") else ""
        planned = f", for {_when(c.send_at, zone)}" if c.send_at else ""
        click.echo(f"Current:      issue {c.number}: {c.state}{note}{planned}: {c.subject}")
    else:
        click.echo("Current:      no draft")
    if s.sending and s.sending.next_retry:
        click.echo(
            f"Deferred:     {s.sending.counts['deferred']} recipient(s) answered 4xx; next retry "
            f"{_when(s.sending.next_retry, zone)}"
        )
    if s.last_sent:
        counts = ", ".join(
            f"{k} {v}" for k, v in s.last_counts.items() if k in ("sent", "failed", "bounced", "skipped")
        )
        click.echo(f"Last sent:    issue {s.last_sent.number} on {_when(s.last_sent.sent, zone)}: {counts}")
    for line in s.feeds_in_error:
        click.echo(f"Feed error:   {line}")
    _signups(config)


def _signups(config) -> None:
    """The sign-up form's last 7 days: confirmation mails sent, and how many were followed."""
    import datetime as dt

    from ..pipeline import signup
    from ..store import Store

    with Store(config.store_url) as store:
        asked, confirmed = signup.recent(store, now=dt.datetime.now(dt.timezone.utc))
    click.echo(f"Sign-ups:     {asked} in the last 7 days, {confirmed} confirmed")


@cli.command()
@click.argument("number", type=int)
@with_config
def approve(config, number):
    """Approve draft NUMBER: the schedule sends it at its send time (needed in approve mode; lifts a hold).

    Example: newsletter approve 12
    """
    from .. import pipeline
    from ..pipeline.calendar import calendar

    with opened(config) as store:
        issue = pipeline.approve(config, store, number)
    zone = calendar(config).zone
    click.echo(f"Issue {issue.number} approved" + (f": it goes {_when(issue.send_at, zone)}" if issue.send_at else ""))


@cli.command()
@click.argument("number", type=int)
@with_config
def hold(config, number):
    """Hold draft NUMBER: the schedule will not send it (newsletter approve NUMBER lifts the hold).

    Example: newsletter hold 12
    """
    from .. import pipeline

    with opened(config) as store:
        issue = pipeline.hold(config, store, number)
    click.echo(f"Issue {issue.number} is held; newsletter approve {issue.number} lets it go")


def _when(moment, zone) -> str:
    return moment.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z") if moment else "never"
