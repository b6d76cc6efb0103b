"""The preview app (`newsletter preview`) under a real uvicorn in a thread, for browser tests."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from pathlib import Path

from newsletter import config as config_module


class Preview:
    """`newsletter preview`'s app under uvicorn in a thread, on a socket bound first."""

    def __init__(self, config_path: Path, day: dt.date):
        import uvicorn

        from newsletter.web.preview import create_preview_app

        self.app = create_preview_app(config_module.load(config_path), date=day)
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
