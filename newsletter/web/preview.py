"""`newsletter preview`: the editor's local preview app (Starlette), `create_preview_app(config)`.

Pages: the index of issues, and an issue page with its views (desktop 600 px, mobile
375 px, without <style>, plain text, source, check). On the draft's page plain forms
shape the issue by rewriting its drafts file, and send a test. The app can send mail and
write files, so it answers only to loopback's host names and those it is told (no DNS
rebinding), refuses form posts from other sites, and off loopback asks for a login first.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.parser
import email.policy
import re

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from .. import pipeline
from ..config import Config
from ..errors import NewsletterError
from ..pipeline import editor
from ..store import Store
from .flash import Flash
from .live import Live, Reloader
from .login import LoginRequired
from .loop import Loop, loop_routes
from .pages import NO_STORE, back, page, read_form
from .tips_panel import panel, tips_routes

GMAIL_CLIP_KB = 102
STYLE_ELEMENT = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.S | re.I)


class LocalOnly:
    """Refuses requests for other host names (a DNS-rebinding page would use its own) and form
    posts whose Origin is another site (a page elsewhere posting to 127.0.0.1)."""

    def __init__(self, app, hosts: tuple[str, ...]):
        self.app, self.hosts = app, hosts

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            problem = self._refusal(scope["method"], Headers(scope=scope))
            if problem:
                await PlainTextResponse(problem, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, method: str, headers: Headers) -> str | None:
        host = headers.get("host", "")
        name = host.rsplit(":", 1)[0] if ":" in host.rsplit("]", 1)[-1] else host
        if name.strip("[]").lower() not in self.hosts:
            return f"this preview does not answer to the host name {name!r} (see newsletter preview --allowed-host)"
        origin = headers.get("origin")
        if method == "POST" and origin is not None and origin != f"http://{host}":
            return f"refused a form posted from another site ({origin})"
        return None


def create_preview_app(
    config: Config,
    *,
    date: dt.date | None = None,
    host: str = "127.0.0.1",
    allowed_hosts: tuple[str, ...] = (),
    password: str | None = None,
) -> Starlette:
    """The preview of `config`'s next issue as of `date` (default: today), served on `host`.

    It answers to loopback's names, `host` unless it is a wildcard address, and `allowed_hosts`;
    with `password`, every page needs a login first (see login.py).
    """
    routes = [
        Route("/", _index),
        Route("/draft", _draft),
        Route("/draft/issue.eml", _download),
        Route("/issues/{number:int}", _sent),
        Route("/issues/{number:int}/issue.eml", _download),
        Route("/events", _events),
        Route("/draft/shape", _shape, methods=["POST"]),
        Route("/draft/test", _send_test, methods=["POST"]),
        *loop_routes(),
        *tips_routes(),
    ]
    named = (host,) if host.strip("[]") not in ("0.0.0.0", "::", "") else ()
    hosts = tuple(h.strip("[]").lower() for h in ("127.0.0.1", "localhost", "::1", *named, *allowed_hosts))
    middleware = [Middleware(LocalOnly, hosts=hosts)]
    if password:
        middleware.append(Middleware(LoginRequired, password=password))
    app = Starlette(routes=routes, lifespan=_lifespan, middleware=middleware)
    app.state.live, app.state.flash = Live(config, date), Flash()
    app.state.loop = Loop()
    return app


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette):
    """The first build before the first page; then rebuilds whenever a watched file changes."""
    live = app.state.live
    reloader = Reloader(live)
    await live.rebuild()
    task = asyncio.create_task(reloader.run())
    try:
        yield
    finally:
        reloader.stop()
        await task


async def _index(request: Request) -> Response:
    live: Live = request.app.state.live
    await request.app.state.loop.view(live)  # a draft sent from elsewhere makes way for the next
    try:
        sent, problem = await run_in_threadpool(live.call, editor.issues), None
    except NewsletterError as e:
        sent, problem = [], str(e)
    return page("preview_index.html", request, draft=live.draft, shown=live.shown, sent=sent, store_problem=problem)


async def _draft(request: Request) -> Response:
    editor = await request.app.state.loop.view(request.app.state.live)  # first: it may make way for the next draft
    tips = await run_in_threadpool(panel, request.app.state.live)
    return page("preview_issue.html", request, **_draft_context(request.app.state.live), editor=editor, tips=tips)


async def _sent(request: Request) -> Response:
    context = await run_in_threadpool(request.app.state.live.call, _sent_context, request.path_params["number"])
    return page("preview_issue.html", request, **context)


async def _download(request: Request) -> Response:
    """The draft's .eml as built now, or a sent issue's as `build` wrote it."""
    live: Live = request.app.state.live
    number, result = request.path_params.get("number"), live.shown.result
    try:
        if number is not None:
            raw = (await run_in_threadpool(editor.built, live.config, number))["issue.eml"]
        elif result is not None and result.issue is not None:
            number, raw = result.issue.number, result.contents["issue.eml"]
        else:
            raise NewsletterError("no draft has been built")
    except NewsletterError as e:
        return PlainTextResponse(str(e), status_code=404)
    disposition = f'attachment; filename="issue-{number:04d}.eml"'
    return Response(raw, media_type="message/rfc822", headers={"Content-Disposition": disposition})


async def _events(request: Request) -> Response:
    """Server-sent events: one when the draft changes from the version the page shows (`v`)."""
    live: Live = request.app.state.live

    async def stream():
        token = request.query_params.get("v", "")
        yield "retry: 1000\n\n"
        while True:
            token, changed = await live.wait(token)
            yield f"data: {token}\n\n" if changed else ": still here\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream", headers=NO_STORE)


async def _shape(request: Request) -> Response:
    live: Live = request.app.state.live
    form = await read_form(request)
    issue = live.shown.result.issue if live.shown.result else None
    if issue is None:
        return back(request, "problem", "there is no draft to shape")
    try:
        await run_in_threadpool(editor.shape, live.config, issue, form.get("action", ""), form)
    except NewsletterError as e:
        return back(request, "problem", str(e))
    await live.rebuild()  # the watcher would too; doing it now means the next page shows the change
    return back(request)


async def _send_test(request: Request) -> Response:
    live: Live = request.app.state.live
    address = (await read_form(request)).get("address", "").strip()
    try:
        line = await run_in_threadpool(live.call, editor.send_test, address, now=live.now(), date=live.date)
    except NewsletterError as e:
        return back(request, "problem", f"the test was not sent: {e}")
    return back(request, "notice", line)


def _views(contents: dict[str, bytes]) -> dict:
    """What each view shows: the HTML (with and without <style>), the text, and the message's source."""
    html, eml = contents["issue.html"].decode("utf-8"), contents["issue.eml"]
    headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(eml)
    return dict(
        html=html,
        nostyle=STYLE_ELEMENT.sub("", html),
        text=contents["issue.txt"].decode("utf-8"),
        source=eml.decode("ascii", "replace").replace("\r\n", "\n"),
        headers=[(k, str(v)) for k, v in headers.items()],
        html_kb=len(contents["issue.html"]) / 1024,
        clip_kb=GMAIL_CLIP_KB,
    )


