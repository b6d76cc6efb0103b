"""The general unsubscribe page, `/unsubscribe`: where a built issue's link goes (no token in it).

GET shows a form for an address; POST mails that address its own signed link when it is an
active subscriber. The answer is the same page either way, and the mail goes out after the
response, so neither the words nor the timing tell anyone who subscribes. Like the sign-up
form, it is counted per client (`[subscribe] per_client`, then 429) and per address
(`per_address`: beyond it, the same answer and no mail), so nobody can mail-bomb a subscriber.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.routing import Route

from ..config import Config
from ..errors import NewsletterError
from ..store import Store
from .throttle import Throttle, client_of

HOUR = 3600.0

PATH = "/unsubscribe"
MAX_FORM = 2048  # bytes: an address is at most 320 characters
log = logging.getLogger("newsletter.web")


def request_link_route(config: Config, store: Store, page, clock) -> Route:
    """The route for `config`'s site; `page(name, status, **context)` renders a public page, `clock()` is now."""
    from ..pipeline.unsubscribe import address_on_list, mail_unsubscribe_link

    seconds = lambda: clock().timestamp()  # noqa: E731 - the throttles read the injected clock
    per_client = Throttle(config.subscribe.per_client, HOUR, clock=seconds)
    per_address = Throttle(config.subscribe.per_address, HOUR, clock=seconds)

    def mail(address: str) -> None:
        try:
            mail_unsubscribe_link(config, store, address, now=clock())
        except NewsletterError as e:  # the reader was answered already: the log is where this goes
            log.warning("unsubscribe link for %s not sent: %s", address, e)

    async def endpoint(request: Request):
        if request.method == "GET":
            return page("unsubscribe_request.html", action=PATH, asked=None, problem=None)
        if not per_client.allow(client_of(request)):
            problem = "Too many requests from your network; please try again in an hour."
            return page("unsubscribe_request.html", 429, action=PATH, asked=None, problem=problem)
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
        if per_address.allow(email.lower()):
            response.background = BackgroundTask(mail, email)
        return response

    return Route(PATH, endpoint, methods=["GET", "POST"])
