"""Readers see the truth (SPEC §6a): before a front shows runs — ``nodeloom runs``, ``nodeloom queue list``, the
server's GET /runs, /runs/{id} and /queue, the editor's past runs and Queue dock — it records what processes that
are gone left behind, with nothing but the store (no run service, no lease of its own)::

    store.reconcile()          # then read: a dead process's run reads `interrupted` (or `queued` again, once)

A lease's process is gone at once when it ran on this host and its pid is dead, reused or a zombie; when it
ran on another host (or in another pid namespace), once its lease expired (:func:`.leases.lease_gone`). Its runs
are settled as the run service's recovery settles them (:meth:`.runs.RunRepo.recover_gone`), in one write
transaction that judges the leases again, so readers racing each other settle a run once and a live owner's
runs are never touched. The look is one small plain-SQL read; it happens at most every ``every_s`` seconds per
store (a reader asking twice a second, or a server on every request, costs little), and a write only when an
owner is gone. A reader that cannot write (a read-only folder, a lock held too long) says so in the log and
shows what is stored.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from typing import Callable

from sqlalchemy.exc import OperationalError

from .leases import LeaseRepo
from .runs import Recovered, RunRepo

__all__ = ["Reconciler", "EVERY_S"]

log = logging.getLogger(__name__)
EVERY_S = 0.2


class Reconciler:
    def __init__(self, leases: LeaseRepo, runs: RunRepo, *, every_s: float = EVERY_S,
                 clock: Callable[[], float] = time.monotonic):
        self.leases = leases
        self.runs = runs
        self.every_s = every_s
        self.clock = clock
        self._lock = threading.Lock()  # threads of one process (a server's pool) look one at a time
        self._last: float | None = None

    def __call__(self) -> Recovered:
        """Settle the runs of owners that are gone; what was done (nothing when looked a moment ago). A caller
        that arrives while another thread looks waits for it, so what it reads next is settled too."""
        with self._lock:
            now = self.clock()
            if self._last is not None and now - self._last < self.every_s:
                return Recovered()
            self._last = now
            try:
                gone = self.leases.gone()
                return self.runs.recover_gone(gone) if gone else Recovered()
            except (OperationalError, sqlite3.OperationalError) as e:
                log.warning("could not record the runs of stopped processes (%s); they show as stored",
                            getattr(e, "orig", None) or e)
                return Recovered()
