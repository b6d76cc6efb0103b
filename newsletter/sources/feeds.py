"""Fetch feeds like a good citizen: conditional GET, bounded bodies, and every status a decision.

HTTP only: each fetch returns the raw body (when there is one) and the feed's new HTTP
state; nothing here parses, and nothing writes state. Decisions: 200 gives a body and
new validators; 304 means nothing new; 301/308 all the way remember the new URL (once
it answers); 410 disables the feed; 429/503 honour Retry-After on the next run (for at
most a day); anything else is one line naming the feed. Bodies are decompressed here,
a piece at a time, so the size cap holds after decompression and a gzip bomb stops at
the cap instead of filling memory.

A feed cannot lead the fetcher inward: a redirect (or a remembered new URL) whose host
resolves to a loopback, link-local, private, multicast or other non-global address is
refused, unless the configured URL itself points at that address and port (an editor
testing locally). The check resolves the name before the request, so a DNS server that
answers differently the second time (rebinding) is not stopped by it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import functools
import ipaddress
import socket
import sys
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from ..config import FeedConfig, FetchSection
from ..models import FeedState

# Start-up: httpx imports its command-line client (rich, pygments) whenever they are installed,
# and httpcore imports trio in case it runs under trio's event loop. This fetcher needs neither
# (asyncio only), and the two were 0.15 s of every command's start; both libraries treat an
# ImportError here as "not installed".
for _unused in ("httpx._main", "trio"):
    sys.modules.setdefault(_unused, None)  # type: ignore[arg-type]
import httpx  # noqa: E402

MAX_REDIRECTS = 5
LONGEST_WAIT = dt.timedelta(days=1)
ACCEPT = "application/atom+xml, application/rss+xml, application/feed+json, application/xml;q=0.9, */*;q=0.8"
_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Fetched:
    """One feed's fetch: its new state, and a body to parse, or an error, or neither (nothing new).

    `line` says what happened; with a body it is how the body came ("HTTP 200", "file").
    A `skipped` feed was not asked at all, and its state is as it was.
    """

    feed: FeedConfig
    state: FeedState
    line: str
    body: bytes | None = None
    content_type: str = ""
    url: str = ""
    error: str | None = None
    skipped: bool = False


class _Refused(Exception):
    """A response this fetcher will not use; the message says why, for the feed's one line."""


