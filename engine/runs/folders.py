"""Folder triggers (SPEC §7): a file that appears (or changes) in a watched folder starts a run with its path.

The OS tells us about changes (``watchfiles``, on a thread of its own); a file fires once it has stopped
changing for ``debounce_s`` (a half-copied picture is never read), once: the files a trigger has seen are
stored (path, inode, size, mtime), so a rename within the folder is known and does not fire again, and on
start the files that arrived while no process watched are found (fired with ``catch_up: once``; only noted
with ``skip``; on start, files older than the trigger itself are not fired: they were there before it). The folder is a fence: a link out of it is
ignored. Bounded: at most MAX_PENDING files wait to settle and MAX_SCAN are looked at on start.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from pathlib import Path, PurePath
from typing import Awaitable, Callable

from ..blocks.fence import inside
from ..store import SeenFile, TriggerInfo

__all__ = ["FolderWatch", "matches"]

log = logging.getLogger(__name__)
MAX_PENDING = 10_000
MAX_SCAN = 100_000
GONE_AFTER_S = 3.0  # a deleted path is forgotten this long (plus the debounce) after: a rename's new name is
                    # settled by then and still matches the old record


def matches(root: Path, path: Path, patterns: list[str], recursive: bool) -> bool:
    """Whether ``path`` (inside ``root``) is one of the files the trigger watches."""
    try:
        rel = PurePath(os.path.relpath(path, root))
    except ValueError:
        return False
    if rel.parts[:1] == ("..",) or (not recursive and len(rel.parts) != 1):
        return False
    return any(rel.match(p) or (p.startswith("**/") and rel.match(p[3:])) for p in patterns)


def _signature(path: Path) -> SeenFile | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    return SeenFile(str(path), st.st_ino, st.st_size, st.st_mtime_ns)


class FolderWatch:
    """One folder trigger's watch, while this process fires triggers. ``settle`` hands over what to do with
    files that stopped changing: ``(trigger, fired, quiet, gone)`` → awaited; it stores them and queues runs."""

    def __init__(self, trigger: TriggerInfo, seen: dict[str, SeenFile],
                 settle: Callable[[TriggerInfo, list[SeenFile], list[SeenFile], list[str]], Awaitable[None]],
                 loop: asyncio.AbstractEventLoop, clock: Callable[[], float] = time.time):
        self.trigger = trigger
        cfg = trigger.config
        self.root = Path(cfg["path"])
        self.patterns, self.recursive = list(cfg.get("patterns") or ["*"]), bool(cfg.get("recursive"))
        self.on = cfg.get("on", "created")
        self.debounce = float(cfg.get("debounce_s", 1.0))
        self.seen = dict(seen)
        self.settle, self.loop, self.clock = settle, loop, clock
        self.pending: dict[str, tuple[SeenFile | None, float]] = {}  # path → (last signature, when it changed)
        self.gone: dict[str, float] = {}                             # deleted path → when
        self.scanned: set[str] = set()                               # found by the scan on start, not an event
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._task: asyncio.Task | None = None
        self.error: str | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._watch, name=f"nodeloom-folder-{self.trigger.id[:8]}",
                                        daemon=True)
        self._thread.start()
        self._task = self.loop.create_task(self._settling(), name=f"nodeloom-settle-{self.trigger.id[:8]}")

    @property
    def alive(self) -> bool:
        """Whether the OS watch still runs (it ends when the folder goes away: the firer starts it again)."""
        return self._thread is not None and self._thread.is_alive()

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 5)

    # -- the watching thread -----------------------------------------------------------------------------------

    def _watch(self) -> None:
        from watchfiles import Change, watch

        try:
            self._scan()
            for changes in watch(self.root, watch_filter=None, debounce=400, step=50, stop_event=self._stop,
                                 rust_timeout=1000, yield_on_timeout=True, raise_interrupt=False,
                                 recursive=self.recursive, ignore_permission_denied=True):
                if not changes:
                    continue
                paths = [(kind, p) for kind, p in changes]
                self._post(lambda paths=paths: self._changed(
                    [p for k, p in paths if k != Change.deleted], [p for k, p in paths if k == Change.deleted]))
        except Exception as e:  # noqa: BLE001 - the folder went away, permissions: say so on the trigger
            if not self._stop.is_set():
                self.error = f"watching {self.root} failed: {e}"
                log.warning("%s", self.error)

    def _scan(self) -> None:
        """On start: every file there now, to find those that arrived while nobody watched. (A folder that is
        not there — an unplugged drive — is an error, not a folder whose files all went away.)"""
        if not self.root.is_dir():
            raise FileNotFoundError(f"the folder {self.root} is not there")
        found = []
        walker = self.root.rglob("*") if self.recursive else self.root.glob("*")
        for n, path in enumerate(walker):
            if n >= MAX_SCAN or self._stop.is_set():
                break
            found.append(str(path))
        missing = [p for p in list(self.seen) if not os.path.lexists(p)]  # what is no longer there
        self._post(lambda: self._changed(found, missing, scanning=True))

    def _post(self, fn) -> None:
        try:
            self.loop.call_soon_threadsafe(fn)
        except RuntimeError:  # the loop is closed: the process is on its way out
            self._stop.set()

    # -- on the loop ----------------------------------------------------------------------------------------------

    def _changed(self, paths: list[str], deleted: list[str], scanning: bool = False) -> None:
        now = time.monotonic()
        for p in deleted:
            self.gone[p] = now
        for p in paths:
            path = Path(p)
            if not matches(self.root, path, self.patterns, self.recursive):
                continue
            if p not in self.pending and len(self.pending) >= MAX_PENDING:
                self.error = f"more than {MAX_PENDING} files wait to settle in {self.root}; the rest are skipped"
                continue
            self.pending[p] = (None, now)
            if scanning:
                self.scanned.add(p)

    async def _settling(self) -> None:
        tick = min(0.25, self.debounce / 4)
        while True:
            await asyncio.sleep(tick)
            if not self.pending and not self.gone:
                continue
            try:
                await self._settle_ready()
            except Exception:  # noqa: BLE001 - a busy database now and then must not stop the watch
                log.exception("folder trigger %s", self.trigger.id)

    async def _settle_ready(self) -> None:
        now = time.monotonic()
        waiting = list(self.pending)
        due = [p for p, t in self.gone.items() if now - t >= self.debounce + GONE_AFTER_S]
        by_sig = {(f.inode, f.size, f.mtime_ns): f.path for f in self.seen.values()}

        def look():  # every file system call of this tick, off the loop
            sigs = {p: self._check(p) for p in waiting}
            moved_from = {}
            for p, sig in sigs.items():
                old = by_sig.get((sig.inode, sig.size, sig.mtime_ns)) if sig is not None else None
                if old is not None and old != p and p not in self.seen and not os.path.lexists(old):
                    moved_from[p] = old
            return sigs, moved_from, [p for p in due if not os.path.lexists(p)]

        sigs, moved_from, gone = await asyncio.to_thread(look)
        ready: list[SeenFile] = []
        for p, sig in sigs.items():
            before, since = self.pending.get(p, (None, now))
            if sig is None:
                self.pending.pop(p, None)
                continue
            same = before is not None and (sig.size, sig.mtime_ns) == (before.size, before.mtime_ns)
            if not same:
                self.pending[p] = (sig, now)
            elif now - since >= self.debounce:
                self.pending.pop(p, None)
                ready.append(sig)
        fired, quiet = self._classify(ready, moved_from)
        for p in due:
            self.gone.pop(p, None)
        renamed = [moved_from[f.path] for f in ready if f.path in moved_from]  # (settled renames only)
        gone = [p for p in gone if p in self.seen] + [old for old in renamed if old in self.seen]
        if fired or quiet or gone:
            await self.settle(self.trigger, fired, quiet, sorted(set(gone)))
            for p in gone:
                self.seen.pop(p, None)
            for f in (*fired, *quiet):
                self.seen[f.path] = f

    def _check(self, p: str) -> SeenFile | None:
        """The file's signature when it is a file inside the folder (a link out of it is not)."""
        path = Path(p)
        if not inside(path, self.root):
            return None
        sig = _signature(Path(os.path.realpath(path)))
        return None if sig is None else SeenFile(p, sig.inode, sig.size, sig.mtime_ns)

    def _classify(self, ready: list[SeenFile], moved_from: dict[str, str]) -> tuple[list[SeenFile], list[SeenFile]]:
        """Which settled files start a run (new or, when watched for, changed) and which are only noted (a
        rename, a file older than the trigger, one left while nobody watched under ``catch_up: skip``)."""
        fired, quiet = [], []
        created_ns = int(self.trigger.created_at * 1e9)
        for f in ready:
            scanned = f.path in self.scanned
            self.scanned.discard(f.path)
            old = self.seen.get(f.path)
            if old is not None:
                if (old.size, old.mtime_ns) == (f.size, f.mtime_ns):
                    continue  # nothing changed (a touch of the folder, our own scan)
                changed = self.on in ("modified", "both") and not (scanned and self.trigger.catch_up == "skip")
                (fired if changed else quiet).append(f)
                continue
            renamed = f.path in moved_from
            missed = scanned and (f.mtime_ns < created_ns or self.trigger.catch_up == "skip")
            if renamed or missed or self.on == "modified":
                quiet.append(f)
            else:
                fired.append(f)
        return fired, quiet
