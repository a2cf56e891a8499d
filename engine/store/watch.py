"""Seeing another process's commits at once, cheaply (the dispatcher's fast look at the queue).

SQLite has no notifications between processes; ``PRAGMA data_version`` on a connection of our own changes
whenever any other connection — of this process or another — has committed since the last time it was asked,
and asking costs microseconds (it reads the shared memory index, never the tables). :class:`CommitWatch` asks it
often; only when it changed does the dispatcher read whether runs are queued, and only then claim them.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from .queue import PAUSED_KEY

__all__ = ["CommitWatch"]


class CommitWatch:
    """Its own read-only connection to the database at ``path``; use it from one thread at a time."""

    def __init__(self, path: Path):
        # (no busy wait: it is asked on the event loop; a locked moment is an answer of "not now")
        self._conn = sqlite3.connect(f"file:{Path(path).as_posix()}?mode=ro", uri=True, timeout=0,
                                     check_same_thread=False, isolation_level=None)
        self._version = self._read_version()

    def _read_version(self) -> int:
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def changed(self) -> bool:
        """Whether anything was committed (by another connection) since the last time this was asked."""
        version = self._read_version()
        if version == self._version:
            return False
        self._version = version
        return True

    def has_queued(self) -> bool:
        """Whether runs wait in a queue that is not paused (reads of an index and a setting, no transaction kept)."""
        paused = self._conn.execute("SELECT value FROM settings WHERE key = ?", (PAUSED_KEY,)).fetchone()
        if paused and json.loads(paused[0]):
            return False
        return self._conn.execute(
            "SELECT 1 FROM runs WHERE status = 'queued' AND from_queue LIMIT 1").fetchone() is not None

    def close(self) -> None:
        self._conn.close()
