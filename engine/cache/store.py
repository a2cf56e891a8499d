"""The persistent result cache: diskcache under the data folder, size-limited with eviction.

Values go through :mod:`engine.cache.codec` and are stored as bytes; :class:`SafeDisk` refuses to store
anything else and refuses to unpickle what it reads, so nothing in the cache folder can run code. A corrupt
entry is a miss (and is removed); a cache folder whose index is unreadable is moved aside and started anew.
Writes happen on one background thread, in batches: what is put within ``WRITE_COALESCE_S`` (or until
:meth:`ResultCache.kick`, which a run calls as it ends, or ``WRITE_BATCH`` puts) is written in one transaction
(a loop's items, the nodes of runs ending together), and the callers of :meth:`ResultCache.put_async` share that
batch's future. :meth:`ResultCache.flush` waits for them. :meth:`ResultCache.put_later` puts without a tick of
the writer's: the recorder of the run writes those entries (:meth:`ResultCache.write_pending`) on its own thread,
with the records of the run's end (or sooner: :meth:`ResultCache.pending_due`). New small entries put ``if_missing`` (every node's
outputs) go in with one ``INSERT OR IGNORE`` of the batch (an entry already there is kept, as ``if_missing``
says) rather than diskcache's five statements an entry; the size limit is then held once for the batch.

Each entry carries a diskcache tag: the id of the stored workflow whose run wrote it (None for drafts and node
tests), with diskcache's tag index on, so :meth:`ResultCache.evict` removes one workflow's entries and
:meth:`ResultCache.usage` says how much each workflow's entries take.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import diskcache
from diskcache.core import MODE_PICKLE, MODE_RAW
from PIL import Image

from .codec import PREFIX, CorruptEntry, Unserializable, changed_files, encode, header_size, ports, verify
from .lazy import CachedEntry

__all__ = ["ResultCache", "SafeDisk", "DEFAULT_SIZE_LIMIT"]

log = logging.getLogger(__name__)
DEFAULT_SIZE_LIMIT = 2 * 1024 ** 3
_ERRORS = (sqlite3.Error, OSError, CorruptEntry, TypeError, ValueError)
LATER_ENTRIES = 256  # put_later entries written with the next records even when no run ended (see pending_due)
LATER_AGE_S = 1.0    # or once the oldest of them waited this long
WRITE_COALESCE_S = 0.05  # puts this close together share a transaction (a run's end writes at once: kick)
WRITE_BATCH = 1000       # ... and at most this many wait
_INSERT_NEW = ("INSERT OR IGNORE INTO Cache (key, raw, store_time, expire_time, access_time, access_count, tag, size, "
               "mode, filename, value) VALUES (?, 1, ?, NULL, ?, 0, ?, 0, ?, NULL, ?)")


def _heavy(outputs: dict[str, Any]) -> bool:
    """Whether encoding ``outputs`` takes a while (pictures, bytes, lists of them): worth asking first whether an
    entry that is only written when missing is there already."""
    for v in outputs.values():
        if isinstance(v, (list, tuple)) and v:
            v = v[0]
        if isinstance(v, (Image.Image, bytes, bytearray)):
            return True
    return False


class SafeDisk(diskcache.Disk):
    """Bytes in, bytes out: never pickle, never unpickle."""

    def store(self, value, read, key=diskcache.core.UNKNOWN):
        if read or not isinstance(value, bytes):
            raise TypeError("the result cache stores encoded bytes only")
        return super().store(value, read, key=key)

    def fetch(self, mode, filename, value, read):
        if mode == MODE_PICKLE:
            raise CorruptEntry("pickled entry refused")
        return super().fetch(mode, filename, value, read)


class ResultCache:
    def __init__(self, directory: str | Path, size_limit: int = DEFAULT_SIZE_LIMIT):
        self.directory = Path(directory)
        self.size_limit = size_limit
        self._cache = self._open()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nodeloom-cache")
        self._reader = ThreadPoolExecutor(max_workers=2, thread_name_prefix="nodeloom-cache-read")
        self._pending: set[Future] = set()
        self._lock = threading.Lock()
        self._batch: list[tuple] = []  # puts not yet taken by the writer, and the future they share
        self._batch_done: Future | None = None
        self._batch_since = 0.0  # when the batch began (time.monotonic)
        self._batch_heavy = False  # pictures or bytes in it
        self._kicked = threading.Event()  # write the batch now (a run ended, someone flushes)
        self._unwritten: dict[str, dict] = {}  # key → outputs put and not yet written (found by lookup meanwhile)
        self.hits = self.misses = self.corrupt = 0

    def _open(self) -> diskcache.Cache:
        try:
            return self._diskcache()
        except (sqlite3.Error, OSError) as e:
            aside = self.directory.with_name(f"{self.directory.name}.corrupt-{int(time.time())}")
            log.warning("result cache at %s is unreadable (%s); moved to %s and started anew", self.directory, e, aside)
            shutil.move(str(self.directory), str(aside))
            return self._diskcache()

    def _diskcache(self) -> diskcache.Cache:
        # (tag_index: a cache made before tags were used gets its index now; its entries have no tag)
        return diskcache.Cache(str(self.directory), disk=SafeDisk, size_limit=self.size_limit,
                               eviction_policy="least-recently-stored", tag_index=True)

    def lookup(self, key: str) -> tuple[CachedEntry, list[str]] | None:
        """The entry and its ports; None for a miss. A small entry (kept in the index) is verified whole now;
        a large one (a file) is only opened for its header — it is verified when its value is read."""
        pending = self._unwritten.get(key)
        if pending is not None:  # (put, waiting for the writer's tick)
            entry = CachedEntry(b"")
            entry.set_values(pending)
            self.hits += 1
            return entry, list(pending)
        try:
            found_value = self._cache.get(key, default=None, read=True, retry=True)
            if found_value is None:
                self.misses += 1
                return None
            if isinstance(found_value, bytes):
                if not verify(found_value):
                    raise CorruptEntry("checksum mismatch")
                head = found_value
                entry, found = CachedEntry(found_value), ports(found_value)
            else:
                with found_value as f:
                    head = f.read(PREFIX)
                    head += f.read(header_size(head) - PREFIX)
                    path = f.name
                entry, found = CachedEntry(lambda: Path(path).read_bytes()), ports(head)
            gone = changed_files(head)  # (a picture stored as its file's name: the file as it was, or a miss)
        except _ERRORS as e:
            self.corrupt += 1
            self.misses += 1
            log.warning("cache entry %s is corrupt (%s); treated as a miss", key[:12], e)
            self._drop(key)
            return None
        if gone:  # (not damage: what it stood for is no longer there)
            self.misses += 1
            log.debug("cache entry %s: %s; treated as a miss", key[:12], gone)
            self._drop(key)
            return None
        self.hits += 1
        return entry, found

    def lookup_async(self, key: str) -> Future:
        """:meth:`lookup` on the cache's reader threads: the event loop never waits on the disk."""
        return self._reader.submit(self.lookup, key)

    def _drop(self, key: str) -> None:
        try:
            self._cache.delete(key, retry=True)
        except _ERRORS:
            pass

    def __contains__(self, key: str) -> bool:
        try:
            return key in self._cache
        except _ERRORS:
            return False

    def put(self, key: str, outputs: dict[str, Any], *, if_missing: bool = False, tag: str | None = None) -> bool:
        """Store ``outputs`` under ``key``, tagged with ``tag`` (the workflow whose run wrote it). With
        ``if_missing``, an entry already there is kept as it is (with the tag of whoever wrote it first)."""
        if if_missing and key in self:
            return True
        data = self._encoded(key, outputs)
        return data is not None and self._set(key, data, tag)

    @staticmethod
    def _encoded(key: str, outputs: dict[str, Any]) -> bytes | None:
        try:
            return encode(outputs)
        except Unserializable as e:
            log.debug("not caching %s: %s", key[:12], e)
            return None

    def _set(self, key: str, data: bytes, tag: str | None) -> bool:
        try:
            self._cache.set(key, data, tag=tag, retry=True)
        except _ERRORS as e:
            log.warning("could not write cache entry %s: %s", key[:12], e)
            return False
        return True

    def put_async(self, key: str, outputs: dict[str, Any], *, if_missing: bool = False,
                  tag: str | None = None) -> Future:
        """:meth:`put` on the writer thread, with whatever else is put before the writer gets to it (one
        transaction): the future, shared by the whole batch, is done once the batch is written."""
        with self._lock:
            self._add(key, outputs, if_missing, tag)
            fut = self._batch_done
            if fut is None:
                fut = self._batch_done = Future()
                self._pending.add(fut)
                fut.add_done_callback(self._pending.discard)
                self._writer.submit(self._write_batch)
            elif len(self._batch) >= WRITE_BATCH:
                self._kicked.set()
        return fut

    def put_later(self, key: str, outputs: dict[str, Any], *, if_missing: bool = False, tag: str | None = None) -> None:
        """:meth:`put_async` without a writer's tick: the entry waits (found by :meth:`lookup` meanwhile) until
        whoever records the run calls :meth:`write_pending` on its own thread, or the writer's next batch or a
        :meth:`flush` takes it. A run under the run service stores its results so: its recorder writes them just
        before its records, with no thread hop of their own."""
        with self._lock:
            self._add(key, outputs, if_missing, tag)
            if not self._batch_heavy and _heavy(outputs):
                self._batch_heavy = True

    def _add(self, key: str, outputs: dict[str, Any], if_missing: bool, tag: str | None) -> None:
        """(Under the lock.) One put into the batch, found by :meth:`lookup` until it is written."""
        if not self._batch:
            self._batch_since, self._batch_heavy = time.monotonic(), False
        self._batch.append((key, outputs, if_missing, tag))
        self._unwritten[key] = outputs

    def pending_due(self) -> bool:
        """Whether what was put and waits should be written with the next records although no run ended: a
        run's results go with its end, in its records' batch (one transaction, not one more every ~20 ms while it
        runs: each one holds the interpreter lock and a core beside the run and what streams it), unless memory
        says otherwise — pictures or bytes among them, ``LATER_ENTRIES`` of them, the oldest put ``LATER_AGE_S``
        ago. Meanwhile they are found here (:meth:`lookup`); another process finds them once written."""
        with self._lock:
            return bool(self._batch) and (self._batch_heavy or len(self._batch) >= LATER_ENTRIES
                                          or time.monotonic() - self._batch_since >= LATER_AGE_S)

    def write_pending(self) -> None:
        """Write what was put and is not written yet, now, on the calling thread (one transaction)."""
        with self._lock:
            if not self._batch:
                return
            batch, fut = self._batch, self._batch_done
            self._batch, self._batch_done = [], None
        self._write_entries(batch, fut)

    def kick(self) -> None:
        """Write what was put now, without waiting for the rest of the writer's tick (a run ends: its results
        are stored before it is reported finished)."""
        self._kicked.set()

    def _write_batch(self) -> None:
        self._kicked.wait(WRITE_COALESCE_S)
        with self._lock:
            self._kicked.clear()  # (under the lock: a put after this one is in the batch taken now, or kicks anew)
            batch, fut = self._batch, self._batch_done
            self._batch, self._batch_done = [], None
        self._write_entries(batch, fut)

    def _write_entries(self, batch: list[tuple], fut: Future | None) -> None:
        """Encode and write ``batch`` in one transaction; then ``fut`` (the one its puts share) is done."""
        if not batch:
            if fut is not None:
                fut.set_result(None)
            return
        try:
            todo = [e for e in batch if not (e[2] and _heavy(e[1]) and e[0] in self)]  # (not encoded again)
            encoded = [(key, self._encoded(key, outputs), if_missing, tag) for key, outputs, if_missing, tag in todo]
            encoded = [e for e in encoded if e[1] is not None]
            small = self._cache.disk.min_file_size
            new = [e for e in encoded if e[2] and len(e[1]) < small]
            rest = [e for e in encoded if not (e[2] and len(e[1]) < small)]
            try:
                with self._cache.transact(retry=True):
                    if new:
                        now = time.time()
                        self._cache._con.executemany(_INSERT_NEW, [
                            (key, now, now, tag, MODE_RAW, sqlite3.Binary(data)) for key, data, _, tag in new])
                    for key, data, if_missing, tag in rest:
                        if not (if_missing and key in self):
                            self._set(key, data, tag)
                if new and self._cache.volume() > self.size_limit:
                    self._cache.cull(retry=True)
            except _ERRORS as e:  # (the transaction as a whole: each entry again on its own)
                log.warning("could not write %d cache entries at once (%s); writing them one by one", len(encoded), e)
                for key, data, if_missing, tag in encoded:
                    if not (if_missing and key in self):
                        self._set(key, data, tag)
        finally:
            with self._lock:
                for key, outputs, _, _ in batch:
                    if self._unwritten.get(key) is outputs:
                        del self._unwritten[key]
            if fut is not None:  # (None: a write_pending() took the batch, and its future, first)
                fut.set_result(None)

    def flush(self, timeout: float | None = None) -> None:
        self._kicked.set()
        for fut in list(self._pending):
            fut.result(timeout)
        if self._batch:  # (put_later: on the writer's thread, behind what it writes)
            self._writer.submit(self.write_pending).result(timeout)

    def volume(self) -> int:
        """The bytes the cache takes on disk (its index and its files): what the size limit holds."""
        return self._cache.volume()

    def __len__(self) -> int:
        return len(self._cache)

    def usage(self) -> dict[str | None, tuple[int, int]]:
        """Entries and bytes of values per tag (a workflow id; None: drafts, node tests, older entries). One pass
        over the index that reads no value (the index's own pages are not counted: :meth:`volume` has them)."""
        rows = self._cache._sql("SELECT tag, COUNT(*), SUM(size + COALESCE(LENGTH(value), 0)) FROM Cache "
                                "GROUP BY tag").fetchall()
        return {tag: (count, int(size or 0)) for tag, count, size in rows}

    def evict(self, tag: str) -> int:
        """Remove the entries tagged ``tag`` (written by that workflow's runs), writes under way included; how
        many went."""
        self.flush()
        return self._writer.submit(self._cache.evict, tag, retry=True).result()

    def set_size_limit(self, size_limit: int) -> None:
        """A new limit; entries beyond it are evicted now (oldest stored first), on the writer thread."""
        self.size_limit = size_limit
        self._writer.submit(self._cache.reset, "size_limit", size_limit).result()
        self._writer.submit(self._cache.cull, retry=True).result()

    def clear(self) -> int:
        """Remove every entry; how many went."""
        self.flush()
        return self._cache.clear(retry=True)

    def close(self) -> None:
        self.flush()
        self._writer.shutdown(wait=True)
        self._reader.shutdown(wait=True)
        self._cache.close()
