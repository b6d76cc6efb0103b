"""A login in front of every preview page, for a preview served off loopback.

On loopback only this machine's user can reach the preview; off it, anyone on the
network could read the draft, change it and send test mail. So every request needs a
session cookie, which POST /login gives for the right password (NEWSLETTER_PREVIEW_PASSWORD,
or a token `newsletter preview` prints at start). Sessions live in this process only.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse

PASSWORD_VARIABLE = "NEWSLETTER_PREVIEW_PASSWORD"
COOKIE = "preview_session"
LOGIN_PATH = "/login"
WRONG_PAUSE = 1.0  # seconds each wrong password costs; attempts wait in line, so guessing is slow
FORM = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Log in: preview</title>
<meta name="viewport" content="width=device-width"></head><body style="font-family: sans-serif; margin: 2em">
<h1>Log in to the preview</h1>{said}
<form method="post" action="/login"><label>Password or the token printed at start
<input type="password" name="password" autofocus autocomplete="current-password"></label>
<button type="submit">Log in</button></form></body></html>"""


class LoginRequired:
    """ASGI middleware: serves /login itself, and lets other requests through only with a session."""

    def __init__(self, app, password: str):
        self.app, self.password = app, password.encode("utf-8")
        self.sessions: set[str] = set()
        self._attempts = asyncio.Lock()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == LOGIN_PATH:
            response = await self._login(scope, receive)
        elif self._session(scope) in self.sessions:
            await self.app(scope, receive, send)
            return
        elif scope["method"] in ("GET", "HEAD"):
            response = RedirectResponse(LOGIN_PATH, status_code=303)  # relative: never built from Host
        else:
            response = PlainTextResponse("log in first (/login)", status_code=403)
        await response(scope, receive, send)

    async def _login(self, scope, receive):
        if scope["method"] != "POST":
            return HTMLResponse(FORM.format(said=""), headers={"Cache-Control": "no-store"})
        body = b""
        while (message := await receive())["type"] == "http.request":
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        given = dict(parse_qsl(body.decode("utf-8", "replace"))).get("password", "").encode("utf-8")
        async with self._attempts:
            if not hmac.compare_digest(given, self.password):
                await asyncio.sleep(WRONG_PAUSE)
                said = '<p role="alert">That is not the password.</p>'
                return HTMLResponse(FORM.format(said=said), status_code=403, headers={"Cache-Control": "no-store"})
        session = secrets.token_urlsafe(32)
        self.sessions.add(session)
        response = RedirectResponse("/draft", status_code=303)
        response.set_cookie(COOKIE, session, httponly=True, samesite="strict", path="/")
        return response

    @staticmethod
    def _session(scope) -> str | None:
        cookie = SimpleCookie(Headers(scope=scope).get("cookie", ""))
        return cookie[COOKIE].value if COOKIE in cookie else None
