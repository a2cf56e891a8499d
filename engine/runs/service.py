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
import uuid
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .. import net
from ..cache import LazyValue, materialize
from ..errors import InputError, NotFound
from ..executor import Executor, resolve_inputs
from ..graph import Plan
from ..model import Workflow, dump_workflow, parse_document
from ..store import DEFAULT_PRIORITY, QueueView, Recovered, RunInfo, Store
from ..store.queue import check_priority
from ..values import to_json
from .accept import Acceptor
from .callbacks import Callbacks
from .children import ChildRuns, check_references
from .cluster import close_cluster, open_cluster
from .dispatch import Dispatcher
from .firing import TriggerFirer
from .handle import NO_ORIGIN, Origin, RunHandle
from .ownership import LeaseKeeper
from .recorder import RunRecorder
from .replay import replay_presets
from .settings import RunSettings
from .targets import Targets
from .triggers import Triggers

__all__ = ["RunService"]

log = logging.getLogger(__name__)
ORIGINS = 1000  # runs whose origin is remembered (the editor reads it when their events arrive)

EVENTS_BUFFER = 10_000  # a handle's own events; the oldest go first when nobody reads them


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
        self._handles: dict[str, RunHandle] = {}
        self._background: set[asyncio.Task] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._origins: dict[str, Origin] = {}  # run id → where it comes from: this process's latest runs
        self._cancelled: set[str] = set()  # runs someone cancelled here: a clean stop does not re-queue them

    # -- lifecycle -----------------------------------------------------------------------------------------

    async def open(self) -> "RunService":
        """Take this process's lease, recover dead processes' runs, start recording (and dispatching)."""
        if self.executor is not None:
            return self
        loop = self._loop = asyncio.get_running_loop()
        cache = await asyncio.to_thread(lambda: self.store.cache) if self.use_cache_store else None
        self.cluster = await open_cluster(self._settings)  # (None: everything runs here)
        self.executor = Executor(self.targets.registry, cache=cache, policy=self._settings, remote=self.cluster)
        self.executor.children = ChildRuns(self)
        self.recorder = RunRecorder(self.store.db, self.executor)
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
        dispatched = {rid for rid in (self.dispatcher.running if self.dispatcher else ())
                      if rid in self._handles} - self._cancelled
        handles = list(self._handles.values())
        for h in handles:
            h.cancel()
        if handles:
            await asyncio.gather(*(h.result() for h in handles), return_exceptions=True)
        await self.callbacks.close()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self.recorder.close()
        if dispatched:
            await asyncio.to_thread(self.store.queue.put_back, sorted(dispatched), self.lease_id)
        if self.lease is not None and self.lease.lease_id is not None:
            await asyncio.to_thread(self.lease.stop)
        self.acceptor.close()
        self.executor.close()
        await close_cluster(self.cluster)
        self.cluster = None
        await net.aclose()  # the shared HTTP client of this loop
        self.executor = None

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
        self._wake()
        return self._settings

    def _require_open(self) -> None:
        if self.executor is None:
            raise RuntimeError("the run service is not open: `await service.open()` (or `async with`) first")

    # -- starting --------------------------------------------------------------------------------------------

    def start(self, workflow: str | Workflow, inputs: Mapping[str, Any] | None = None, *, run_id: str | None = None,
              trigger: str | None = None, version: int | None = None, workflow_id: str | None = None,
              base_dir: str | Path | None = None, use_cache: bool = True, use_pins: bool = False,
              draft_id: str | None = None, priority: int = DEFAULT_PRIORITY, mode: str = "sync",
              events: bool = True, callback_url: str | None = None) -> RunHandle:
        """Start a run now and return its handle at once. Raises WorkflowInvalid, InputError or NotFound before
        anything runs or is recorded."""
        self._require_open()
        t = self.targets.resolve(workflow, version=version, workflow_id=workflow_id, base_dir=base_dir)
        meta = {"workflow_id": t.workflow_id, "version": t.version, "document": t.document, "mode": mode,
                "priority": check_priority(priority), "trigger": trigger or self.trigger, "draft_id": draft_id,
                "options": {"use_cache": use_cache, "use_pins": use_pins,
                            **({"base_dir": str(t.base_dir)} if t.base_dir else {}),
                            **({"callback_url": callback_url} if callback_url else {})}}
        return self._begin(t.plan, inputs, meta, base_dir=t.base_dir, use_cache=use_cache, use_pins=use_pins,
                           run_id=run_id, events=events, callback=callback_url)

    def _begin(self, plan: Plan, inputs, meta: dict, *, base_dir=None, use_cache=True, use_pins=False, presets=None,
               run_id: str | None = None, events: bool = True, lineage: tuple[str, ...] | None = None,
               policy=None, callback: str | None = None) -> RunHandle:
        """Record and start a run (every path comes here: starts, replays, claimed queued runs, children)."""
        run_id = run_id or uuid.uuid4().hex
        sub = self.executor.subscribe(EVENTS_BUFFER, run_id=run_id) if events else None
        self.recorder.expect(run_id, owner=self.lease_id, **meta)
        wid = meta.get("workflow_id")
        if lineage is None:
            lineage = (wid,) if wid else ()
        if base_dir is None and wid:
            base_dir = self.targets.base_dir(wid)  # where a stored workflow's relative paths lead
        try:
            execution = self.executor.start(plan, inputs, run_id=run_id, base_dir=base_dir, use_pins=use_pins,
                                            use_cache=use_cache, presets=presets, lineage=lineage, policy=policy)
        except BaseException:
            self.recorder.forget(run_id)
            if sub is not None:
                sub.close()
            raise
        handle = RunHandle(run_id, execution, sub, self.recorder)
        self._origins[run_id] = Origin(wid, meta.get("trigger"), meta.get("draft_id"))
        if len(self._origins) > ORIGINS:
            del self._origins[next(iter(self._origins))]
        self._handles[run_id] = handle

        def ended(task, rid=run_id) -> None:
            self._handles.pop(rid, None)
            self._cancelled.discard(rid)
            self.recorder.poke()
            if callback and not task.cancelled():
                self.callbacks.run_ended(self, rid, wid, callback, task)

        execution.task.add_done_callback(ended)
        return handle

    def _start_claimed(self, info: RunInfo) -> RunHandle:
        """A run the dispatcher took from the queue (its row exists, ``running``)."""
        options = info.options or {}
        if info.has_document:
            plan = self.targets.compile(parse_document(self.store.runs.document(info.id) or "{}"))
            check_references(self.store, plan.workflow, info.workflow_id)
        else:
            if info.workflow_id is None or info.version is None:
                raise NotFound(f"queued run {info.id} names no workflow")
            plan = self.targets.stored(info.workflow_id, info.version)
            check_references(self.store, plan.workflow, info.workflow_id)
        meta = {"claimed": True, "workflow_id": info.workflow_id, "trigger": info.trigger}
        return self._begin(plan, info.inputs, meta, base_dir=options.get("base_dir"),
                           use_cache=options.get("use_cache", True),
                           use_pins=options.get("use_pins", False), run_id=info.id, events=False,
                           callback=options.get("callback_url"))

    def replay(self, run_id: str, from_node: str | None = None, *, use_cache: bool = True,
               new_run_id: str | None = None, events: bool = True) -> RunHandle:
        """Run a stored run again with its inputs. With ``from_node``, nodes not downstream of it reuse that
        run's stored outputs and report ``cached`` (a node whose outputs were evicted runs again)."""
        self._require_open()
        run = self.store.runs.get(run_id)
        if run.has_document:
            wf = parse_document(self.store.runs.document(run_id) or "{}")
        elif run.workflow_id is not None and run.version is not None:
            wf = self.store.workflows.document(run.workflow_id, run.version)
        else:
            raise NotFound(f"run {run_id!r} has neither a document nor a stored workflow to replay")
        base = (run.options or {}).get("base_dir")
        presets = None
        if from_node is not None:
            if from_node not in {n.id for n in wf.nodes}:
                raise NotFound(f"run {run_id!r} has no node {from_node!r}")
            presets = replay_presets(self.store, self.stored_outputs, wf, run_id, from_node)
        plan = self.targets.compile(wf)
        check_references(self.store, wf, run.workflow_id)
        meta = {"workflow_id": run.workflow_id, "version": run.version, "replay_of": run_id, "from_node": from_node,
                "trigger": "replay", "draft_id": run.draft_id, "options": run.options or None,
                "document": dump_workflow(wf) if run.has_document else None}
        return self._begin(plan, run.inputs, meta, base_dir=base, use_cache=use_cache, presets=presets,
                           run_id=new_run_id, events=events)

    # -- queueing ----------------------------------------------------------------------------------------------

    async def enqueue(self, workflow: str | Workflow, inputs: Mapping[str, Any] | None = None, **kw: Any) -> str:
        """Put one run in the persistent queue; returns its id once it is stored."""
        [run_id] = await self.enqueue_many(workflow, [inputs or {}], **kw)
        return run_id

    async def enqueue_many(self, workflow: str | Workflow, inputs_list: Iterable[Mapping[str, Any] | None], *,
                           copies: int = 1, priority: int = DEFAULT_PRIORITY, trigger: str | None = None,
                           version: int | None = None, workflow_id: str | None = None,
                           base_dir: str | Path | None = None, use_cache: bool = True, use_pins: bool = False,
                           draft_id: str | None = None, mode: str = "async",
                           callback_url: str | None = None) -> list[str]:
        """One workflow over a list of inputs (each ``copies`` times), validated first, then stored in one
        transaction (or a few, shared with other requests arriving at once). Returns the run ids in order."""
        check_priority(priority)
        if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= 100_000:
            raise ValueError(f"copies must be from 1 to 100000, not {copies!r}")
        t = self.targets.resolve(workflow, version=version, workflow_id=workflow_id, base_dir=base_dir)
        options = {"use_cache": use_cache, "use_pins": use_pins}
        if callback_url:
            options["callback_url"] = callback_url
        if t.document is not None and t.base_dir is not None:
            options["base_dir"] = str(t.base_dir)
        rows, problems = [], []
        items = list(inputs_list)
        for i, inputs in enumerate(items):
            try:
                resolve_inputs(t.plan, inputs)
            except InputError as e:
                problems += [f"inputs {i + 1}: {p}" if len(items) > 1 else p for p in e.problems]
                continue
            data = to_json(dict(inputs or {}))
            for _ in range(copies):
                rows.append({"id": uuid.uuid4().hex, "workflow_id": t.workflow_id, "version": t.version,
                             "document": t.document, "workflow_name": t.plan.workflow.name, "inputs": data,
                             "priority": priority, "trigger": trigger or self.trigger, "mode": mode,
                             "options": options, "draft_id": draft_id})
        if problems:  # every problem at once (the first hundred), nothing stored
            raise InputError(problems[:100] + ([f"… and {len(problems) - 100} more"] if len(problems) > 100 else []))
        if rows:
            await self.acceptor.add(rows, self._settings.max_queued_runs)
            self._wake()
        return [r["id"] for r in rows]

    def _wake(self) -> None:
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
        self._wake()

    def set_priority(self, run_id: str, priority: int) -> None:
        self.store.queue.set_priority(run_id, priority)
        self._wake()

    def move(self, run_id: str, *, before: str | None = None, after: str | None = None) -> None:
        """Put a queued run just before or after another (it takes that run's priority)."""
        self.store.queue.move(run_id, before=before, after=after)

    def clear_queue(self) -> int:
        """Cancel every queued run (running ones go on); how many."""
        return self.store.queue.clear()

    def run_next(self, run_id: str) -> None:
        """Put a queued run at the head of the queue."""
        self.store.queue.to_front(run_id)
        self._wake()

    # -- stopping ----------------------------------------------------------------------------------------------

    def cancel(self, run_id: str) -> str:
        """Cancel a run wherever it is: running here (``"cancelling"``: it ends within a second), queued
        (``"cancelled"``), or running in another process (``"requested"``: that process stops it)."""
        handle = self._handles.get(run_id)
        if handle is not None:
            self._cancelled.add(run_id)
            handle.cancel()
            return "cancelling"
        return self.store.queue.cancel(run_id)

    def _cancel_requested(self, run_ids: list[str]) -> None:
        for rid in run_ids:
            handle = self._handles.get(rid)
            if handle is not None:
                log.info("run %s cancelled on request of another process", rid)
                handle.cancel()

    def _recovered(self, found: Recovered) -> None:
        self.recovered = found
        if found.requeued:
            self._wake()

    def origin(self, run_id: str) -> "Origin":
        """Where one of the latest runs started in this process comes from (all None for any other run)."""
        return self._origins.get(run_id, NO_ORIGIN)

    def handle(self, run_id: str) -> RunHandle | None:
        """The handle of a run running in this process."""
        return self._handles.get(run_id)

    def subscribe(self, run_id: str | None = None, maxsize: int = 100_000):
        """Events of every run of this process (or of ``run_id``); see :class:`engine.runs.Subscription`."""
        self._require_open()
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
        self._require_open()
        return await asyncio.get_running_loop().run_in_executor(self.executor.pool, fn, *args)
