"""The run service (SPEC §6a): the one way any front starts, queues, replays, records and cancels runs.

    async with RunService(store, RunSettings(), front="cli") as service:
        handle = service.start("Thumbnails", {"folder": "/photos"})      # at once: run id, events
        result = await handle.result()                                    # once it is recorded
        run_id = await service.enqueue("Thumbnails", {"folder": "/x"}, priority=7)

A service owns an executor (with the store's result cache), the run recorder, sub-workflow child runs, this
process's lease (heartbeat, recovery of dead processes' runs, cancel requests from other processes), the
triggers (``service.triggers``) and, with ``dispatch=True``, a dispatcher that starts queued runs and fires the
triggers when this process holds the dispatcher lease. Its
policies are a :class:`RunSettings` object: a run keeps the settings it started with.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable, Mapping

from .. import net
from ..cache import LazyValue, materialize
from ..executor import Executor
from ..model import Workflow
from ..store import QueueView, Recovered, Store
from .accept import Acceptor
from .callbacks import Callbacks
from .children import ChildRuns
from .cluster import close_cluster, open_cluster
from .dispatch import Dispatcher
from .firing import TriggerFirer
from .handle import LiveHandle, Origin, RunHandle
from .launcher import Launcher
from .ownership import LeaseKeeper
from .recorder import RunRecorder
from .settings import RunSettings
from .stream import Batch, StoreChanges, check_run, run_events
from .targets import Targets
from .triggers import Triggers

__all__ = ["RunService"]

log = logging.getLogger(__name__)


class RunService:
    def __init__(self, store: Store, settings: RunSettings | None = None, *, registry=None, front: str = "cli",
                 trigger: str | None = None, dispatch: bool = False, cache: bool = True,
                 callbacks: Callbacks | None = None, clock: Callable[[], float] = time.time):
        self.store = store
        self._settings = settings or RunSettings()
        self.targets = Targets(store, registry)
        self.front = front
        self.trigger = trigger or front
        self.dispatch = dispatch
        self.use_cache_store = cache
        self.executor: Executor | None = None
        self.cluster = None  # where portable ForEach bodies run (engine.distributed), or None
        self.recorder: RunRecorder | None = None
        self.lease: LeaseKeeper | None = None
        self.dispatcher: Dispatcher | None = None
        self.firer: TriggerFirer | None = None  # fires the triggers while this process dispatches
        self.triggers = Triggers(store, self.targets, clock, on_change=lambda: self.firer and self.firer.wake())
        self.clock = clock
        self.acceptor = Acceptor(store)
        self.callbacks = callbacks or Callbacks()
        self.recovered = Recovered()
        self.launcher = Launcher(self)  # the one door every run comes through
        self.changes = StoreChanges(store.db.path)  # wakes streams of runs that run elsewhere (engine/runs/stream.py)
        self._background: set[asyncio.Task] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------

    async def open(self) -> "RunService":
        """Take this process's lease, recover dead processes' runs, start recording (and dispatching)."""
        if self.executor is not None:
            return self
        loop = self._loop = asyncio.get_running_loop()
        cache = await asyncio.to_thread(lambda: self.store.cache) if self.use_cache_store else None
        self.cluster = await open_cluster(self._settings)  # (None: everything runs here)
        self.executor = Executor(self.targets.registry, cache=cache, policy=self._settings, remote=self.cluster,
                                 inline_lookups=self.front != "editor")  # (the editor's loop paints the window)
        self.executor.children = ChildRuns(self)
        self.recorder = RunRecorder(self.store.db, self.executor)
        self.executor.defer_writes = True  # (the recorder writes the runs' results, just before their records)
        s = self._settings
        self.lease = LeaseKeeper(self.store, self.front, ttl_s=s.lease_ttl_s, heartbeat_s=s.heartbeat_s, loop=loop,
                                 on_cancel=self._cancel_requested, on_recovered=self._recovered)
        self.recovered = await asyncio.to_thread(self.lease.start)
        if self.dispatch:
            self.dispatcher = Dispatcher(self)
            self.dispatcher.start()
            self.firer = TriggerFirer(self, self.clock)
            self.firer.start()
        return self

    async def __aenter__(self) -> "RunService":
        return await self.open()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop dispatching, cancel this process's runs (queued ones it was running go back to the queue),
        write what is left, give the lease back. (A service that was never opened — used to queue runs only —
        just finishes its accepts.)"""
        if self.executor is None:
            self.acceptor.close()
            return
        if self.firer is not None:
            await self.firer.stop()
        if self.dispatcher is not None:
            await self.dispatcher.stop()
        # queued runs still running here, that nobody cancelled (a cancelled one may have ended already)
        launcher = self.launcher
        dispatched = {rid for rid in (self.dispatcher.running if self.dispatcher else ())
                      if rid in launcher.handles} - launcher.cancelled
        self.recorder.requeueing(dispatched)  # their end now is not theirs: they run again from the queue
        handles = list(launcher.handles.values())
        for h in handles:
            h.cancel()
        if handles:
            await asyncio.gather(*(h.result() for h in handles), return_exceptions=True)
        await self.callbacks.close()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self.recorder.close()
        back = sorted(dispatched | set(self.dispatcher.unlaunched if self.dispatcher is not None else ()))
        if back:
            await asyncio.to_thread(self._put_back, back)
        if self.lease is not None and self.lease.lease_id is not None:
            await asyncio.to_thread(self.lease.stop)
        self.acceptor.close()
        self.executor.close()
        await close_cluster(self.cluster)
        self.cluster = None
        await net.aclose()  # the shared HTTP client of this loop
        self.executor = None

    def _put_back(self, run_ids: list[str]) -> None:
        """Queued runs this process was running (or had claimed, never started) as it stopped: back to the queue
        in their place — but one a person cancelled (a cancel that came while it was being claimed is a request
        to this process) ends cancelled, not `running` for ever."""
        self.store.queue.put_back(run_ids, self.lease_id)
        for rid in run_ids:
            run = self.store.runs.get(rid)
            if run is not None and run.status == "running":
                self.store.runs.end_unstarted(rid, "cancelled", "cancelled")

    @property
    def lease_id(self) -> str | None:
        return self.lease.lease_id if self.lease else None

    @property
    def settings(self) -> RunSettings:
        return self._settings

    def configure(self, **changes: Any) -> RunSettings:
        """New settings for the runs that start from now on (running ones keep theirs)."""
        self._settings = self._settings.replace(**changes)
        if self.executor is not None:
            self.executor.policy = self._settings
        self.wake()
        return self._settings

    def require_open(self) -> None:
        if self.executor is None:
            raise RuntimeError("the run service is not open: `await service.open()` (or `async with`) first")

    def keep(self, work: Awaitable) -> asyncio.Task:
        """Run ``work`` in the background until it ends; closing the service waits for it."""
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    # -- starting (through the launcher: engine/runs/launcher.py) ------------------------------------------------

    def start(self, workflow: str | Workflow, inputs: Mapping[str, Any] | None = None, **kw: Any) -> RunHandle:
        """Start a run now and return its handle at once (see :meth:`Launcher.start`). Raises WorkflowInvalid,
        InputError or NotFound before anything runs or is recorded."""
        return self.launcher.start(workflow, inputs, **kw)

    def start_live(self, workflow: Workflow, inputs: Mapping[str, Any] | None = None, **kw: Any) -> LiveHandle:
        """A live preview run of an edited document: held nodes left out, not recorded, never queued (see
        :meth:`Launcher.live`). Cancel it with :meth:`cancel` as any run."""
        return self.launcher.live(workflow, inputs, **kw)

    def replay(self, run_id: str, from_node: str | None = None, **kw: Any) -> RunHandle:
        """Run a stored run again with its inputs (see :meth:`Launcher.replay`)."""
        return self.launcher.replay(run_id, from_node, **kw)

    # -- queueing ----------------------------------------------------------------------------------------------

    async def enqueue(self, workflow: str | Workflow, inputs: Mapping[str, Any] | None = None, **kw: Any) -> str:
        """Put one run in the persistent queue; returns its id once it is stored."""
        [run_id] = await self.launcher.enqueue_many(workflow, [inputs or {}], **kw)
        return run_id

    async def enqueue_many(self, workflow: str | Workflow, inputs_list: Iterable[Mapping[str, Any] | None],
                           **kw: Any) -> list[str]:
        """One workflow over a list of inputs (see :meth:`Launcher.enqueue_many`). Returns the run ids in order."""
        return await self.launcher.enqueue_many(workflow, inputs_list, **kw)

    def wake(self) -> None:
        """Have the dispatcher look at the queue now (from any thread)."""
        if self.dispatcher is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self.dispatcher.wake)

    def queue(self, limit: int | None = None) -> QueueView:
        """Running and queued runs in start order, and whether the queue is paused (a database read)."""
        return self.store.queue.view(limit)

    def pause(self) -> None:
        """Hold new starts of queued runs (running ones go on), in every process on this data folder."""
        self.store.queue.pause()

    def resume(self) -> None:
        self.store.queue.resume()
        self.wake()

    def set_priority(self, run_id: str, priority: int) -> None:
        self.store.queue.set_priority(run_id, priority)
        self.wake()

    def move(self, run_id: str, *, before: str | None = None, after: str | None = None) -> None:
        """Put a queued run just before or after another (it takes that run's priority)."""
        self.store.queue.move(run_id, before=before, after=after)

    def clear_queue(self) -> int:
        """Cancel every queued run (running ones go on); how many."""
        return self.store.queue.clear()

    def run_next(self, run_id: str) -> None:
        """Put a queued run at the head of the queue."""
        self.store.queue.to_front(run_id)
        self.wake()

    # -- stopping ----------------------------------------------------------------------------------------------

    def cancel(self, run_id: str) -> str:
        """Cancel a run wherever it is: running here (``"cancelling"``: it ends within a second), queued
        (``"cancelled"``), or running in another process (``"requested"``: that process stops it)."""
        handle = self.launcher.handles.get(run_id)
        if handle is not None:
            self.launcher.cancelled.add(run_id)
            handle.cancel()
            return "cancelling"
        return self.store.queue.cancel(run_id)

    def _cancel_requested(self, run_ids: list[str]) -> None:
        for rid in run_ids:
            handle = self.launcher.handles.get(rid)
            if handle is not None:
                log.info("run %s cancelled on request of another process", rid)
                handle.cancel()

    def _recovered(self, found: Recovered) -> None:
        self.recovered = found
        if found.requeued:
            self.wake()

    def origin(self, run_id: str) -> "Origin":
        """Where one of the latest runs started in this process comes from (all None for any other run)."""
        return self.launcher.origin(run_id)

    def handle(self, run_id: str) -> RunHandle | None:
        """The handle of a run running in this process."""
        return self.launcher.handles.get(run_id)

    def events(self, run_id: str, after: int = 0, closing: asyncio.Event | None = None,
               buffer: int = 10_000) -> AsyncIterator[Batch]:
        """The run's one event stream (engine/runs/stream.py): batches of ``(seq, kind, json)`` after ``after``,
        stored then live, until its ``run_finished`` (nothing when ``after`` is at or past a finished run's end).
        Raises Overflow when the reader falls more than ``buffer`` events behind, Closing once ``closing`` is
        set. Check the run exists first (:meth:`check_run`)."""
        return run_events(self, run_id, after, closing or asyncio.Event(), buffer)

    async def check_run(self, run_id: str) -> None:
        """NotFound unless the run exists (running here, or stored)."""
        await check_run(self, run_id)

    def subscribe(self, run_id: str | None = None, maxsize: int = 100_000):
        """Events of every run of this process (or of ``run_id``); see :class:`engine.runs.Subscription`."""
        self.require_open()
        return self.executor.subscribe(maxsize, run_id=run_id)

    # -- values ------------------------------------------------------------------------------------------------

    def stored_outputs(self, output_ref: str) -> dict[str, Any] | None:
        """A node's stored outputs by port (read when used: :func:`read_value`), or None when evicted."""
        hit = self.store.cache.lookup(output_ref)
        if hit is None:
            return None
        entry, ports = hit
        return {p: LazyValue(entry, p, f"{output_ref}/{p}") for p in ports}

    async def read(self, value: Any) -> Any:
        """The value behind an output that may still be stored only (read and decoded off the loop)."""
        if type(value) is not LazyValue:
            return value
        return await self.run_blocking(materialize, value)

    async def run_blocking(self, fn, *args: Any) -> Any:
        """``fn(*args)`` on the service's worker threads (decoding, thumbnails): never on the event loop."""
        self.require_open()
        return await asyncio.get_running_loop().run_in_executor(self.executor.pool, fn, *args)
