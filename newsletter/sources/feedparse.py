"""Feed bytes -> Items, in parser processes, each feed bounded in time and memory.

feedparser is pure Python (about 60 ms for a 100-entry feed with its sanitiser and URI
resolver off, which is how it runs here: sanitize.py does both once, faster), so feeds
are parsed in parallel processes. A hostile feed fails alone: its parse is stopped by
an alarm after `time_limit` seconds and its process cannot grow past its memory
budget; every C routine on the way (expat, re, json, nh3) is linear in the body,
which the fetcher has already capped, and re and expat let the alarm in.

feedparser never fetches anything here: it is handed a stream (given bytes, it would
treat them as a file name or URL and open that), and it never sees a DTD: declarations
are cut from the bytes first, and its XML parser refuses any left (see safexml.py).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import io
import multiprocessing
import os
import signal
import xml.sax
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from .. import dedup
from ..models import Item
from . import safexml
from .entries import Entry, Feed, to_items
from .jsonfeed import looks_like_json, parse_json_feed
from .sanitize import one_line, plain_text, text_to_html

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class ParseJob:
    feed: Feed
    body: bytes
    content_type: str
    url: str
    time_limit: float


@dataclass(frozen=True)
class Parsed:
    """Items (and each one's dedup keys) and notes; `warning` when part of the feed was unreadable,
    `error` when none of it was."""

    items: tuple[Item, ...] = ()
    keys: tuple[tuple[str, ...], ...] = ()
    entries: int = 0
    notes: tuple[str, ...] = ()
    warning: str | None = None
    error: str | None = None


class _Overtime(BaseException):
    """Raised by the alarm; a BaseException so that no `except Exception` in a library swallows it."""


def parse(job: ParseJob) -> Parsed:
    """Parse one feed; never raises, so one bad feed cannot break the others' results."""
    try:
        with _alarm(job.time_limit):
            if looks_like_json(job.body, job.content_type):
                entries, warning = parse_json_feed(job.body, job.url), None
            else:
                entries, warning = _parse_xml(job)
            items, notes = to_items(entries, job.feed)
    except _Overtime:
        return Parsed(error=f"parsing took longer than {job.time_limit:g} s; skipped")
    except MemoryError:
        return Parsed(error="parsing needed more than [fetch] parse_memory; skipped")
    except RecursionError:
        return Parsed(error="nested too deeply to parse; skipped")
    except ValueError as e:
        return Parsed(error=str(e))
    except BaseException as e:  # a hostile feed fails alone (nh3 panics are BaseExceptions)
        return Parsed(error=f"cannot parse ({type(e).__name__}: {e})")
    return Parsed(tuple(items), tuple(dedup.keys(item) for item in items), len(entries), tuple(notes), warning)


@contextlib.contextmanager
def _alarm(seconds: float):
    def ring(_signum, _frame):
        raise _Overtime

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _parse_xml(job: ParseJob) -> tuple[list[Entry], str | None]:
    """RSS or Atom through feedparser; ill-formed XML keeps what parsed, with a warning."""
    import feedparser
    import feedparser.api

    feedparser.api.PREFERRED_XML_PARSERS = [safexml.__name__]
    body, removed, reencoded = safexml.without_dtd(job.body)
    body = safexml.without_bad_references(body)
    content_type = job.content_type or "application/xml"
    if reencoded:  # now UTF-8, whatever the server said
        content_type = content_type.split(";", 1)[0] + "; charset=utf-8"
    headers = {"content-type": content_type, "content-location": job.url}
    result = feedparser.parse(
        io.BytesIO(body), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    if not result.get("version") and not result.entries:
        raise ValueError(_not_a_feed(job))
    entries = [_entry(e, job.url) for e in result.entries]
    removal = "its DTD declared entities: removed unread" if removed else None
    return entries, "; ".join(filter(None, (removal, _bozo(result)))) or None


def _not_a_feed(job: ParseJob) -> str:
    head = job.body[:512].lstrip().lower()
    if job.content_type.startswith("text/html") or head.startswith((b"<!doctype html", b"<html")):
        return "not a feed: an HTML page"
    return "not a feed: no RSS, Atom or JSON Feed in it"


def _bozo(result) -> str | None:
    """One line on what was wrong with the XML, or None when nothing that matters was."""
    if not result.get("bozo"):
        return None
    import feedparser

    problem = result.get("bozo_exception")
    if isinstance(problem, feedparser.NonXMLContentType):
        return None  # served with an odd media type but read fine: not the editor's concern
    if isinstance(problem, feedparser.CharacterEncodingOverride):
        return f"its declared encoding was wrong; read as {result.get('encoding')}"
    if isinstance(problem, xml.sax.SAXParseException):
        return f"ill-formed XML at line {problem.getLineNumber()} ({problem.getMessage()}); kept what parsed"
    return f"{problem}; kept what parsed"


def _entry(e, feed_base: str) -> Entry:
    content = next((c for c in e.get("content", ()) if c.get("value")), None)
    summary = e.get("summary_detail") or {}
    base = (content or summary).get("base") or feed_base
    author = (e.get("author_detail") or {}).get("name") or e.get("author")
    return Entry(
        guid=e.get("id") or None,
        link=e.get("link") or None,
        title=_text(e.get("title_detail") or {}) or None,
        author=one_line(author) if author else None,
        published=_utc(e.get("published_parsed") or e.get("updated_parsed")),
        summary=_html(summary) if summary.get("value") else None,
        content=_html(content) if content else None,
        base=base,
        starts=_w3cdtf(e.get("ev_startdate")),
        venue=one_line(e["ev_location"]) if e.get("ev_location") else None,
        enclosure=next((x.get("href") for x in e.get("enclosures", ()) if x.get("href")), None),
    )


def _html(detail) -> str:
    value = detail.get("value", "")
    return value if detail.get("type") in HTML_TYPES else text_to_html(value)


def _text(detail) -> str:
    value = detail.get("value", "")
    return plain_text(value) if detail.get("type") in HTML_TYPES else one_line(value)


def _utc(parsed) -> dt.datetime | None:
    """feedparser's UTC struct_time as an aware datetime."""
    return dt.datetime(*parsed[:6], tzinfo=dt.timezone.utc) if parsed else None


def _w3cdtf(value: str | None) -> dt.datetime | None:
    """An event module start date (W3C date-time, as RSS 1.0 modules use); None when unreadable."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


class ParsePool:
    """Parser processes, started on first use, so a run in which every feed answers 304 starts none.

    forkserver (spawn where it is missing) rather than fork: the fetching side has
    threads, and forking a threaded process can deadlock the child. A process that
    dies (its memory limit met where Python cannot raise MemoryError) breaks the whole
    pool; the jobs it took down are parsed again one at a time, each in a process of
    its own, so only the feed that kills its process fails.
    """

    def __init__(self, workers: int, memory_mib: int):
        self.workers = workers or os.cpu_count() or 1
        self.memory_mib = memory_mib
        self._shared: concurrent.futures.ProcessPoolExecutor | None = None
        self._alone = asyncio.Lock()

    async def parse(self, job: ParseJob) -> Parsed:
        """In the shared pool; when a process died there, again in a process of its own."""
        try:
            return await _outcome(self._submit(job))
        except BrokenProcessPool:
            return await self._parse_alone(job)

    async def _parse_alone(self, job: ParseJob) -> Parsed:
        async with self._alone:
            executor = self._executor(1)
            try:
                return await _outcome(executor.submit(parse, job))
            except BrokenProcessPool:
                return Parsed(error="its parser process died (over [fetch] parse_memory?); skipped")
            finally:
                executor.shutdown(wait=False)

    def warm(self) -> None:
        """Start the processes now, while the first feeds download, rather than when a body arrives."""
        if self._shared is None:
            self._shared = self._executor(self.workers)
            for _ in range(self.workers):
                self._shared.submit(os.getpid)

    def _submit(self, job: ParseJob) -> concurrent.futures.Future:
        if self._shared is None:
            self._shared = self._executor(self.workers)
        try:
            return self._shared.submit(parse, job)
        except BrokenProcessPool:  # broken by an earlier job: start afresh
            self._shared.shutdown(wait=False)
            self._shared = self._executor(self.workers)
            return self._shared.submit(parse, job)

    def _executor(self, workers: int) -> concurrent.futures.ProcessPoolExecutor:
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        if method == "forkserver":
            context.set_forkserver_preload([__name__, "feedparser", "nh3"])
        return concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_worker, initargs=(self.memory_mib,)
        )

    def close(self) -> None:
        if self._shared is not None:
            self._shared.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _start_worker(mib: int) -> None:
    """A parser process reports through its results only: its own stderr (where a dying
    process prints its traceback) is silenced; and it may grow by at most `mib` MiB, so a
    hostile feed meets MemoryError rather than the OOM killer."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        import resource

        with open("/proc/self/statm") as statm:
            in_use = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):
        return  # no /proc (not Linux): the time bound still holds
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = in_use + mib * 2**20
    if hard == resource.RLIM_INFINITY or limit < hard:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


async def _outcome(future: concurrent.futures.Future) -> Parsed:
    """A worker's result; what it could not hand back (say, an unpicklable value) is the feed's error.
    A broken pool is raised on: the caller decides whether to try the feed alone."""
    try:
        return await asyncio.wrap_future(future)
    except BrokenProcessPool:
        raise
    except Exception as e:  # any failure in a worker stays that one feed's
        return Parsed(error=f"cannot parse ({type(e).__name__})")
