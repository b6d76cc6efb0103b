"""The general unsubscribe page, `/unsubscribe`: where a built issue's link goes (no token in it).

GET shows a form for an address; POST mails that address its own signed link when it is an
active subscriber. The answer is the same page either way, and the mail goes out after the
response, so neither the words nor the timing tell anyone who subscribes.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import parse_qsl

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.routing import Route

from ..config import Config
from ..errors import NewsletterError
from ..store import Store

PATH = "/unsubscribe"
MAX_FORM = 2048  # bytes: an address is at most 320 characters
log = logging.getLogger("newsletter.web")


def request_link_route(config: Config, store: Store, page) -> Route:
    """The route for `config`'s site; `page(name, status, **context)` renders a public page."""
    from ..pipeline.unsubscribe import address_on_list, mail_unsubscribe_link

    def mail(address: str) -> None:
        try:
            mail_unsubscribe_link(config, store, address, now=dt.datetime.now(dt.timezone.utc))
        except NewsletterError as e:  # the reader was answered already: the log is where this goes
            log.warning("unsubscribe link for %s not sent: %s", address, e)

    async def endpoint(request: Request):
        if request.method == "GET":
            return page("unsubscribe_request.html", action=PATH, asked=None, problem=None)
        body = await request.body()
        if len(body) > MAX_FORM:
            return page("unsubscribe_request.html", 413, action=PATH, asked=None, problem="That form is too long.")
        address = dict(parse_qsl(body.decode("utf-8", "replace"))).get("email", "")
        try:
            email = address_on_list(address)
        except NewsletterError:
            return page(
                "unsubscribe_request.html",
                400,
                action=PATH,
                asked=None,
                problem="That is not an email address; please check it.",
            )
        response = page("unsubscribe_request.html", action=PATH, asked=email, problem=None)
        response.background = BackgroundTask(mail, email)
        return response

    return Route(PATH, endpoint, methods=["GET", "POST"])
