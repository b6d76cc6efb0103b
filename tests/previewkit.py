"""The preview app (`newsletter preview`) and serve's (`newsletter serve`) under a real uvicorn in a
thread, for browser tests."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from pathlib import Path

from newsletter import config as config_module


class Running:
    """An ASGI app under uvicorn in a thread, on a socket bound first; `url` is where it answers."""

    def __init__(self, app):
        import uvicorn

        self.app = app
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        settings = uvicorn.Config(self.app, log_level="warning", ws="none", http="h11", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(settings)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join()


class Preview(Running):
    """`newsletter preview`'s app for the project at `config_path`, as of `day`."""

    def __init__(self, config_path: Path, day: dt.date):
        from newsletter.web.preview import create_preview_app

        super().__init__(create_preview_app(config_module.load(config_path), date=day))
