"""The preview's live half: the draft as last rebuilt, rebuilt when a file it is made from
changes, and a version token that open pages wait on (server-sent events) to reload.

Watchers (watchfiles) only wake one rebuilding task, so a burst of saves is one or two
rebuilds, never a queue of them; pages are told only when what they show has changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import secrets
from pathlib import Path

import watchfiles

from .. import config as config_module
from ..config import Config
from ..errors import NewsletterError
from ..pipeline import editor
from ..pipeline.templates import builtin_folder
from ..store import Store

# Keep-alive comments let a page notice a dead server (and reconnect) within this many seconds.
KEEPALIVE = 15.0


class Live:
    """The draft as last rebuilt (`draft`), the newest one that built (`shown`), and `token`,
    which changes whenever either would look different. Rebuilds run one at a time."""

    def __init__(self, config: Config, date: dt.date | None = None):
        self.config = config
        self.date = date
        self.draft = self.shown = editor.Rebuild(error="the draft has not been built yet")
        self._boot = secrets.token_hex(4)  # a restarted server's tokens never match an old page's
        self._version = 0
        self._digest: str | None = None
        self._built_from: tuple = ()
        self._changed = asyncio.Condition()
        self._lock = asyncio.Lock()

    def call(self, verb, *args, **kwargs):
        """Run the verb `verb` on a store opened for it (a request's; the config may have changed since)."""
        with Store(self.config.store_url) as store:
            return verb(self.config, store, *args, **kwargs)

    def now(self) -> dt.datetime:
        """The clock the preview's builds read, in the editor's zone (as `newsletter build`)."""
        return dt.datetime.now(self.config.zone)

    @property
    def token(self) -> str:
        return f"{self._boot}-{self._version}"

    async def rebuild(self, *, unless_unchanged: bool = False) -> None:
        """Reload the config file, rebuild the draft in a worker thread, and tell the pages if it changed.
        A bad config is shown like a template error, and the last good config is kept meanwhile.

        `unless_unchanged` skips the work when no watched file changed since the last rebuild
        (the watcher's echo of a rebuild a form post already did)."""
        async with self._lock:
            files = await asyncio.to_thread(self._files)
            if unless_unchanged and files == self._built_from:
                return
            self._built_from = files
            try:
                if self.config.source:
                    self.config = config_module.load(self.config.source)
                with contextlib.suppress(OSError):  # made now, so it is watched before the first form writes there
                    self.config.drafts.dir.mkdir(parents=True, exist_ok=True)
                draft = await asyncio.to_thread(self.call, editor.rebuild, now=self.now(), date=self.date)
            except NewsletterError as e:
                draft = editor.Rebuild(error=str(e))
            self.draft = draft
            self.shown = draft if draft.result is not None else self.shown
            if draft.digest != self._digest:
                self._digest = draft.digest
                async with self._changed:
                    self._version += 1
                    self._changed.notify_all()

    async def touch(self) -> None:
        """Tell open pages to reload: something they show besides the draft changed (its state, a send's progress)."""
        async with self._changed:
            self._version += 1
            self._changed.notify_all()

    async def wait(self, token: str, timeout: float = KEEPALIVE) -> tuple[str, bool]:
        """The current token, and whether it differs from `token`; waits up to `timeout` for a change."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: self.token != token), timeout)
            except TimeoutError:
                return self.token, False
            return self.token, True

    def watched(self) -> tuple[tuple[str, ...], str | None]:
        """The folders the draft is made from (watched whole) and the config file (its folder is
        watched, since editors save by renaming a new file over the old, which ends a file watch)."""
        config = self.config
        folders = [builtin_folder(), config.templates_dir, config.corpus.path, config.drafts.dir]
        found = tuple(dict.fromkeys(str(f) for f in folders if f is not None and Path(f).is_dir()))
        return found, str(config.source) if config.source else None

    def _files(self) -> tuple[tuple[str, int, int], ...]:
        """(path, mtime, size) of every watched file: what a rebuild is made from."""
        folders, config_file = self.watched()
        paths = [p for folder in folders for p in Path(folder).rglob("*")] + (
            [Path(config_file)] if config_file else []
        )
        found = []
        for path in paths:
            with contextlib.suppress(OSError):  # gone since it was listed: it is not part of this build
                stat = path.stat()
                found.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(sorted(found))


class Reloader:
    """Rebuilds `live` when its files change, until `stop()`; run it as a task of the app's lifespan."""

    def __init__(self, live: Live):
        self.live = live
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()

    async def run(self) -> None:
        while not self._stop.is_set():
            watched = self.live.watched()
            generation = asyncio.Event()
            watchers = [asyncio.create_task(w) for w in self._watchers(watched, generation)]
            try:
                while self.live.watched() == watched and not self._stop.is_set():
                    await self._wake.wait()
                    self._wake.clear()
                    if not self._stop.is_set():
                        await self.live.rebuild(unless_unchanged=True)
            finally:
                generation.set()  # watchfiles checks its stop event between polls; cancelling would wait seconds
                await asyncio.gather(*watchers, return_exceptions=True)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _watchers(self, watched: tuple[tuple[str, ...], str | None], stop: asyncio.Event) -> list:
        folders, config_file = watched
        found = [self._watch(folders, stop, recursive=True)] if folders else []
        if config_file:

            def only_the_config(_change, path: str) -> bool:
                return path == config_file

            folder = (str(Path(config_file).parent),)
            found.append(self._watch(folder, stop, recursive=False, watch_filter=only_the_config))
        return found

    async def _watch(self, paths: tuple[str, ...], stop: asyncio.Event, **options) -> None:
        async for _changes in watchfiles.awatch(*paths, stop_event=stop, step=20, **options):
            self._wake.set()
