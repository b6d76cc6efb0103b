"""A real HTTP server on 127.0.0.1, port 0, in a thread, for the feed tests.

`routes` maps a path to a Reply, or to a function of the request headers that returns
one; every request is recorded. A stalled reply holds its request until the server
stops, so a client timeout is tested without any sleep.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STALL_CEILING = 30


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=lambda: {"Content-Type": "application/rss+xml"})
    stall: bool = False


class FeedServer:
    def __init__(self):
        self.routes: dict = {}
        self.requests: list[tuple[str, dict]] = []
        self.released = threading.Event()
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.feeds = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,), daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def hits(self, path: str) -> list[dict]:
        return [headers for seen, headers in self.requests if seen == path]

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


class _Server(ThreadingHTTPServer):
    request_queue_size = 64  # the default 5 drops concurrent connects, each then retried a second later

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up (a timeout, a refused body) is expected here; anything else is reported."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # the name http.server calls
        server: FeedServer = self.server.feeds
        headers = {k.lower(): v for k, v in self.headers.items()}
        server.requests.append((self.path, headers))
        route = server.routes.get(self.path, Reply(404, b"not here", {"Content-Type": "text/plain"}))
        reply = route(headers) if callable(route) else route
        if reply.stall:
            server.released.wait(STALL_CEILING)
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, *_args) -> None:
        """Quiet: the tests read `requests` instead."""