def _draft_context(live: Live) -> dict:
    """The draft page: the newest build that worked, and the error of a later one that did not."""
    shown, result = live.shown, live.shown.result
    context = dict(
        kind="draft", error=live.draft.error, budget_kb=live.config.email.size_budget_kb, head=None, nothing=False
    )
    if result is None or result.issue is None:
        return context | dict(nothing=result is not None)
    issue, shaping = result.issue, shown.shaping
    folder = live.config.folder
    path = shaping.path.relative_to(folder) if shaping.path.is_relative_to(folder) else shaping.path
    return (
        context
        | _views(result.contents)
        | dict(
            head=dict(number=issue.number, status="draft", date=issue.date, subject=issue.subject),
            issue=issue,
            findings=result.findings,
            warnings=result.warnings,
            cuts=result.cuts,
            dropped=result.dropped,
            choices=shaping.choices,
            drafts_path=path,
            eml_url="/draft/issue.eml",
            left=_left_out(result.left),
            draft_warnings=[line for line in result.warnings if line.startswith(f"{shaping.path}:")],
        )
    )


LEFT_SHOWN = 50
LEFT_REASONS = {
    "budget": "Moved to \u201cMore in the web edition\u201d to fit the size budget",
    "cap": "Over a cap ([compose] or the feed's max_items)",
    "later": "Dated (undated: first seen) after the issue date",
    "window": "Older than [compose] max_age_days",
    "past": "Events already past",
}


def _left_out(left) -> list[tuple[str, int, list]]:
    """(reason's label, how many, the first LEFT_SHOWN items) per reason: 20,000 rows help no one."""
    groups: dict[str, list] = {}
    for item, reason in left:
        groups.setdefault(reason, []).append(item)
    return [
        (LEFT_REASONS.get(reason, reason), len(items), items[:LEFT_SHOWN])
        for reason, items in sorted(
            groups.items(),
            key=lambda kv: list(LEFT_REASONS).index(kv[0]) if kv[0] in LEFT_REASONS else len(LEFT_REASONS),
        )
    ]


def _sent_context(config: Config, store: Store, number: int) -> dict:
    """A sent issue's page, from the files `build` wrote for it."""
    context = dict(kind="sent", error=None, budget_kb=config.email.size_budget_kb, head=None, nothing=False)
    try:
        record = next((r for r in editor.issues(config, store) if r.number == number), None)
        if record is None:
            raise NewsletterError(f"issue {number} has not been sent")
        contents = editor.built(config, number)
        findings = pipeline.check(config, store, number).findings
    except NewsletterError as e:
        return context | dict(error=str(e))
    head = dict(number=number, status=record.status, date=record.day, subject=record.subject)
    return (
        context
        | _views(contents)
        | dict(head=head, findings=findings, eml_url=f"/issues/{number}/issue.eml", warnings=(), cuts=())
    )