def client(settings: FetchSection) -> httpx.AsyncClient:
    """One client for a run: shared connections, the run's timeouts, and headers that say who is asking."""
    timeout = httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
    limits = httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency)
    headers = {"User-Agent": settings.user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
    return httpx.AsyncClient(
        timeout=timeout, limits=limits, headers=headers, follow_redirects=False, verify=_trusted_roots()
    )


@functools.cache
def _trusted_roots():
    """httpx's TLS settings, made once a process: reading the CA bundle costs more than a whole all-304 run's
    requests, and the scheduler makes a client every cycle."""
    return httpx.create_ssl_context()


async def fetch(
    http: httpx.AsyncClient, feed: FeedConfig, state: FeedState, settings: FetchSection, now: dt.datetime
) -> Fetched:
    """Fetch one feed as its state allows; never raises for anything the network or server does."""
    if state.gone:
        line = f"disabled: gone (HTTP 410) since {state.gone:%Y-%m-%d}; remove it from the config"
        return Fetched(feed, state, line, error=line, skipped=True)
    if state.retry_after and state.retry_after > now:
        line = f"skipped: its server asked for no visit before {state.retry_after:%Y-%m-%d %H:%M} UTC"
        return Fetched(feed, state, line, skipped=True)
    if feed.is_file:
        return _read_file(feed, replace(state, last_attempt=now), settings.max_bytes)
    url = state.moved_to or feed.url
    try:
        async with asyncio.timeout(settings.total_timeout):
            return await _get(http, feed, replace(state, last_attempt=now, last_status=None), url, settings.max_bytes)
    except TimeoutError:
        problem = f"took longer than {settings.total_timeout:g} s in all"
    except httpx.ConnectTimeout:
        problem = f"no connection within {settings.connect_timeout:g} s"
    except httpx.ReadTimeout:
        problem = f"no response within {settings.read_timeout:g} s"
    except httpx.ConnectError as e:
        problem = f"cannot connect: {e}"
    except httpx.RemoteProtocolError as e:
        problem = f"broken HTTP response: {e}"
    except (httpx.HTTPError, httpx.InvalidURL) as e:
        problem = f"{type(e).__name__}: {e}"
    except _Refused as e:
        problem = str(e)
    return _failed(feed, replace(state, last_attempt=now, last_status=None), f"{problem} ({url})")


async def _get(http: httpx.AsyncClient, feed: FeedConfig, state: FeedState, url: str, cap: int) -> Fetched:
    """GET `url` with the feed's validators, following at most MAX_REDIRECTS redirects by hand."""
    headers = {k: v for k, v in (("If-None-Match", state.etag), ("If-Modified-Since", state.last_modified)) if v}
    hops: list[int] = []
    seen = [url]
    exempt: set | None = None
    for _ in range(MAX_REDIRECTS + 1):
        if url != feed.url:  # the configured URL is the editor's choice; anywhere else must be outward
            exempt = await _inward(feed.url) if exempt is None else exempt
            await _refuse_inward(url, exempt)
        async with http.stream("GET", url, headers=headers) as response:
            if response.status_code in _REDIRECTS and "location" in response.headers:
                hops.append(response.status_code)
                url = _redirect_target(url, response.headers["location"], seen)
                continue
            body = await _read_capped(response, cap) if response.status_code == 200 else None
            moved = url if hops and all(code in (301, 308) for code in hops) else None
            return _decide(feed, replace(state, last_status=response.status_code), response, url, body, moved)
    raise _Refused(f"more than {MAX_REDIRECTS} redirects")


async def _inward(url: str) -> set[tuple[str, int]]:
    """The (address, port) pairs `url`'s host resolves to that are not on the public internet."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = await asyncio.get_running_loop().getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError):
        return set()  # unresolvable: the request itself fails and says so
    inward = set()
    for *_info, address in found:
        ip = ipaddress.ip_address(address[0].split("%", 1)[0])
        ip = getattr(ip, "ipv4_mapped", None) or ip
        if not ip.is_global or ip.is_multicast:
            inward.add((str(ip), port))
    return inward


async def _refuse_inward(url: str, exempt: set[tuple[str, int]]) -> None:
    refused = await _inward(url) - exempt
    if refused:
        address, port = min(refused)
        raise _Refused(
            f"refused: {url} leads to {address} port {port}, an internal address, "
            "and the configured feed URL does not point there"
        )


def _redirect_target(url: str, location: str, seen: list[str]) -> str:
    target = urljoin(url, location.strip())
    if urlsplit(target).scheme not in ("http", "https"):
        raise _Refused(f"redirected to {target!r}, which is not a web address")
    if target in seen:
        raise _Refused(f"redirect loop back to {target}")
    seen.append(target)
    return target


def _decide(feed, state: FeedState, response: httpx.Response, url: str, body: bytes | None, moved: str | None):
    """What the final status means for the feed (the module docstring lists the decisions)."""
    status, reason, headers = response.status_code, response.reason_phrase, response.headers
    said = f"HTTP {status}"
    if status in (200, 304):
        state = replace(
            state,
            moved_to=moved or state.moved_to,
            etag=_validator(headers.get("etag")) or (state.etag if status == 304 else None),
            last_modified=_validator(headers.get("last-modified")) or (state.last_modified if status == 304 else None),
            retry_after=None,
        )
        note = f"; moved permanently to {moved}" if moved and moved != state.url else ""
        if status == 304:
            return Fetched(feed, state, f"not modified ({said}){note}")
        if not body:
            return _failed(feed, state, f"empty response ({said}) ({url})")
        return Fetched(feed, state, f"{said}{note}", body, headers.get("content-type", ""), url)
    if status == 410:
        gone = replace(state, gone=state.last_attempt)
        return _failed(feed, gone, f"{said} {reason}: disabled from now on; remove it")
    if status in (429, 503):
        wait = _retry_after(headers.get("retry-after"), state.last_attempt)
        state = replace(state, retry_after=wait)
        later = f"; no visit before {wait:%Y-%m-%d %H:%M} UTC" if wait else ""
        return _failed(feed, state, f"{said} {reason}{later} ({url})")
    return _failed(feed, state, f"{said} {reason} ({url})")


def _validator(value: str | None) -> str | None:
    """An ETag or Last-Modified worth sending back: short printable ASCII.

    A value that cannot go back into a header would fail every later fetch of the feed.
    """
    return value if value and len(value) <= 1024 and value.isascii() and value.isprintable() else None


def _retry_after(value: str | None, now: dt.datetime) -> dt.datetime | None:
    """Retry-After as a time (seconds or an HTTP date), at most LONGEST_WAIT away; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        when = now + dt.timedelta(seconds=int(value))
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        when = when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
    return min(when, now + LONGEST_WAIT)


async def _read_capped(response: httpx.Response, cap: int) -> bytes:
    """The body, decompressed a piece at a time; refused as soon as it passes `cap` bytes."""
    inflater = _Inflater(response.headers.get("content-encoding", "identity"))
    body = bytearray()
    async for raw in response.aiter_raw():
        body += inflater.inflate(raw, cap + 1 - len(body))
        if len(body) > cap:
            raise _Refused(f"body larger than {_size(cap)}; skipped")
    return bytes(body)


class _Inflater:
    """gzip or deflate undone with a ceiling on each piece's output; identity passed through."""

    def __init__(self, encoding: str):
        encoding = encoding.strip().lower()
        if encoding not in ("identity", "", "gzip", "x-gzip", "deflate"):
            raise _Refused(f"unsupported Content-Encoding {encoding!r}")
        self.encoding = encoding
        self.zlib = None if encoding in ("identity", "") else zlib.decompressobj(31 if "gzip" in encoding else 15)
        self.started = False

    def inflate(self, data: bytes, limit: int) -> bytes:
        """At most `limit` bytes of output; input left over then stays unread, as the body is refused anyway."""
        if self.zlib is None:
            return data
        first, self.started = not self.started, True
        try:
            return self.zlib.decompress(data, limit)
        except zlib.error as e:
            if first and self.encoding == "deflate":
                self.zlib = zlib.decompressobj(-15)  # some servers send raw deflate, without the zlib wrapper
                return self.inflate(data, limit)
            raise _Refused(f"body is not valid {self.encoding} ({e})") from None


def _read_file(feed: FeedConfig, state: FeedState, cap: int) -> Fetched:
    path = Path(feed.url)
    try:
        if path.stat().st_size > cap:
            return _failed(feed, state, f"file larger than {_size(cap)}; skipped ({path})")
        body = path.read_bytes()
    except OSError as e:
        return _failed(feed, state, f"cannot read {path}: {e.strerror or e}")
    media = "application/feed+json" if path.suffix.lower() == ".json" else "application/xml"
    return Fetched(feed, state, "file", body, media, feed.key)


def _failed(feed: FeedConfig, state: FeedState, problem: str) -> Fetched:
    return Fetched(feed, state, problem, error=problem)


def _size(size: int) -> str:
    for unit, scale in (("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"
