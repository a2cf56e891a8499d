"""The dispatcher (SPEC §6a): starts queued runs, in queue order, at most ``max_concurrent_runs`` at once.

One process at a time dispatches (its lease says ``dispatching``); the others stand by and try again every
heartbeat, so one takes over within a lease's lifetime when the dispatcher dies. A claim is one transaction
(:meth:`engine.store.QueueRepo.claim`). The dispatcher wakes when this process queues a run, resumes the queue
or finishes a queued run, and otherwise looks at the queue every ``queue_poll_s`` — and sooner when another
connection has committed and runs are queued (:class:`~engine.store.watch.CommitWatch`, asked every ``WATCH_S``:
a run another process queued starts within tens of milliseconds, not half a second).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from ..errors import NodeloomError
from ..store.watch import CommitWatch

if TYPE_CHECKING:  # pragma: no cover
    from .service import RunService

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)

WATCH_S = 0.02  # how often a dispatcher with free slots asks whether another connection committed


class Dispatcher:
    def __init__(self, service: "RunService"):
        self.service = service
        self.running: set[str] = set()
        self.holding = asyncio.Event()  # set while this process dispatches
        self._woken: asyncio.Future | None = None
        self._task: asyncio.Task | None = None
        self._claim: asyncio.Future | None = None  # a claim being written on the recorder's thread
        #: runs claimed but never launched because the dispatcher stopped meanwhile (the service puts them back)
        self.unlaunched: list[str] = []
        self.loop = asyncio.get_running_loop()
        self._rang = False  # wake() was called (not only the sleep's time up)
        self._watch: CommitWatch | None = None

    def start(self) -> None:
        try:
            self._watch = CommitWatch(self.service.store.db.path)
        except Exception:  # noqa: BLE001 - without it the queue is looked at every queue_poll_s, as before
            log.warning("the queue is looked at every queue_poll_s only: the database cannot be watched",
                        exc_info=True)
        recorder = self.service.recorder
        recorder.after_finish, recorder.on_after_finish = self._claim_after_finish, self._launch_all
        self._task = self.loop.create_task(self._dispatch(), name="nodeloom-dispatcher")

    def _claim_after_finish(self, cursor, ended: list) -> list:
        """On the recorder's thread, in the transaction that recorded runs ending: take the places of queued runs
        of ours among them at once. (Other runs — sync, the editor's — hold no place: nothing to claim for them,
        and the claim's reads would cost every such run; a place free otherwise is the dispatcher's to fill.)"""
        if not self.holding.is_set() or not any(run_id in self.running for run_id in ended):
            return []
        svc = self.service
        return svc.store.queue.claim(svc.lease_id, svc.settings.max_concurrent_runs, cursor=cursor)

    def _launch_all(self, claimed: list) -> None:
        for info in claimed:
            self._launch(info)

    def wake(self) -> None:
        self._rang = True
        w = self._woken
        if w is not None and not w.done():
            w.set_result(None)

    async def _sleep(self, seconds: float) -> None:
        """Until ``wake()`` or ``seconds``, with the loop kept (no asyncio call needs a running loop here)."""
        self._woken = woken = self.loop.create_future()
        timer = self.loop.call_later(seconds, lambda: woken.done() or woken.set_result(None))
        try:
            await woken
        finally:
            timer.cancel()
            self._woken = None

    async def _dispatch(self) -> None:
        svc = self.service
        store, lease = svc.store, svc.lease_id
        checked = 0.0
        while True:
            settings = svc.settings
            try:
                now = time.monotonic()
                if not self.holding.is_set() or now - checked > settings.heartbeat_s:
                    checked = now
                    if self.holding.is_set() and not await self.loop.run_in_executor(None, store.leases.is_dispatcher,
                                                                                     lease):
                        log.warning("another process dispatches the queue now")
                        self.holding.clear()
                    if not self.holding.is_set() and await self.loop.run_in_executor(None, store.leases.take_dispatch,
                                                                                     lease):
                        log.info("this process dispatches the queue")
                        self.holding.set()
                free = settings.max_concurrent_runs - len(self.running)
                if self.holding.is_set() and free > 0 and self._may_have_work():
                    # (shielded: a stop while the claim is being written must still learn which runs it took)
                    self._claim = asyncio.ensure_future(svc.recorder.write(store.queue.claim, lease,
                                                                           settings.max_concurrent_runs, free))
                    claimed = await asyncio.shield(self._claim)
                    self._claim = None
                    self._launch_all(claimed)
            except Exception:  # noqa: BLE001 - a busy database now and then must not stop dispatching
                log.exception("dispatching the queue")
            if self.holding.is_set():
                await self._wait_for_work(settings.queue_poll_s)
            else:
                await self._sleep(settings.heartbeat_s)

    async def _wait_for_work(self, seconds: float) -> None:
        """Until ``wake()``, ``seconds``, or runs are queued after another connection committed while a slot is
        free (asked every WATCH_S)."""
        loop, watch = self.loop, self._watch
        deadline = loop.time() + seconds
        self._rang = False
        while not self._rang:
            left = deadline - loop.time()
            if left <= 0:
                return
            await self._sleep(left if watch is None else min(WATCH_S, left))
            if (watch is not None and not self._rang
                    and len(self.running) < self.service.settings.max_concurrent_runs and watch.changed()):
                try:  # (on the loop: a read of an index, tens of microseconds — a trip to a thread costs more)
                    if watch.has_queued():
                        return
                except Exception:  # noqa: BLE001 - a busy moment: the next look, or queue_poll_s, finds them
                    pass

    def _may_have_work(self) -> bool:
        """Whether a claim may find runs: the watch's read of the queue (on the loop, tens of microseconds) says so,
        or there is no watch to ask. Not a write transaction, fsynced, every ``queue_poll_s`` to find nothing."""
        if self._watch is None:
            return True
        try:
            return self._watch.has_queued()
        except Exception:  # noqa: BLE001 - a busy moment: the claim itself will tell
            return True

    def _launch(self, info) -> None:
        svc = self.service
        try:
            handle = svc.launcher.claimed(info)
        except (NodeloomError, ValueError) as e:
            log.warning("queued run %s could not start: %s", info.id, e)
            svc.store.runs.end_unstarted(info.id, "failed", f"could not start: {e}")
            self.wake()
            return
        self.running.add(info.id)
        svc.keep(self._follow(handle))

    async def _follow(self, handle) -> None:
        try:
            await handle.result()
        except BaseException:  # noqa: BLE001 - its record says what happened
            pass
        finally:
            self.running.discard(handle.run_id)
            self.wake()

    async def stop(self) -> None:
        self.service.recorder.after_finish = None
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._claim is not None:  # (stopped while claiming: the claim is committed, its runs never launched)
            claim, self._claim = self._claim, None
            try:
                self.unlaunched = [info.id for info in await claim]
            except Exception:  # noqa: BLE001 - a claim that failed took nothing
                self.unlaunched = []
        self.holding.clear()
        if self._watch is not None:
            self._watch.close()
            self._watch = None
