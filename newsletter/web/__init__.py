"""The public web app: `create_app(config, store)` (Starlette): unsubscribing, and the archive.

Unsubscribe links carry a signed token (deliver/tokens.py). GET shows a page with one
confirm button, because mail scanners follow links and must not unsubscribe anyone;
POST unsubscribes at once: the RFC 8058 one-click request a mail client sends, with no
cookie, no login and no redirect, and the confirm button's form; the reason recorded says which.
HEAD, which link scanners send, is answered like GET and changes nothing.
`/unsubscribe` (web/request_link.py) is the general page a built issue links to.
`/tip` (web/tip.py) takes readers' confidential tips for "I'm hearing".
Sign-up, confirmation and the manage page are web/signup.py's.
The archive ([archive] dir, written by the scheduled job) is served as static files at /archive/.
"""

from __future__ import annotations

import datetime as dt

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..config import Config
from ..pipeline.templates import web_pages
from ..pipeline.unsubscribe import UNSUBSCRIBE_PATH, link_tokens, unsubscribe_link
from ..store import Store
from .request_link import request_link_route
from .signup import signup_routes
from .throttle import Throttle
from .tip import tip_route

# The token is in the URL: keep it out of caches, referrers and search engines.
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


def create_app(config: Config, store: Store, *, clock=None) -> Starlette:
    """The app for one config and store; NEWSLETTER_SECRET must be set (it checks the tokens).
    `clock()` is now (for the sign-up pages' expiring links and the forms' limits); tests pass their own."""
    clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
    tokens = link_tokens(config)
    render = web_pages(config)

    def page(name: str, status: int = 200, **context) -> HTMLResponse:
        body = render(f"web/{name}", title=config.newsletter.title, **context)
        return HTMLResponse(body, status_code=status, headers=HEADERS)

    async def unsubscribe(request: Request) -> HTMLResponse:
        named = tokens.read(request.path_params["token"])
        if named is None:
            return page("invalid.html", status=400)
        if request.method != "POST":  # GET, and HEAD (link scanners): only show the confirm button
            return page("unsubscribe.html", action=request.url.path)
        # RFC 8058's body comes from a mail client; the confirm page's button posts `confirmed=page`.
        how = "one-click" if b"List-Unsubscribe=One-Click" in await request.body() else "web page"
        await run_in_threadpool(unsubscribe_link, config, store, named, how, now=clock())
        return page("unsubscribed.html")

    routes = [
        request_link_route(config, store, page, clock),
        tip_route(
            config,
            store,
            page,
            Throttle(config.tips.rate_limit, config.tips.rate_seconds, clock=lambda: clock().timestamp()),
        ),
        *signup_routes(config, store, page, clock),
        Route(UNSUBSCRIBE_PATH + "{token}", unsubscribe, methods=["GET", "POST"]),
        # check_dir off: the folder appears with the first issue sent; until then, 404s.
        Mount("/archive", StaticFiles(directory=config.archive.dir, html=True, check_dir=False)),
    ]
    app = Starlette(routes=routes)
    app.router.redirect_slashes = False  # its redirect is built from the Host header: a 404 instead
    return app
