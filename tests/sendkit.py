"""Helpers for the delivery tests: a project folder with a config, a draft issue and subscribers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from projectkit import write_config

from newsletter import config as config_module
from newsletter.models import ARTICLE, HEARING, Issue, Item
from newsletter.store import Store
from newsletter.store.subscribers import NewSubscriber

SECRET = "test-secret-0123456789abcdef"
BASE_URL = "https://eletter.example.org"
NOW = dt.datetime(2024, 3, 1, 7, 0, tzinfo=dt.timezone.utc)


def project_data(
    smtp_port: int,
    *,
    store_url: str | None = None,
    domain: str = "example.org",
    title: str = "The Test eLetter",
    **smtp,
) -> dict:
    """A config pointing at the test SMTP server (and at `store_url`, else a SQLite file), as a dict.

    `domain` is the Message-ID domain and so the name the sender gives in EHLO.
    """
    data = {
        "newsletter": {"title": title},
        "email": {
            "from_address": f"{title} <eletter@example.org>",
            "unsubscribe_address": "unsubscribe@example.org",
            "message_id_domain": domain,
        },
        "web": {"base_url": BASE_URL},
        "smtp": {
            "host": "127.0.0.1",
            "port": smtp_port,
            "security": "none",
            "connections": 2,
            "claim_seconds": 1,
            "timeout": 10,
            **smtp,
        },
    }
    return data | ({"store": {"url": store_url}} if store_url else {})


def make_config(folder: Path, smtp_port: int, **settings) -> config_module.Config:
    """`project_data` as a Config whose relative paths live in `folder` (no file: nothing here runs a command)."""
    return config_module.from_dict(project_data(smtp_port, **settings), folder / "config.toml")


def make_project(folder: Path, smtp_port: int, **settings) -> Path:
    """`project_data` written as folder/config.toml, for tests that run a command; returns its path."""
    return write_config(folder, project_data(smtp_port, **settings))


def load(path: Path):
    return config_module.load(path)


def draft_issue(path: Path, number: int = 1) -> None:
    """Store a small draft issue: a lead piece and an "I'm hearing" line."""
    lead = Item(
        id=f"lead{number}",
        kind=ARTICLE,
        source="test",
        title="A piece worth reading",
        author="Roy Lilley",
        paragraphs=("The first paragraph says something.", "So does the second."),
        published=NOW,
    )
    hearing = Item(
        id=f"hear{number}",
        kind=HEARING,
        source="test",
        title="a rumour",
        paragraphs=("I'm hearing - a rumour about a merger.",),
    )
    with Store(load(path).store_url) as store:
        store.items.add_unique([lead, hearing], NOW)
        store.issues.save_draft(Issue(number, NOW.date(), "The Test eLetter", lead=lead, hearing=(hearing,)), NOW)


def add_people(path: Path, count: int, *, start: int = 0) -> list[str]:
    """`count` active subscribers person<N>@example.com, named Person <N>; returns their addresses."""
    addresses = [f"person{n}@example.com" for n in range(start, start + count)]
    rows = [NewSubscriber(a, a, f"Person {n}") for n, a in enumerate(addresses, start)]
    with Store(load(path).store_url) as store:
        store.subscribers.import_all(rows, NOW)
    return addresses


def ledger(path: Path, issue: int = 1) -> dict[str, tuple[str, str | None, int]]:
    """address -> (status, message_id, crashes) for every ledger row of `issue`."""
    import sqlalchemy as sa

    from newsletter.store.schema import sends, subscribers

    query = (
        sa.select(subscribers.c.email, sends.c.status, sends.c.message_id, sends.c.crashes)
        .join(subscribers, subscribers.c.id == sends.c.subscriber)
        .where(sends.c.issue == issue)
    )
    with Store(load(path).store_url) as store, store.engine.connect() as conn:
        return {row.email: (row.status, row.message_id, row.crashes) for row in conn.execute(query)}


class Site:
    """A real uvicorn server for an ASGI app on 127.0.0.1 and a free port, in a thread."""

    def __init__(self, app):
        import uvicorn

        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", ws="none", http="h11"
        )
        self.server = uvicorn.Server(config)

    def __enter__(self) -> "Site":
        import threading
        import time

        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join()

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None):
        """(status, headers, text); redirects are not followed, so a test can see one."""
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
        finally:
            connection.close()
