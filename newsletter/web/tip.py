"""The tip form, `/tip`: a reader's confidential tip for "I'm hearing", no login.

Open to anyone, so bounded: the shared throttle counts tips per client address, a hidden
honeypot field turns robots away, and the form's size is capped. Every accepted post gets the
same thank-you page, which says nothing about any other tip (none are counted or numbered on
it); a robot's post gets it too, so it learns nothing either. Nothing about a tip or its sender
is logged.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from ..config import Config
from .throttle import HONEYPOT, Throttle, client_of, is_robot

PATH = "/tip"
FORM_OVERHEAD = 1024  # bytes of a form beyond its text: field names, the contact, the honeypot


def tip_route(config: Config, store, page, throttle: Throttle) -> Route:
    """The route for `config`'s site; `page(name, status, **context)` renders a public page."""
    from ..pipeline.tips import TipRefused, submit_tip

    limit = config.tips.max_chars * 4 + FORM_OVERHEAD  # a character is at most 4 bytes of UTF-8

    def form(status: int = 200, problem: str | None = None, text: str = "", contact: str = ""):
        return page(
            "tip.html",
            status,
            action=PATH,
            thanked=False,
            problem=problem,
            text=text,
            contact=contact,
            max_chars=config.tips.max_chars,
            honeypot=HONEYPOT,
        )

    async def endpoint(request: Request):
        if request.method != "POST":
            return form()
        body = await request.body()
        if len(body) > limit:
            return form(413, f"That tip is too long: at most {config.tips.max_chars} characters, please.")
        fields = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        text, contact = fields.get("text", ""), fields.get("contact", "")
        if is_robot(fields):
            return page("tip.html", action=PATH, thanked=True)
        if not throttle.allow(client_of(request)):
            return form(429, "You have sent several tips in a short time; please try again later.", text, contact)
        try:
            await run_in_threadpool(
                submit_tip, config, store, text, contact, client_of(request), now=dt.datetime.now(dt.timezone.utc)
            )
        except TipRefused as e:
            return form(400, f"That tip was not kept: {e}.", text, contact)
        return page("tip.html", action=PATH, thanked=True)

    return Route(PATH, endpoint, methods=["GET", "POST"])
