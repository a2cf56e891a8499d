"""Ownership and recovery (SPEC §6a): this process's lease, renewed by a heartbeat on a thread of its own.

A thread, not a task: an event loop that stalls (a long paint, a debugger, a busy GUI) must not let the lease
expire while runs are alive. Each tick the keeper also picks up cancel requests other processes left for this
process's runs, and — every heartbeat — recovers the runs of processes that died (their lease expired and
their process is gone): a run that came from the queue is queued again once, any other becomes ``interrupted``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Callable

from ..store import Recovered, Store

__all__ = ["LeaseKeeper"]

log = logging.getLogger(__name__)
CANCEL_POLL_S = 0.5


class LeaseKeeper:
    def __init__(self, store: Store, front: str, *, ttl_s: float, heartbeat_s: float,
                 loop: asyncio.AbstractEventLoop, on_cancel: Callable[[list[str]], None],
                 on_recovered: Callable[[Recovered], None]):
        self.store = store
        self.front = front
        self.ttl_s = ttl_s
        self.heartbeat_s = heartbeat_s
        self.loop = loop
        self.on_cancel = on_cancel
        self.on_recovered = on_recovered
        self.lease_id: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Recovered:
        """Take a lease and recover what dead processes left (blocking: call it off the event loop)."""
        self.lease_id = self.store.leases.acquire(self.front, self.ttl_s)
        found = self.recover()
        self._thread = threading.Thread(target=self._beat, name=f"nodeloom-lease-{self.lease_id[:8]}", daemon=True)
        self._thread.start()
        return found

    def recover(self) -> Recovered:
        """Every run left behind: those of dead leases, and running ones no lease owns (older versions)."""
        return self.store.runs.recover(self.store.leases.dead())

    def _beat(self) -> None:
        next_beat = time.monotonic() + self.heartbeat_s
        tick = min(CANCEL_POLL_S, self.heartbeat_s)
        while not self._stop.wait(tick):
            try:
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + self.heartbeat_s
                    if not self.store.leases.renew(self.lease_id, self.ttl_s):
                        log.warning("this process's lease was taken for dead; taking it again")
                        self.store.leases.acquire(self.front, self.ttl_s, self.lease_id)
                    dead = self.store.leases.dead()
                    if dead:  # (runs owned by no lease at all are looked for at start only)
                        found = self.store.runs.recover(dead)
                        if found:
                            self._to_loop(self.on_recovered, found)
                cancels = self.store.queue.cancel_requests(self.lease_id)
                if cancels:
                    self._to_loop(self.on_cancel, cancels)
            except Exception:  # noqa: BLE001 - a locked or busy database now and then must not stop the heartbeat
                log.exception("lease heartbeat")

    def _to_loop(self, fn, arg) -> None:
        try:
            self.loop.call_soon_threadsafe(fn, arg)
        except RuntimeError:  # the loop is closed: the process is on its way out
            pass

    def stop(self) -> None:
        """Stop the heartbeat and give the lease back (blocking)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.lease_id is not None:
            self.store.leases.release(self.lease_id)
