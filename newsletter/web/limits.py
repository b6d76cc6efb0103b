"""Bounds on what one HTTP client may cost `newsletter serve` and `preview`: how long it may
take to send a request's head and body, how big those may be, and how many connections are
served at once. Without them a client that sends half a request (slowloris) holds a
connection forever, and one that hangs up mid-POST fills the log with a traceback.
"""

from __future__ import annotations

import asyncio
import logging

import h11
from starlette.responses import PlainTextResponse
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("newsletter.web")
HEAD_BYTES = 16 * 1024  # request line plus headers; h11 answers 400 to a longer head
KEEP_ALIVE = 5  # seconds an idle kept-alive connection stays open


class BoundedBody:
    """Reads a request's body before the app runs, within `max_bytes` and `seconds`, then hands it on.

    Too big is a 413, too slow a 408, and a client that hangs up is one log line: the app
    never sees a half-read body, so no handler meets ClientDisconnect.
    """

    def __init__(self, app, max_bytes: int, seconds: float):
        self.app, self.max_bytes, self.seconds = app, max_bytes, seconds

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self.seconds):
                read = await self._read(scope, receive)
        except TimeoutError:
            read = PlainTextResponse(f"the request body took over {self.seconds:g} s", status_code=408)
        if isinstance(read, PlainTextResponse):  # refused: say why, and end the connection
            read.headers["Connection"] = "close"
            await read(scope, receive, send)
        elif read is None:
            client = scope.get("client") or ("?", 0)
            log.info("%s %s: the client hung up before its request was read", client[0], scope["path"])
        else:
            await self.app(scope, _replay(read, receive), send)

    async def _read(self, scope, receive) -> bytes | PlainTextResponse | None:
        """The whole body; a 431 or 413 response when the head or body is too big; None when the client left."""
        # h11 bounds only a head still incomplete; one that arrived whole in one read is measured here
        if sum(len(name) + len(value) for name, value in scope["headers"]) > HEAD_BYTES:
            return PlainTextResponse(f"request heads are limited to {HEAD_BYTES} bytes", status_code=431)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            return PlainTextResponse(f"request bodies are limited to {self.max_bytes} bytes", status_code=413)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                return PlainTextResponse(f"request bodies are limited to {self.max_bytes} bytes", status_code=413)
            if not message.get("more_body"):
                return b"".join(chunks)


def _replay(body: bytes, receive):
    """The ASGI receive of a body already read: the body once, then the client's own messages (disconnect)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed():
        return pending.pop() if pending else await receive()

    return replayed


def bounded_protocol(seconds: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing a connection whose request head has not arrived `seconds` after
    it opened or after its first byte (uvicorn itself waits forever for the rest of a head)."""

    class BoundedH11(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._watch_head()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._watch_head()

        def connection_lost(self, exc) -> None:
            self._stop_watching()
            super().connection_lost(exc)

        def _watch_head(self) -> None:
            """Time the head while h11 still waits for one; stop once the request is under way."""
            waiting = self.conn.their_state is h11.IDLE and not self.transport.is_closing()
            if not waiting:
                self._stop_watching()
            elif self._head_timer is None:
                self._head_timer = self.loop.call_later(seconds, self._head_too_slow)

        def _stop_watching(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_too_slow(self) -> None:
            self._head_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                client = self.client or ("?", 0)
                log.info("%s: closed a connection whose request head took over %g s", client[0], seconds)
                self.transport.close()

    return BoundedH11
