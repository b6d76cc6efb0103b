"""Commands that run a web server: serve (public pages) and preview (the editor's)."""

from __future__ import annotations

import click

from .base import cli, with_config


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int,
              help="Port to listen on (not the preview's 8000, so both can run).")
@with_config
def serve(config, host, port):
    """Serve the public pages: unsubscribe (GET: a confirm button; POST: RFC 8058 one-click)
    and the archive of sent issues at /archive/ ([archive] dir).

    Run it behind your https proxy at [web] base_url; it needs NEWSLETTER_SECRET, the
    same as send, to check the links.

    Example: newsletter serve --port 8080
    """
    from ..store import Store
    from ..web import create_app

    with Store(config.store_url) as store:
        app = create_app(config, store)  # fails here, in one line, when NEWSLETTER_SECRET is missing
        sock = _listen(host, port)  # a busy port is one line and exit 1, before anything claims to serve
        click.echo(f"Serving on http://{host}:{sock.getsockname()[1]}/ "
                   f"(public address: {config.web.base_url or 'not set'})", err=True)
        _run(app, sock)


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
    Approve, Hold and Send now (it asks first, with the subscriber count) act on the draft
    as the page shows it, and the page follows its state live, to the next draft.

    Example: newsletter preview --date 2016-08-31 --open
    """
    import webbrowser

    from ..web.preview import create_preview_app

    if not _is_loopback(host):
        click.echo(f"warning: serving on {host}: anyone who can reach it can read the draft, change it "
                   "and send test emails through your SMTP server", err=True)
    sock = _listen(host, port)  # bound first: the real port of --port 0 is known, and --open never races it
    url = f"http://{host if ':' not in host else f'[{host}]'}:{sock.getsockname()[1]}/draft"
    app = create_preview_app(config, date=day.date() if day else None, host=host)
    click.echo(f"Previewing the next issue on {url} (Ctrl-C stops)", err=True)
    if open_browser:
        webbrowser.open(url)  # the socket listens already, so the page waits for the first build
    _run(app, sock)


def _run(app, sock) -> None:
    """Serve `app` on the socket bound already until Ctrl-C."""
    import uvicorn

    settings = uvicorn.Config(app, log_level="warning",
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
        import os

        why = os.strerror(e.errno) if e.errno else str(e)  # create_server's own text repeats the address
        raise click.ClickException(f"cannot listen on {host}:{port}: {why}") from None
