"""The preview's send loop: Approve, Hold and Send now on the draft's page, and the issue's state
(draft, approved, held, sending with progress, sent) followed live by every open page.

Each decision is about the draft as the page showed it: the form carries the fingerprint of
what was shown, and the draft is built (as `newsletter build --no-fetch`) and compared before
it is approved or sent, so nobody approves or sends something they have not seen. After a
send the draft is rebuilt at once, so the next issue appears without touching a file.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from .. import pipeline
from ..errors import NewsletterError
from ..models import IssueStatus
from ..pipeline import editor
from ..pipeline.freeze import fingerprint
from .pages import back, page, read_form

PROGRESS_EVERY = 0.5  # seconds between the pages' reloads while a send is under way


@dataclass
class Sending:
    number: int
    done: int = 0
    total: int = 0


class Loop:
    """The preview's send under way (at most one) and the outcome of the last."""

    def __init__(self):
        self.sending: Sending | None = None
        self.last: str | None = None
        self.task: asyncio.Task | None = None

    async def view(self, live) -> dict:
        """What the draft page shows of the loop: state, note, progress, the last outcome, and the
        fingerprint its forms carry. A draft sent from elsewhere (the CLI) makes way for the next."""
        result = live.shown.result
        if result is None or result.issue is None:
            return dict(state=None, note=None, sending=self.sending, last=self.last, shown="", audience=0)
        number = result.issue.number
        try:
            state, note = await run_in_threadpool(live.call, editor.state, number)
        except NewsletterError as e:  # a store fault: the page shows the draft and says why it cannot decide
            return dict(state=None, note=str(e), sending=self.sending, last=self.last, shown="", audience=0)
        if state in (IssueStatus.SENDING, IssueStatus.SENT) and self.sending is None:
            await live.rebuild()  # sent by another process: the draft shown is spent
            return (
                await self.view(live)
                if live.shown.result is not result
                else dict(state=state, note=note, sending=None, last=self.last, shown="", audience=0)
            )
        return dict(
            state=state,
            note=note,
            sending=self.sending,
            last=self.last,
            shown=fingerprint(result.contents),
            audience=await run_in_threadpool(live.call, editor.audience),
        )


def loop_routes() -> list[Route]:
    return [
        Route("/draft/approve", _review, methods=["POST"]),
        Route("/draft/hold", _review, methods=["POST"]),
        Route("/draft/send", _confirm, methods=["GET"]),
        Route("/draft/send", _send_now, methods=["POST"]),
    ]


async def _review(request: Request):
    live, form = request.app.state.live, await read_form(request)
    verb = request.url.path.rsplit("/", 1)[1]
    try:
        line = await run_in_threadpool(
            live.call, editor.review, verb, form.get("shown", ""), now=live.now(), date=live.date
        )
    except NewsletterError as e:
        return back(request, "problem", f"not {'approved' if verb == 'approve' else 'held'}: {e}")
    await live.rebuild()
    await live.touch()  # other open pages show the new state too
    return back(request, "notice", line)


async def _confirm(request: Request):
    """Send now asks first, saying how many people will get it."""
    live, loop = request.app.state.live, request.app.state.loop
    result = live.shown.result
    if result is None or result.issue is None:
        return back(request, "problem", "there is no draft to send")
    if loop.sending:
        return back(request, "problem", f"issue {loop.sending.number} is being sent already")
    audience = await run_in_threadpool(live.call, editor.audience)
    return page(
        "preview_send.html", request, issue=result.issue, audience=audience, shown=request.query_params.get("shown", "")
    )


async def _send_now(request: Request):
    live, loop = request.app.state.live, request.app.state.loop
    shown = (await read_form(request)).get("shown", "")
    if loop.sending:
        return back(request, "problem", f"issue {loop.sending.number} is being sent already")
    try:
        built = await run_in_threadpool(live.call, editor.commit, shown, now=live.now(), date=live.date)
    except NewsletterError as e:
        return back(request, "problem", f"not sent: {e}")
    audience = await run_in_threadpool(live.call, editor.audience)
    loop.sending, loop.last = Sending(built.issue.number, 0, audience), None
    loop.task = asyncio.create_task(_send(live, loop))
    await live.touch()
    return back(request)


async def _send(live, loop: Loop) -> None:
    """The send itself, in a worker thread; its progress reaches the pages at most every PROGRESS_EVERY s."""
    events, sending = asyncio.get_running_loop(), loop.sending
    last = [0.0]

    def progress(_status, done: int, total: int) -> None:
        sending.done, sending.total = done, total
        if time.monotonic() - last[0] >= PROGRESS_EVERY or done == total:
            last[0] = time.monotonic()
            asyncio.run_coroutine_threadsafe(live.touch(), events)

    try:
        result = await asyncio.to_thread(
            live.call, pipeline.send, now=dt.datetime.now(dt.timezone.utc), issue=sending.number, progress=progress
        )
        counts = result.summary.counts
        outcome = "is sent" if result.complete else "is partly sent (run newsletter send to resume)"
        loop.last = (
            f"Issue {sending.number} {outcome}: {counts['sent']} sent, "
            f"{counts['failed'] + counts['bounced']} failed, {counts['skipped']} skipped"
        )
    except NewsletterError as e:
        loop.last = f"Issue {sending.number} was not sent: {e}"
    finally:
        loop.sending = None
    await live.rebuild()  # the next draft, made of what is left
    await live.touch()
