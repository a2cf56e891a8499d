"""The launcher (SPEC §6a): the one door every run comes through.

A request — start now, enqueue, replay, a run claimed from the queue, a sub-workflow's child run, a trigger's
fire, a webhook delivery, a node test — becomes a recorded run here and nowhere else: the launcher resolves what
runs, applies the run limits (runs a minute per requester: an HTTP client counts every run it starts, by any
route) and the service's policies, builds the queued-run row (:meth:`queued_row`, the one place), tells the
recorder where the run comes from, starts it on the executor and hands back a :class:`RunHandle`. It also keeps
this process's runs: their handles, where they came from, which were cancelled here.

The dispatcher, the trigger firer, sub-workflows and the server call its public methods; nobody reaches into it.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from ..errors import InputError, NotFound, RunsLimited
from ..executor import resolve_inputs
from ..graph import Plan, single_block_workflow
from ..graph.live import live_part
from ..model import Workflow, dump_workflow, parse_document
from ..store import DEFAULT_PRIORITY, RunInfo
from ..store.queue import check_priority
from ..values import to_json
from .children import check_references
from .handle import NO_ORIGIN, LiveHandle, Origin, RunHandle
from .replay import replay_presets

if TYPE_CHECKING:  # pragma: no cover
    from .service import RunService

__all__ = ["Launcher", "RunsLimit"]

ORIGINS = 1000         # runs whose origin is remembered (the editor reads it when their events arrive)
EVENTS_BUFFER = 10_000  # a handle's own events; the oldest go first when nobody reads them
MAX_COPIES = 100_000


class RunsLimit:
    """A token bucket per requester: ``per_minute`` runs a minute, up to ``per_minute`` at once."""

    def __init__(self, per_minute: int, clock=time.monotonic):
        self.per_minute, self.clock = per_minute, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # requester → (tokens, when)

    def take(self, requester: str, runs: int = 1) -> None:
        """Take ``runs`` tokens (all or none), else raise :class:`RunsLimited` saying when to come back."""
        now = self.clock()
        tokens, stamp = self._buckets.get(requester, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - stamp) * self.per_minute / 60)
        if tokens >= runs:
            self._buckets[requester] = (tokens - runs, now)
            return
        self._buckets[requester] = (tokens, now)
        if len(self._buckets) > 10_000:  # (forget the idle ones: their buckets are full again)
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
        wait = (min(runs, self.per_minute) - tokens) * 60 / self.per_minute
        raise RunsLimited(f"more than {self.per_minute} runs a minute: try again in {wait:.0f} s", max(1.0, wait))


class Launcher:
    def __init__(self, service: "RunService"):
        self.service = service
        self.limit: RunsLimit | None = None  # runs a minute per requester (the server sets it)
        self.handles: dict[str, RunHandle] = {}   # this process's running runs
        self.origins: dict[str, Origin] = {}      # where this process's latest runs come from
        self.cancelled: set[str] = set()          # runs cancelled here: a clean stop does not queue them again

    def limit_runs(self, per_minute: int | None) -> None:
        """At most ``per_minute`` runs a minute per requester from now on (None: no limit)."""
        self.limit = RunsLimit(per_minute) if per_minute else None

    def _charge(self, requester: str | None, runs: int = 1) -> None:
        if requester is not None and self.limit is not None:
            self.limit.take(requester, runs)

    # -- starting now ------------------------------------------------------------------------------------------

    def start(self, workflow: str | Workflow, inputs: Mapping[str, Any] | None = None, *, run_id: str | None = None,
              trigger: str | None = None, version: int | None = None, workflow_id: str | None = None,
              base_dir: str | Path | None = None, use_cache: bool = True, use_pins: bool = False,
              draft_id: str | None = None, priority: int = DEFAULT_PRIORITY, mode: str = "sync",
              events: bool = True, callback_url: str | None = None, requester: str | None = None) -> RunHandle:
        """A run now; its handle at once. Raises WorkflowInvalid, InputError, NotFound (or RunsLimited for a
        ``requester`` over its limit) before anything runs or is recorded."""
        svc = self.service
        svc.require_open()
        t = svc.targets.resolve(workflow, version=version, workflow_id=workflow_id, base_dir=base_dir)
        meta = {"workflow_id": t.workflow_id, "version": t.version, "document": t.document, "mode": mode,
                "priority": check_priority(priority), "trigger": trigger or svc.trigger, "draft_id": draft_id,
                "options": {"use_cache": use_cache, "use_pins": use_pins,
                            **({"base_dir": str(t.base_dir)} if t.base_dir else {}),
                            **({"callback_url": callback_url} if callback_url else {})}}
        if requester is not None:
            resolve_inputs(t.plan, inputs)  # (refused inputs cost the requester nothing)
            self._charge(requester)
        return self._begin(t.plan, inputs, meta, base_dir=t.base_dir, use_cache=use_cache, use_pins=use_pins,
                           run_id=run_id, events=events, callback=callback_url)

    def live(self, workflow: Workflow, inputs: Mapping[str, Any] | None = None, *, targets=None,
             user_code: bool = False, run_id: str | None = None, workflow_id: str | None = None,
             draft_id: str | None = None, base_dir: str | Path | None = None, use_pins: bool = True) -> LiveHandle:
        """A live preview run of an edited document (issue 27): what ``targets`` need (default: everything), its
        held nodes left out (:func:`engine.graph.live_part`; ``user_code``: python blocks run live), the cache
        read and written — but not recorded (no run row, node runs or events stored: ``nodeloom runs`` never
        shows it), never queued and never charged to a runs limit. Its handle says which nodes it held."""
        svc = self.service
        svc.require_open()
        part = live_part(workflow, svc.targets.registry, targets=targets, user_code=user_code, use_pins=use_pins)
        plan = svc.targets.compile(part.workflow)
        check_references(svc.store, part.workflow, workflow_id)
        meta = {"workflow_id": workflow_id, "trigger": "live", "draft_id": draft_id}
        handle = self._begin(plan, inputs, meta, base_dir=base_dir, use_pins=use_pins, run_id=run_id, record=False,
                             events=False)  # (its events reach the service's subscribers: the editor's bridge)
        return LiveHandle(handle, part.held)

    def test_node(self, block: str, inputs: Mapping[str, Any], config: Mapping[str, Any], *,
                  requester: str | None = None, trigger: str = "http") -> RunHandle:
        """One block on the given inputs and config, as a run of its own (a node test)."""
        cls = self.service.targets.registry.get(block)
        if cls is None:
            raise NotFound(f"no block type {block!r}")
        outs = [p.name for p in cls.output_ports()]
        wf = single_block_workflow(block, list(inputs), dict(config), outs)
        return self.start(wf, inputs, trigger=trigger, mode="sync", events=False, requester=requester)

    def replay(self, run_id: str, from_node: str | None = None, *, use_cache: bool = True,
               new_run_id: str | None = None, events: bool = True, requester: str | None = None) -> RunHandle:
        """A stored run again with its inputs. With ``from_node``, nodes not downstream of it reuse that run's
        stored outputs and report ``cached`` (a node whose outputs were evicted runs again)."""
        svc = self.service
        svc.require_open()
        store = svc.store
        run = store.runs.get(run_id)
        if run.has_document:
            wf = parse_document(store.runs.document(run_id) or "{}")
        elif run.workflow_id is not None and run.version is not None:
            wf = store.workflows.document(run.workflow_id, run.version)
        else:
            raise NotFound(f"run {run_id!r} has neither a document nor a stored workflow to replay")
        presets = None
        if from_node is not None:
            if from_node not in {n.id for n in wf.nodes}:
                raise NotFound(f"run {run_id!r} has no node {from_node!r}")
            presets = replay_presets(store, svc.stored_outputs, wf, run_id, from_node)
        plan = svc.targets.compile(wf)
        check_references(store, wf, run.workflow_id)
        meta = {"workflow_id": run.workflow_id, "version": run.version, "replay_of": run_id, "from_node": from_node,
                "trigger": "replay", "draft_id": run.draft_id, "options": run.options or None,
                "document": dump_workflow(wf) if run.has_document else None}
        self._charge(requester)
        return self._begin(plan, run.inputs, meta, base_dir=(run.options or {}).get("base_dir"), use_cache=use_cache,
                           presets=presets, run_id=new_run_id, events=events)

    def claimed(self, info: RunInfo) -> RunHandle:
        """A run the dispatcher took from the queue (its row exists, ``running``): attempt ``info.attempt``."""
        svc = self.service
        store = svc.store
        options = info.options or {}
        if info.has_document:
            plan = svc.targets.compile(parse_document(store.runs.document(info.id) or "{}"))
        else:
            if info.workflow_id is None or info.version is None:
                raise NotFound(f"queued run {info.id} names no workflow")
            plan = svc.targets.stored(info.workflow_id, info.version)
        check_references(store, plan.workflow, info.workflow_id)
        meta = {"claimed": True, "workflow_id": info.workflow_id, "trigger": info.trigger}
        return self._begin(plan, info.inputs, meta, base_dir=options.get("base_dir"),
                           use_cache=options.get("use_cache", True), use_pins=options.get("use_pins", False),
                           run_id=info.id, events=False, callback=options.get("callback_url"),
                           attempt=max(1, info.attempt),
                           restart_reason=info.error or "the process running it stopped before it ended")

    def child(self, workflow_id: str, version: int, data: Mapping[str, Any], *, parent_run_id: str, mode: str,
              lineage: tuple[str, ...], policy) -> RunHandle:
        """A sub-workflow's run, started by its parent's ``sub_workflow`` node (with the parent's policy)."""
        svc = self.service
        meta = {"workflow_id": workflow_id, "version": version, "trigger": "sub_workflow", "mode": mode,
                "parent_run_id": parent_run_id}
        return self._begin(svc.targets.stored(workflow_id, version), data, meta,
                           base_dir=svc.targets.base_dir(workflow_id), lineage=lineage, policy=policy)

    def _begin(self, plan: Plan, inputs, meta: dict, *, base_dir=None, use_cache=True, use_pins=False, presets=None,
               run_id: str | None = None, events: bool = True, lineage: tuple[str, ...] | None = None,
               policy=None, callback: str | None = None, attempt: int = 1, restart_reason: str = "",
               record: bool = True) -> RunHandle:
        """Record and start a run: every way a run begins ends here (``record=False``: a live preview run, which
        the recorder passes over)."""
        svc = self.service
        executor, recorder = svc.executor, svc.recorder
        run_id = run_id or uuid.uuid4().hex
        sub = executor.subscribe(EVENTS_BUFFER, run_id=run_id) if events else None
        if record:
            recorder.expect(run_id, owner=svc.lease_id, **meta)
        else:
            recorder.skip(run_id)
        wid = meta.get("workflow_id")
        if lineage is None:
            lineage = (wid,) if wid else ()
        if base_dir is None and wid:
            base_dir = svc.targets.base_dir(wid)  # where a stored workflow's relative paths lead
        try:
            execution = executor.start(plan, inputs, run_id=run_id, base_dir=base_dir, use_pins=use_pins,
                                       use_cache=use_cache, presets=presets, lineage=lineage, policy=policy,
                                       attempt=attempt, restart_reason=restart_reason,
                                       cache_tag=wid)  # (its results are that workflow's cache entries)
        except BaseException:
            recorder.forget(run_id)
            if sub is not None:
                sub.close()
            raise
        handle = RunHandle(run_id, execution, sub, recorder if record else None)
        self.origins[run_id] = Origin(wid, meta.get("trigger"), meta.get("draft_id"))
        if len(self.origins) > ORIGINS:
            del self.origins[next(iter(self.origins))]
        self.handles[run_id] = handle

        def ended(task, rid=run_id) -> None:
            self.handles.pop(rid, None)
            self.cancelled.discard(rid)
            recorder.poke()
            if callback and not task.cancelled():
                svc.callbacks.run_ended(svc, rid, wid, callback, task)

        execution.task.add_done_callback(ended)
        return handle

    # -- queueing ----------------------------------------------------------------------------------------------

    def queued_row(self, plan: Plan, inputs: Mapping[str, Any] | None, *, workflow_id: str | None,
                   version: int | None, document: str | None, priority: int, trigger: str, mode: str = "async",
                   options: dict | None = None, draft_id: str | None = None, trigger_id: str | None = None) -> dict:
        """The row of one queued run — the one place it is built (the queue, triggers, webhooks). The inputs are
        checked against the workflow first (InputError)."""
        resolve_inputs(plan, inputs)
        return {"id": uuid.uuid4().hex, "workflow_id": workflow_id, "version": version, "document": document,
                "workflow_name": plan.workflow.name, "inputs": to_json(dict(inputs or {})),
                "priority": check_priority(priority), "trigger": trigger, "mode": mode,
                "options": {"use_cache": True, "use_pins": False, **(options or {})}, "draft_id": draft_id,
                "trigger_id": trigger_id}

    async def enqueue_many(self, workflow: str | Workflow, inputs_list: Iterable[Mapping[str, Any] | None], *,
                           copies: int = 1, priority: int = DEFAULT_PRIORITY, trigger: str | None = None,
                           version: int | None = None, workflow_id: str | None = None,
                           base_dir: str | Path | None = None, use_cache: bool = True, use_pins: bool = False,
                           draft_id: str | None = None, mode: str = "async", callback_url: str | None = None,
                           requester: str | None = None, trigger_id: str | None = None) -> list[str]:
        """One workflow over a list of inputs (each ``copies`` times), every input checked first, then stored in
        one transaction (or a few, shared with other requests arriving at once). The run ids in order."""
        svc = self.service
        check_priority(priority)
        if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
            raise ValueError(f"copies must be from 1 to {MAX_COPIES}, not {copies!r}")
        t = svc.targets.resolve(workflow, version=version, workflow_id=workflow_id, base_dir=base_dir)
        options = {"use_cache": use_cache, "use_pins": use_pins}
        if callback_url:
            options["callback_url"] = callback_url
        if t.document is not None and t.base_dir is not None:
            options["base_dir"] = str(t.base_dir)
        rows, problems = [], []
        items = list(inputs_list)
        for i, inputs in enumerate(items):
            try:
                row = self.queued_row(t.plan, inputs, workflow_id=t.workflow_id, version=t.version,
                                      document=t.document, priority=priority, trigger=trigger or svc.trigger,
                                      mode=mode, options=options, draft_id=draft_id, trigger_id=trigger_id)
            except InputError as e:
                problems += [f"inputs {i + 1}: {p}" if len(items) > 1 else p for p in e.problems]
                continue
            rows.append(row)
            rows += [{**row, "id": uuid.uuid4().hex} for _ in range(copies - 1)]
        if problems:  # every problem at once (the first hundred), nothing stored
            raise InputError(problems[:100] + ([f"… and {len(problems) - 100} more"] if len(problems) > 100 else []))
        if rows:
            self._charge(requester, len(rows))
            await svc.acceptor.add(rows, svc.settings.max_queued_runs)
            svc.wake()
        return [r["id"] for r in rows]

    # -- this process's runs -------------------------------------------------------------------------------------

    def origin(self, run_id: str) -> Origin:
        return self.origins.get(run_id, NO_ORIGIN)
