"""The preview's Tips panel: readers' tips to decide, and the one form that decides them.

Only POST /draft/tips changes anything (accept with the editor's wording, mark as being
checked, discard), behind the preview's own guards (loopback host names, same-origin posts,
the login off loopback). An accepted line goes to the draft's choices file, so the page's
rebuild shows it under "I'm hearing" at once.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from .. import pipeline
from ..errors import NewsletterError
from .live import Live
from .pages import back, read_form


def panel(live: Live) -> list[tuple]:
    """What the panel lists (see `pipeline.tips_to_decide`); [] when the store cannot be read."""
    try:
        return live.call(pipeline.tips_to_decide, now=live.now())
    except NewsletterError:
        return []  # the page says what is wrong with the store elsewhere (the loop's note)


async def _decide(request: Request):
    live, form = request.app.state.live, await read_form(request)
    number = form.get("tip", "")
    if not number.isdigit():
        return back(request, "problem", "which tip? (no tip id given)")
    try:
        line = await run_in_threadpool(
            live.call, pipeline.decide_tip, form.get("action", ""), int(number), form.get("text", ""), now=live.now()
        )
    except NewsletterError as e:
        return back(request, "problem", str(e))
    await live.rebuild()
    return back(request, "notice", line)


def tips_routes() -> list[Route]:
    return [Route("/draft/tips", _decide, methods=["POST"])]
