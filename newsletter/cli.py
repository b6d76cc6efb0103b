"""The `newsletter` command: each subcommand parses, calls one pipeline function, prints.

Heavy libraries are imported inside the commands so that `--help` stays instant.
"""

from __future__ import annotations

import contextlib
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
    from . import pipeline

    with _feed_progress() as progress:
        result = pipeline.build(
            config,
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
        click.echo(f"  feeds    {_feeds_summary(result.fetched)}")
    if result.fetched.duplicates:
        click.echo(f"  {result.fetched.duplicates} duplicate(s) set aside")
    for section, count in issue.counts().items():
        click.echo(f"  {section:<8} {count}")
    if result.dropped:
        click.echo(f"  dropped  {len(result.dropped)} (kept for a later issue)")
    click.echo(f"  html     {result.html_bytes / 1024:.1f} KB (budget {config.email.size_budget_kb} KB)")
    for cut in result.cuts:
        click.echo(f"  {cut}")
    for path in result.files:
        click.echo(f"Wrote {_shown(path)}")
    for finding in result.findings:
        click.echo(str(finding), err=True)


def _shown(path: Path) -> str:
    """A path relative to the working folder when it lies below it: shorter to read."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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
    from . import pipeline

    which = None if issue is None else int(issue) if issue.isdigit() else Path(issue)
    result = pipeline.check(config, which)
    for finding in result.findings:
        click.echo(str(finding))
    if not result.findings:
        click.echo("No problems found.")
    if result.errors:
        raise click.ClickException(f"{result.errors} error(s) in {_shown(result.path)}")


@cli.command()
@click.option("--copy", "copy_to", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Copy the built-in templates into DIR, to edit and name as [templates] dir.")
@click.option("--force", is_flag=True, help="With --copy: overwrite files already in DIR.")
@with_config
def templates(config, copy_to, force):
    """List the templates an issue is rendered with, or copy the defaults to start your own.

    A file in the [templates] dir folder replaces the built-in one of the same name and
    path (email/issue.html, email/style.css, ...). --copy writes every default there in
    that layout; delete the ones you do not change, so they keep getting fixes.

    Example: newsletter templates --copy my-templates
    """
    from . import pipeline

    if copy_to is None:
        for name, path, overridden in pipeline.templates(config):
            click.echo(f"{name:<24} {_shown(path) if overridden else 'built-in'}")
        return
    import os

    copied = pipeline.copy_templates(copy_to, force=force)
    click.echo(f"Copied {len(copied)} template(s) to {_shown(copy_to)}")
    if not config.templates_dir or config.templates_dir.resolve() != copy_to.resolve():
        relative = os.path.relpath(copy_to.resolve(), config.folder)  # config paths are relative to its folder
        where = config.source or "the config"
        click.echo(f'To use them, set dir = "{Path(relative).as_posix()}" under [templates] in {where}.')


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
    from . import pipeline

    with _feed_progress() as progress:
        result = pipeline.fetch(config, progress=progress)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"Feeds: {_feeds_summary(result)}" if result.feeds else "Feeds: none enabled ([[feeds]] in the config)")
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
    from . import pipeline

    statuses = pipeline.feeds(config)
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
def _feed_progress():
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


def _feeds_summary(result) -> str:
    from .sources.pull import FAILED, SKIPPED, UNCHANGED, UPDATED

    counts = (
        f"{result.count(UPDATED)} updated, {result.count(UNCHANGED)} not modified, "
        f"{result.count(SKIPPED)} skipped, {result.count(FAILED)} failed"
    )
    return f"{len(result.feeds)} ({counts})"


@cli.command()
@click.option("--issue", "number", type=int, help="Issue number (default: an interrupted send, else the draft).")
@click.option("--force", is_flag=True, help="Send an issue that was sent already, again, to everyone active.")
@click.option("--dry-run", is_flag=True, help="Count the recipients and print one sample message; send nothing.")
@click.option("--test", "test_address", metavar="ADDRESS", help="Send one [TEST] copy to ADDRESS, outside the ledger.")
@with_config
def send(config, number, force, dry_run, test_address):
    """Send an issue to every active subscriber: one personalised message each.

    Freezes the issue (its items are spent), records every recipient in the send ledger
    and each outcome as the server answers. Run it again after a crash or Ctrl-C and it
    resumes: nobody is skipped, and only the messages in flight at the crash may arrive
    twice (they are listed). Needs NEWSLETTER_SECRET, [web] base_url and [smtp].

    Example: newsletter send --test me@example.org && newsletter send
    """
    from . import pipeline

    with _send_progress() as progress:
        result = pipeline.send(config, issue=number, force=force, dry_run=dry_run, test_address=test_address,
                               progress=progress, notice=lambda line: click.echo(line, err=True))
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if test_address:
        click.echo(f"Sent a test of issue {result.issue} to {test_address}: {result.test_reply}")
    elif dry_run:
        click.echo(f"Issue {result.issue} (dry run, nothing sent): {result.subject}")
        click.echo(f"  {result.recipients} active subscriber(s)")
        click.echo("Sample message:\n" + result.sample.decode("ascii", "replace").replace("\r\n", "\n"), nl=False)
    else:
        _send_summary(result)


def _send_summary(result) -> None:
    summary, run = result.summary, result.run
    click.echo(f"Issue {result.issue}: {result.subject}")
    for status in ("sent", "failed", "bounced", "skipped"):
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
        click.echo(f"Issue {result.issue} is sent.")
    else:
        left = summary.counts["pending"] + summary.counts["sending"]
        click.echo(f"{left} recipient(s) not done yet: run newsletter send again to resume.")
    if run.error:
        raise click.ClickException(run.error)


@contextlib.contextmanager
def _send_progress():
    """A progress bar with messages per second on a terminal; nothing in a scheduled job's log."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TimeRemainingColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task) -> Text:
            return Text(f"{task.speed or 0:,.0f} msg/s")

    with Progress(BarColumn(), MofNCompleteColumn(), Rate(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("send", total=None)
        yield lambda _status, done, total: bar.update(task, completed=done, total=total)


@cli.group()
def subscribers():
    """Manage the subscriber list: add, remove, list, import, export.

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
    from . import pipeline

    added = pipeline.add_subscriber(config, email, name)
    click.echo(f"Added {added.email}" + (f" ({added.name})" if added.name else ""))


@subscribers.command("remove")
@click.argument("email")
@with_config
def subscribers_remove(config, email):
    """Delete a subscriber and their send records (to stop mail without deleting, they unsubscribe).

    Example: newsletter subscribers remove ada@example.org
    """
    from . import pipeline

    removed = pipeline.remove_subscriber(config, email)
    if removed is None:
        raise click.ClickException(f"{email} is not on the list")
    click.echo(f"Removed {removed.email}")


@subscribers.command("list")
@click.option("--status", type=click.Choice(["active", "unsubscribed", "bounced"]), help="Only this status.")
@with_config
def subscribers_list(config, status):
    """List subscribers: address, status, date joined and name.

    Example: newsletter subscribers list --status bounced
    """
    from . import pipeline

    people = pipeline.list_subscribers(config, status=status)
    width = max((len(p.email) for p in people), default=5)
    for p in people:
        click.echo(f"{p.email:<{width}}  {p.status:<12}  {p.created:%Y-%m-%d}  {p.name}".rstrip())
    click.echo(f"{len(people)} subscriber(s)", err=True)


@subscribers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_config
def subscribers_import(config, file):
    """Import a CSV with a header line naming `email` (and optionally `name`, `status`).

    One transaction: if any row is rejected, each is listed with the reason and nothing
    is imported. Addresses already on the list are left as they are.

    Example: newsletter subscribers import people.csv
    """
    from . import pipeline

    result = pipeline.import_subscribers(config, file)
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
    from . import pipeline

    count = pipeline.export_subscribers(config, file)
    click.echo(f"Exported {count} subscriber(s)", err=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@with_config
def serve(config, host, port):
    """Serve the public pages: unsubscribe (GET: a confirm button; POST: RFC 8058 one-click).

    Run it behind your https proxy at [web] base_url; it needs NEWSLETTER_SECRET, the
    same as send, to check the links.

    Example: newsletter serve --port 8000
    """
    import os

    import uvicorn

    from .config import secret
    from .deliver.tokens import tokens_from

    tokens_from(secret("secret"))  # fail here, in one line, rather than inside the server
    if config.source:
        os.environ["NEWSLETTER_CONFIG"] = str(config.source)  # the app factory loads it (see web.app)
    click.echo(f"Serving on http://{host}:{port}/ (public address: {config.web.base_url or 'not set'})", err=True)
    uvicorn.run("newsletter.web:app", factory=True, host=host, port=port, log_level="warning")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback lets others change and send your draft.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on (0: any free one).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Issue date (default: today).")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in your web browser.")
@with_config
def preview(config, host, port, day, open_browser):
    """Preview the next issue live in a browser, shape it, and send yourself a test.

    Serves the draft as `newsletter build` would make it now (nothing is fetched or
    written) in every view: desktop (600 px), mobile (375 px), without <style> (as Gmail
    shows it to non-Google accounts), plain text, source, and the check. Saving a
    template, the stylesheet, the config, a corpus file or the drafts file rebuilds it,
    and open pages reload by themselves. Choices made on the page (lead, order, drops,
    subject, added lines and events) go to DRAFTS/issue-NNNN.toml, which build honours.

    Example: newsletter preview --date 2016-08-31 --open
    """
    import os
    import webbrowser

    import uvicorn

    if not _is_loopback(host):
        click.echo(f"warning: serving on {host}: anyone who can reach it can read the draft, change it "
                   "and send test emails through your SMTP server", err=True)
    sock = _listen(host, port)  # bound first: the real port of --port 0 is known, and --open never races it
    url = f"http://{host if ':' not in host else f'[{host}]'}:{sock.getsockname()[1]}/draft"
    # The app factory (web.preview.app, loaded by uvicorn, as `serve` does) reads these.
    os.environ.update(NEWSLETTER_PREVIEW_HOST=host, NEWSLETTER_PREVIEW_DATE=day.date().isoformat() if day else "")
    if config.source:
        os.environ["NEWSLETTER_CONFIG"] = str(config.source)
    click.echo(f"Previewing the next issue on {url} (Ctrl-C stops)", err=True)
    if open_browser:
        webbrowser.open(url)  # the socket listens already, so the page waits for the first build
    settings = uvicorn.Config("newsletter.web.preview:app", factory=True, log_level="warning",
                              timeout_graceful_shutdown=1, ws="none", http="h11")  # an open page must not hold up Ctrl-C
    uvicorn.Server(settings).run(sockets=[sock])


def _is_loopback(host: str) -> bool:
    """True for a name or address only this machine can reach."""
    import ipaddress

    try:
        return host.lower() == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _listen(host: str, port: int):
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host.strip("[]"), port), family=family)
    except OSError as e:
        raise click.ClickException(f"cannot listen on {host}:{port}: {e.strerror or e}") from None


def main() -> None:
    """Console entry point: exit 0 done, 1 error, 2 usage."""
    cli.main(prog_name="newsletter")


if __name__ == "__main__":
    sys.exit(main())
