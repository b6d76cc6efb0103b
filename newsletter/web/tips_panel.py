"""The preview's Tips panel: readers' tips to decide, and the one form that decides them.

Only POST /draft/tips changes anything (accept with the editor's wording, mark as being
checked, discard), behind the preview's own guards (loopback host names, same-origin posts,
the login off loopback). An accepted line goes to the draft's drafts file, so the page's
rebuild shows it under "I'm hearing" at once.
"""

from __future__ import annotations

import datetime as dt

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from .. import pipeline
from ..config import Config
from ..errors import NewsletterError
from ..pipeline.tips import suggested_line
from ..store import Store


def panel(config: Config) -> list[tuple]:
    """(tip, when it came in local time, suggested line, source) for each tip still to decide; [] when
    the store cannot be read."""
    try:
        with Store(config.store_url) as store:
            found = pipeline.list_tips(config, store, now=dt.datetime.now(dt.timezone.utc))
            return [(tip, tip.received.astimezone(config.zone).strftime("%Y-%m-%d %H:%M %Z"), suggested_line(tip),
                     store.tips.source(tip.id)) for tip in found]
    except NewsletterError:
        return []  # the page says what is wrong with the store elsewhere (the loop's note)


def decide(config: Config, action: str, number: int, text: str) -> str:
    """Carry out the editor's decision on tip `number`; returns the line to show."""
    now = dt.datetime.now(dt.timezone.utc)
    with Store(config.store_url) as store:
        if action == "accept":
            done = pipeline.accept_tip(config, store, number, text, now=now)
            return f"Tip {number} is an \u201cI'm hearing\u201d line of issue {done.issue} now"
        if action == "check":
            pipeline.check_tip(config, store, number, now=now)
            return f"Tip {number} is marked as being checked"
        if action == "discard":
            pipeline.discard_tip(config, store, number, now=now)
            return f"Tip {number} is discarded (deleted, with its sender)"
    raise NewsletterError(f"unknown action {action!r}")


async def _decide(request: Request):
    from .preview import _back, _form

    live, form = request.app.state.live, await _form(request)
    number = form.get("tip", "")
    if not number.isdigit():
        return _back(request, "problem", "which tip? (no tip id given)")
    try:
        line = await run_in_threadpool(decide, live.config, form.get("action", ""), int(number), form.get("text", ""))
    except NewsletterError as e:
        return _back(request, "problem", str(e))
    await live.rebuild()
    return _back(request, "notice", line)


def tips_routes() -> list[Route]:
    return [Route("/draft/tips", _decide, methods=["POST"])]
