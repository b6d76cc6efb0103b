"""One-time messages shown after a preview form's redirect ("Sent a test…", "the test was not sent: …").

The text stays on the server; the redirect's URL carries only a random id. A link someone
else makes (?notice=…, or an id they invent) shows nothing: no spoofed system messages.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict

KEPT = 100  # messages waiting to be shown; an old one nobody fetched is dropped


class Flash:
    def __init__(self) -> None:
        self._waiting: OrderedDict[str, tuple[str, str]] = OrderedDict()

    def put(self, kind: str, line: str) -> str:
        """Keep `line` (kind notice or problem); returns the id to put in the redirect."""
        key = secrets.token_urlsafe(16)
        self._waiting[key] = (kind, line)
        while len(self._waiting) > KEPT:
            self._waiting.popitem(last=False)
        return key

    def take(self, key: str | None) -> dict[str, str | None]:
        """{notice, problem} for `key`, each None but the one kept; the message is shown once."""
        kind, line = self._waiting.pop(key, (None, None)) if key else (None, None)
        return {"notice": line if kind == "notice" else None, "problem": line if kind == "problem" else None}
