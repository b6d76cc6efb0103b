"""How often one client, or one address, may use a public form that mails someone or stores text.

The sign-up, tip and unsubscribe-link forms are open to anyone, so each is a way to mail-bomb a
victim or flood the editor unless counted. A `Throttle` counts events per key (a client's IP, a
folded email address) in a sliding window held in memory: `newsletter serve` is one process, and
a restart forgetting the counts costs at most one more window. The clock is passed in, so tests
move time instead of sleeping. The number of keys is bounded too, so a client spraying addresses
costs the server a fixed amount of memory; the keys least recently seen are forgotten first.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping

HONEYPOT = "website"  # a form field hidden from people (CSS and aria-hidden); only robots fill it in
MAX_KEYS = 10_000


class Throttle:
    """At most `limit` events per key in any `seconds`-long window."""

    def __init__(
        self, limit: int, seconds: float, *, clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS
    ):
        self.limit, self.seconds, self.clock, self.max_keys = limit, seconds, clock, max_keys
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, key: str) -> bool:
        """Count one event for `key` and say whether it is within the limit; a refused event is not counted."""
        now = self.clock()
        times = self._seen.pop(key, None) or deque()
        while times and times[0] <= now - self.seconds:
            times.popleft()
        allowed = len(times) < self.limit
        if allowed:
            times.append(now)
        self._seen[key] = times  # most recently seen last
        while len(self._seen) > self.max_keys:
            self._seen.popitem(last=False)
        return allowed


def is_robot(form: Mapping[str, str]) -> bool:
    """Whether the hidden honeypot field was filled in: a person never sees it, a form-filling robot does."""
    return bool(form.get(HONEYPOT, "").strip())


def client_of(request) -> str:
    """The client's IP address as the server saw it (no proxy headers are trusted)."""
    return request.client.host if request.client else "unknown"
