"""The preview's own pages (built-in templates only: the editor's folder cannot change the tool
around their issue), its forms, and the redirect back to the draft with a line to show once."""

from __future__ import annotations

from urllib.parse import parse_qsl

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from ..pipeline.templates import builtin_folder

VIEWS = (
    ("desktop", "Desktop"),
    ("mobile", "Mobile"),
    ("nostyle", "No style"),
    ("text", "Plain text"),
    ("source", "Source"),
    ("check", "Check"),
)
NO_STORE = {"Cache-Control": "no-store"}

PAGES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(builtin_folder())), autoescape=True, undefined=jinja2.StrictUndefined
)


def page(name: str, request: Request, **context) -> HTMLResponse:
    live = request.app.state.live
    said = request.app.state.flash.take(request.query_params.get("said"))
    body = PAGES.get_template(f"web/{name}").render(
        newsletter=live.config.newsletter.title, token=live.token, views=VIEWS, **said, **context
    )
    return HTMLResponse(body, headers=NO_STORE)


async def read_form(request: Request) -> dict[str, str]:
    """A urlencoded form (what a plain HTML form posts) as a dict, the last value of a key winning."""
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))


def back(request: Request, kind: str | None = None, line: str = "") -> RedirectResponse:
    """Back to the draft (303: the browser follows with a GET), with a line to show there once."""
    return RedirectResponse(
        f"/draft?said={request.app.state.flash.put(kind, line)}" if kind else "/draft", status_code=303
    )
