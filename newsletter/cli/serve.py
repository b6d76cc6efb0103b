"""Commands that run a web server: serve (public pages) and preview (the editor's)."""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket

import click

from .base import cli, opened, with_config


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=int,
    help="Port to listen on (not the preview's 8000, so both can run; 0: any free one).",
)
@with_config
def serve(config, host, port):
    """Serve the public pages: unsubscribe (GET: a confirm button; POST: RFC 8058 one-click),
    sign-up with double opt-in (/subscribe), each reader's manage page (change address or
    name, pause, unsubscribe; linked from every issue's footer), the tip form at /tip (readers'
    confidential tips, see `newsletter tips`) and the archive of sent issues at /archive/
    ([archive] dir). Limits on the forms are under [subscribe] and [tips].

    Run it behind your https proxy at [web] base_url; it needs NEWSLETTER_SECRET, the
    same as send, to check the links.

    Example: newsletter serve --port 8080
    """
    from ..web import create_app

    with opened(config) as store:
        app = create_app(config, store)  # fails here, in one line, when NEWSLETTER_SECRET is missing
        sock = _listen(host, port)  # a busy port is one line and exit 1, before anything claims to serve
        click.echo(f"Serving on {_url(host, sock)}/ (public address: {config.web.base_url or 'not set'})", err=True)
        _run(app, sock, config)


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; off loopback, pages need a login (see below).",
)
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on (0: any free one).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Issue date (default: today).")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in your web browser.")
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="A host name the preview answers to besides loopback's (repeatable), e.g. the one "
    "others reach it by when --host is not loopback.",
)
@with_config
def preview(config, host, port, day, open_browser, allowed_hosts):
    """Preview the next issue live in a browser, shape it, and send yourself a test.

    Serves the draft as `newsletter build` would make it now (nothing is fetched or
    written) in every view: desktop (600 px), mobile (375 px), without <style> (as Gmail
    shows it to non-Google accounts), plain text, source, and the check. Saving a
    template, the stylesheet, the config, a corpus file or the drafts file rebuilds it,
    and open pages reload by themselves. Choices made on the page (lead, order, drops,
    subject, added lines and events) go to DRAFTS/issue-NNNN.toml, which build honours.
    Approve, Hold and Send now (it asks first, with the subscriber count) act on the draft
    as the page shows it, and the page follows its state live, to the next draft.
    The Tips panel accepts readers' tips as "I'm hearing" lines (saved in the drafts file),
    marks them as being checked, or discards them.

    Off loopback every page needs a login: the password in NEWSLETTER_PREVIEW_PASSWORD, or
    else a token printed at start; and only the host names given with --allowed-host work.

    Example: newsletter preview --date 2016-08-31 --open
    """
    import webbrowser  # here, not at the top: 5 ms of every `--help`

    from ..web.preview import create_preview_app

    password = None if _is_loopback(host) else _preview_password()
    sock = _listen(host, port)  # bound first: the real port of --port 0 is known, and --open never races it
    url = f"{_url(host, sock)}/draft"
    app = create_preview_app(
        config, date=day.date() if day else None, host=host, allowed_hosts=allowed_hosts, password=password
    )
    click.echo(f"Previewing the next issue on {url} (Ctrl-C stops)", err=True)
    if open_browser:
        webbrowser.open(url)  # the socket listens already, so the page waits for the first build
    _run(app, sock, config, timeout_graceful_shutdown=1)  # an open page must not hold up Ctrl-C


def _preview_password() -> str:
    """NEWSLETTER_PREVIEW_PASSWORD, else a new random token, printed, for the login off loopback."""
    from ..web.login import PASSWORD_VARIABLE

    password = os.environ.get(PASSWORD_VARIABLE)
    if password:
        click.echo(f"Off loopback: log in with the password in {PASSWORD_VARIABLE}", err=True)
        return password
    password = secrets.token_urlsafe(16)
    click.echo(f"Off loopback: log in with this token (or set {PASSWORD_VARIABLE}): {password}", err=True)
    return password


def _is_loopback(host: str) -> bool:
    """True for a name or address only this machine can reach."""
    try:
        return host.lower() == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _listen(host: str, port: int):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.create_server((host.strip("[]"), port), family=family)
    except OSError as e:
        why = os.strerror(e.errno) if e.errno else str(e)  # create_server's own text repeats the address
        raise click.ClickException(f"cannot listen on {host}:{port}: {why}") from None
    # asyncio sets TCP_NODELAY only on sockets it creates itself; without it every answer on a
    # kept-alive connection waits ~40 ms for the client's delayed ACK (Nagle). Accepted sockets inherit it.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _url(host: str, sock) -> str:
    return f"http://{host if ':' not in host else f'[{host}]'}:{sock.getsockname()[1]}"


def _run(app, sock, config, **settings) -> None:
    """Serve `app` on `sock` with the [web] bounds on each client (see web/limits.py)."""
    import uvicorn

    from ..web.limits import HEAD_BYTES, KEEP_ALIVE, BoundedBody, bounded_protocol

    web = config.web
    bounded = BoundedBody(app, web.max_body_kb * 1024, web.read_timeout)
    uvicorn.Server(
        uvicorn.Config(
            bounded,
            log_level="warning",
            ws="none",
            http=bounded_protocol(web.read_timeout),
            timeout_keep_alive=KEEP_ALIVE,
            h11_max_incomplete_event_size=HEAD_BYTES,
            limit_concurrency=web.max_connections,
            **settings,
        )
    ).run(sockets=[sock])
