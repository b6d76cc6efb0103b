"""The public sign-up, confirmation and manage pages (the errands are pipeline/signup.py's).

`/subscribe` takes an address and a name from our page or a form embedded on another site;
`/confirm/TOKEN` and `/manage/TOKEN` are the links mailed to readers. GET only shows a page
(mail scanners open links); a button POSTs the change. Anything that mails someone answers
first and mails after the response, and answers the same whatever the address's standing,
so neither the words nor the timing say who subscribes. Form posts are limited per client
address and per address (web/throttle.py), the robot-only honeypot field is a silent no, and
bodies over [subscribe] max_form_bytes are refused; the mails themselves are limited per
address in the store (a restart does not reset that).
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from ..config import Config
from ..errors import NewsletterError
from ..pipeline.signup import CONFIRM_PATH, MANAGE_PATH
from .throttle import Throttle, client_of, is_robot

SUBSCRIBE_PATH, MANAGE_REQUEST_PATH = "/subscribe", "/manage"
DEFAULT_FORM = "sign-up page"
FORM_NAME = 64  # characters of the `form` field kept: which form a sign-up came from
HOUR = 3600.0
log = logging.getLogger("newsletter.web")


def signup_routes(config: Config, store, page, clock: Callable[[], dt.datetime]) -> list[Route]:
    """The routes for `config`'s site; `page(name, status, **context)` renders a public page, `clock` is now."""
    from ..pipeline import signup
    from ..pipeline.signup import AddressError, checked

    s = config.subscribe
    seconds = lambda: clock().timestamp()  # noqa: E731 - the throttles' clock is the injected one
    per_client = Throttle(s.per_client, HOUR, clock=seconds)
    per_address = Throttle(s.per_address, HOUR, clock=seconds)

    def later(verb, *args) -> BackgroundTask:
        """Run a mailing verb after the response; its failure is a log line (the reader was answered)."""

        def run() -> None:
            try:
                verb(config, store, *args, now=clock())
            except NewsletterError as e:
                log.warning("%s not done: %s", verb.__name__, e)

        return BackgroundTask(run)

    def problem_page(problem: str):
        """A friendly page for a link that was changed (400) or is too old (410)."""
        expired = problem == signup.EXPIRED
        return page("link_problem.html", 410 if expired else 400, expired=expired)

    async def form_of(request: Request) -> dict[str, str] | None:
        body = await request.body()
        if len(body) > s.max_form_bytes:
            return None
        return dict(parse_qsl(body.decode("utf-8", "replace")))

    async def subscribe(request: Request):
        if request.method != "POST":
            return page("subscribe.html", action=SUBSCRIBE_PATH, asked=None, problem=None)
        if not per_client.allow(client_of(request)):
            return page(
                "subscribe.html",
                429,
                action=SUBSCRIBE_PATH,
                asked=None,
                problem="Too many sign-ups from your network; please try again in an hour.",
            )
        form = await form_of(request)
        if form is None:
            return page("subscribe.html", 413, action=SUBSCRIBE_PATH, asked=None, problem="That form is too long.")
        try:
            row = checked(form.get("email", ""), form.get("name", ""))
        except AddressError:
            return page(
                "subscribe.html",
                400,
                action=SUBSCRIBE_PATH,
                asked=None,
                problem="That is not an email address; please check it.",
            )
        response = page("subscribe.html", action=SUBSCRIBE_PATH, asked=row.email, problem=None)
        if not is_robot(form) and per_address.allow(row.key):
            response.background = later(signup.sign_up, row.email, row.name, _form_name(form.get("form", "")))
        return response

    async def request_manage(request: Request):
        if request.method != "POST":
            return page("manage_request.html", action=MANAGE_REQUEST_PATH, asked=None, problem=None)
        if not per_client.allow(client_of(request)):
            return page(
                "manage_request.html",
                429,
                action=MANAGE_REQUEST_PATH,
                asked=None,
                problem="Too many requests from your network; please try again in an hour.",
            )
        form = await form_of(request)
        if form is None:
            return page(
                "manage_request.html", 413, action=MANAGE_REQUEST_PATH, asked=None, problem="That form is too long."
            )
        try:
            row = checked(form.get("email", ""))
        except AddressError:
            return page(
                "manage_request.html",
                400,
                action=MANAGE_REQUEST_PATH,
                asked=None,
                problem="That is not an email address; please check it.",
            )
        response = page("manage_request.html", action=MANAGE_REQUEST_PATH, asked=row.email, problem=None)
        if not is_robot(form) and per_address.allow(row.key):
            response.background = later(signup.request_manage_link, row.email)
        return response

    async def confirm(request: Request):
        token = request.path_params["token"]
        if request.method != "POST":  # GET and HEAD: check the link, change nothing
            problem = signup.link_state(token, now=clock())
            return problem_page(problem) if problem else page("confirm.html", action=request.url.path)
        done = await run_in_threadpool(signup.confirm, config, store, token, now=clock())
        if done in (signup.INVALID, signup.EXPIRED):
            return problem_page(done)
        return page(
            "confirmed.html",
            outcome=done.outcome,
            email=done.subscriber.email,
            manage=signup.manage_link(config, done.subscriber, clock()),
        )

    async def manage(request: Request):
        token = request.path_params["token"]
        now = clock()
        who = await run_in_threadpool(signup.managed, store, token, now=now)
        if who in (signup.INVALID, signup.EXPIRED):
            return problem_page(who)
        if request.method != "POST":
            return page(
                "manage.html",
                action=request.url.path,
                who=who,
                now=now,
                notice=None,
                problem=None,
                pauses=signup.PAUSES,
            )
        form = await form_of(request)
        if form is None:
            return page(
                "manage.html",
                413,
                action=request.url.path,
                who=who,
                now=now,
                notice=None,
                problem="That form is too long.",
                pauses=signup.PAUSES,
            )
        status, notice, problem, background = 200, None, None, None
        action = form.get("action", "")
        try:
            if action == "name":
                who = await run_in_threadpool(signup.rename, store, who, form.get("name", ""), now=now)
                notice = "Your name is changed."
            elif action == "pause" and form.get("weeks", "").isdigit():
                who = await run_in_threadpool(signup.pause, store, who, int(form["weeks"]), now=now)
                notice = (
                    f"Paused: no issues until {who.paused_until:%A %d %B %Y}."
                    if who.paused_until
                    else "Resumed: the next issue comes to you."
                )
            elif action == "unsubscribe":
                who = await run_in_threadpool(signup.unsubscribe, store, who, now=now)
                notice = "You are unsubscribed: no more issues will come."
            elif action in ("address", "resubscribe") and not per_client.allow(client_of(request)):
                status, problem = 429, "Too many requests from your network; please try again in an hour."
            elif action == "address":
                new = checked(form.get("email", ""))
                background = later(signup.change_address, who, new.email)
                notice = (
                    f"We have sent a confirmation link to {new.email}. Until you follow it, "
                    f"the issues keep going to {who.email}."
                )
            elif action == "resubscribe":
                background = later(signup.resubscribe, who)
                notice = f"We have sent a confirmation link to {who.email}; follow it to subscribe again."
            else:
                status, problem = 400, "That is not something this page can do."
        except AddressError:
            status, problem = 400, "That is not an email address; please check it."
        except ValueError:
            status, problem = 400, "That pause is not one this page offers."
        response = page(
            "manage.html",
            status,
            action=request.url.path,
            who=who,
            now=now,
            notice=notice,
            problem=problem,
            pauses=signup.PAUSES,
        )
        response.background = background
        return response

    return [
        Route(SUBSCRIBE_PATH, subscribe, methods=["GET", "POST"]),
        Route(MANAGE_REQUEST_PATH, request_manage, methods=["GET", "POST"]),
        Route(CONFIRM_PATH + "{token}", confirm, methods=["GET", "POST"]),
        Route(MANAGE_PATH + "{token}", manage, methods=["GET", "POST"]),
    ]


def _form_name(value: str) -> str:
    """Which form a sign-up came from, as an embedding names it: printable, one line, bounded."""
    cleaned = "".join(c for c in unicodedata.normalize("NFC", value) if c.isprintable()).strip()[:FORM_NAME]
    return cleaned or DEFAULT_FORM
