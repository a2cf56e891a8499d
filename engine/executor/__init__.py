"""The executor: runs a workflow as a concurrent dataflow graph and reports every step as events.

Semantics (SPEC §6):

- **Readiness.** A node becomes ready when every connected input has a value (or is known to have none).
  Ready nodes start in topological order (ties broken by document order); independent ready nodes run
  concurrently, at most ``max_concurrency`` at once (default 8, from the workflow or the executor) per graph
  level — the top level, or one iteration of a ForEach body.
- **Values and branches.** A block returns a dict of output values; a port missing from it carries no value
  ("dead"). ``condition`` emits on exactly one of ``true_output``/``false_output``. A node is *skipped* when a
  required input is dead, or when it has connected inputs and all of them are dead; a skipped node's outputs
  are all dead, so skips propagate. An optional input that is dead reads ``None``; ``merge`` joins branches.
  The ``error`` port every node has is dead unless the node failed with ``on_error: continue``.
- **Config from inputs.** An input port named like a config field overrides that field when it has a value.
- **ForEach.** The nodes between a ``foreach`` and its ``collect`` form its body (:mod:`engine.graph.bodies`). The
  loop starts once its items and every outside value the body reads are known; the body runs once per item,
  sequentially, or with ``parallel`` up to ``batch_size`` iterations at a time. ``collect`` returns the
  iteration results in item order. Bodies nest; body node events carry the iteration indexes.
- **Failures.** Each attempt obeys ``settings.timeout_s``. A failed attempt is retried after an exponential
  backoff with jitter — ``min(max_backoff_s, backoff_s * factor**(attempt-1))`` scaled by ``1 ± jitter`` —
  up to ``retry.max_attempts``; ``node_retrying`` announces each retry. Then ``on_error`` decides:
  ``continue`` emits ``None`` on the node's outputs and the error on ``error``; ``fail`` (the default) fails
  the run: nodes still running are cancelled and nodes not yet started never start.
- **Cancellation.** :meth:`Execution.cancel` cancels the running nodes at their next suspension point (at
  once for sleeps, I/O and ``run_blocking`` waits — a worker thread is abandoned, not awaited), each reports
  ``cancelled``, and the run ends ``cancelled``.
- **Pins.** With ``use_pins``, a node with ``pinned`` values is not executed; its pinned values flow
  downstream and it reports ``cached`` with ``pinned=True``.
- **Bypass.** A node with ``bypass`` (SPEC §2) is not run, looked up or skipped (a bypass wins over a pin): once
  its inputs are known, each output carries its first linked input whose type can feed it (the plan picks it:
  ``NodePlan.bypass``), or nothing when none can; it reports ``bypassed``. The key of a carried value is derived
  from the input's key and the bypass, so what follows is keyed apart from the node running — and finds its
  earlier results again when the bypass is switched off.
- **Events.** (``run_restarted``, on an attempt after the first,) ``run_queued``, ``run_started``, ``node_started``, ``node_progress``, ``node_retrying``,
  ``node_finished`` (exactly one per node and iteration) and ``run_finished``, each with ``run_id``, a per-run
  ``seq`` and a timestamp, pushed to every :class:`Subscription` without ever waiting on one (bounded buffers).
- **Caching.** With a :class:`~engine.cache.ResultCache`, every value carries a key: a deterministic node's
  key hashes its block type and version, canonical config, the keys of its inputs (and, in a ForEach body,
  the loop position); other values are keyed by content. A deterministic node whose key is in the cache is
  not run: it reports ``cached`` and its outputs are decoded only if a node that does run reads them. Every
  node's outputs are stored under ``output_ref`` (in the background; the run ends after the writes), so
  past runs can be inspected and replayed. ``use_cache=False`` computes everything and still stores it.
  Each run counts its look-ups (``cache_hits``: found, the node reported ``cached``; ``cache_misses``: not found,
  the node computed — per node and iteration; pins, replay presets, output nodes and uncacheable nodes are not
  looked up) and reports them on ``run_finished``; what it stores is tagged with ``cache_tag`` (its stored
  workflow's id).
"""

from __future__ import annotations

import asyncio
import os
import random
import uuid
from concurrent.futures import Executor as PoolExecutor
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any, Mapping

from ..blocks.context import OPEN_POLICY, Policy
from ..blocks.registry import BlockRegistry, default_registry
from ..cache import has_lazy
from ..errors import InputError, NodeloomError
from ..model import Workflow
from ..graph.plan import Plan, compile_plan
from ..types import check_value
from ..values import from_json
from .bus import Subscription
from ..events import RunFinished, RunQueued, RunRestarted, RunStarted, attempt_base
from ..errors import NodeFailed
from ..shapes import shape_problems
from .runner import LevelRun
from .state import NodeRecord, RunState


__all__ = ["Executor", "Execution", "RunResult", "Subscription", "resolve_inputs"]


@dataclass
class RunResult:
    run_id: str
    status: str
    outputs: dict[str, Any]
    error: str | None
    duration_ms: float
    nodes: dict[str, NodeRecord] = field(default_factory=dict)
    cache_hits: int = 0    # cache look-ups that found the node's result
    cache_misses: int = 0  # look-ups that did not: the node computed
    # (as JSON, a run is what its record says: engine.store.run_json, the one shape every front shows)


def resolve_inputs(plan: Plan, inputs: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check run inputs against the workflow's ``input`` nodes; decode ``$type`` values; apply defaults."""
    given = dict(inputs or {})
    problems = [f"unknown input {name!r} (this workflow's inputs: {', '.join(sorted(plan.inputs)) or 'none'})"
                for name in given if name not in plan.inputs]
    resolved: dict[str, Any] = {}
    for name, node_id in plan.inputs.items():
        cfg = plan.nodes[node_id].config
        if plan.nodes[node_id].bypass is not None and name not in given:
            continue  # a bypassed input carries no value (SPEC §2): never asked for, required or not
        if name in given:
            shape = shape_problems(given[name], f"input {name!r}", limit=3)
            if shape:
                problems += shape
                continue
            try:
                value = from_json(given[name])
            except NodeloomError as e:
                problems.append(f"input {name!r}: {e}")
                continue
        elif cfg.default is not None:
            value = from_json(cfg.default)
        elif cfg.required:
            problems.append(f"missing required input {name!r}" + (f" ({cfg.description})" if cfg.description else ""))
            continue
        else:
            value = None
        if value is not None and not check_value(cfg.type, value):
            if cfg.type == "number" and isinstance(value, str):
                problems.append(f"input {name!r} must be a number, not the text {value!r}")
            else:
                problems.append(f"input {name!r} must be of type {cfg.type}, not {type(value).__name__}")
            continue
        resolved[name] = value
    if problems:
        raise InputError(problems)
    return resolved


class Execution:
    """A run the executor started: await it for the :class:`RunResult`, or :meth:`cancel` it. (Fronts get
    :class:`engine.runs.RunHandle` from the run service instead, which also waits for the run's record.)"""

    def __init__(self, run_id: str, task: asyncio.Task, state: RunState | None = None):
        self.run_id = run_id
        self.task = task
        self._state = state

    def cancel(self) -> None:
        """Cancel the run. One that has not taken its first step yet is told so and ends at once as
        ``cancelled`` — with its events (cancelling the task before it started would skip its body, so
        nothing would ever record the run as ended)."""
        state = self._state
        if state is not None and not state.started:
            state.cancel_early = True
            return
        self.task.cancel()

    def done(self) -> bool:
        return self.task.done()

    @property
    def remote(self):
        """The cluster this run's loops go to (it keeps the one it started with), or None."""
        return self._state.remote if self._state is not None else None

    def __await__(self):
        return self.task.__await__()


class Executor:
    def __init__(self, registry: BlockRegistry | None = None, *, max_concurrency: int | None = None,
                 pool: PoolExecutor | None = None, rng: random.Random | None = None, cache=None,
                 policy: Policy = OPEN_POLICY, remote=None, inline_lookups: bool = False):
        self.registry = registry or default_registry()
        #: what runs may do (python blocks, …); a run keeps the policy it started with
        self.policy = policy
        self.cache = cache
        #: look cached results up on the loop (a SELECT by key, ~10 µs) rather than on the cache's reader threads
        #: (a hop there and back costs the loop more than the look-up): for a loop that paints no window
        self.inline_lookups = inline_lookups
        #: where ForEach bodies of portable blocks run (a :class:`~engine.executor.remote.RemoteBackend`), or
        #: None: everything runs here
        self.remote = remote
        self.max_concurrency = max_concurrency
        self._own_pool = pool is None
        self.pool = pool or ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2),
                                               thread_name_prefix="nodeloom-block")
        self.rng = rng or random.Random()
        self._subs: list[Subscription] = []
        self.active: dict[str, Execution] = {}
        self._dirs: dict[str, Path] = {}  # base folders as given (joined to the current one) → resolved
        #: runs ``sub_workflow`` nodes (``async run(ctx, ref, version, data, mode, timeout_s)``); the run
        #: service sets it, since the executor alone has no stored workflows to run.
        self.children = None
        #: runs store their results with ``ResultCache.put_later`` and end without waiting for them: whoever
        #: records the runs writes them (``ResultCache.write_pending``) before the records: the run service's
        #: recorder (which writes those of the runs it passes over, live previews, as they end).
        self.defer_writes = False

    def subscribe(self, maxsize: int = 10_000, run_id: str | None = None) -> Subscription:
        """Events of every run (or of ``run_id`` only). A run-specific subscription closes when the run ends."""
        sub = Subscription(maxsize, run_id, on_close=self._unsubscribe)
        self._subs.append(sub)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)

    def compile(self, workflow: Workflow | Plan) -> Plan:
        return workflow if isinstance(workflow, Plan) else compile_plan(workflow, self.registry)

    def start(self, workflow: Workflow | Plan, inputs: Mapping[str, Any] | None = None, *,
              run_id: str | None = None, base_dir: str | os.PathLike | None = None,
              use_pins: bool = False, use_cache: bool = True,
              presets: dict[str, tuple[str | None, dict]] | None = None,
              lineage: tuple[str, ...] = (), policy: Policy | None = None, attempt: int = 1,
              restart_reason: str = "", cache_tag: str | None = None) -> Execution:
        """Validate, emit ``run_queued`` and start the run on the running loop. Raises
        :class:`~engine.errors.WorkflowInvalid` or :class:`~engine.errors.InputError` before anything runs.

        ``presets`` maps top-level node ids to ``(output_ref, outputs)`` used instead of running those nodes
        (they report ``cached``): how a replay from a node reuses a past run's results. ``lineage`` names the
        stored workflows the run is nested in (sub-workflows), for the depth limit and recursion checks.
        ``policy`` overrides the executor's for this run (a child run keeps its parent's). ``attempt`` > 1: the
        run starts again (from the queue, its first process gone): its events are numbered after every earlier
        attempt's (:func:`engine.events.attempt_base`), the first one ``run_restarted`` with ``restart_reason``.
        ``cache_tag`` tags the results the run stores (the run service gives its stored workflow's id)."""
        plan = self.compile(workflow)
        resolved = resolve_inputs(plan, inputs)
        run_id = run_id or uuid.uuid4().hex
        loop = asyncio.get_running_loop()
        state = RunState(run_id, plan, resolved, self._subs, base_dir=self._base_dir(base_dir),
                         pool=self.pool, loop=loop,
                         max_concurrency=self.max_concurrency or plan.workflow.max_concurrency,
                         rng=self.rng, use_pins=use_pins, cache=self.cache, use_cache=use_cache,
                         presets=presets, policy=policy or self.policy)
        state.children, state.lineage, state.remote = self.children, tuple(lineage), self.remote
        state.cache_tag = cache_tag
        state.inline_lookups = self.inline_lookups
        state.defer_writes = self.defer_writes and self.cache is not None
        state.seq = attempt_base(attempt)
        if attempt > 1:
            state.emit(RunRestarted, attempt, restart_reason or "the run starts again")
        state.emit(RunQueued, plan.workflow.name, dict(resolved))
        handle = Execution(run_id, loop.create_task(self._execute(state), name=f"nodeloom-run-{run_id[:8]}"), state)
        self.active[run_id] = handle
        return handle

    def _base_dir(self, base_dir: str | os.PathLike | None) -> Path:
        """``base_dir`` (relative: to the current folder; None: the current folder) resolved, symlinks followed —
        once per folder, not per run."""
        where = os.path.join(os.getcwd(), base_dir or "")
        found = self._dirs.get(where)
        if found is None:
            if len(self._dirs) >= 1024:
                self._dirs.clear()
            found = self._dirs[where] = Path(where).resolve()
        return found

    async def run(self, workflow: Workflow | Plan, inputs: Mapping[str, Any] | None = None, **kw: Any) -> RunResult:
        return await self.start(workflow, inputs, **kw)

    async def _execute(self, state: RunState) -> RunResult:
        state.started = True
        state.emit(RunStarted, len(state.plan.nodes))
        t0 = perf_counter()
        error = None
        try:
            if state.cancel_early:
                raise asyncio.CancelledError
            await LevelRun(state, state.plan.root, {}, None, (), None).execute()
            status = "succeeded"
        except NodeFailed as e:
            status, error = "failed", str(e)
        except asyncio.CancelledError:
            status, error = "cancelled", "the run was cancelled"
        except Exception as e:  # an engine bug must still end the run cleanly
            import logging

            logging.getLogger(__name__).exception("internal error in run %s", state.run_id)
            status, error = "failed", f"internal error: {type(e).__name__}: {e}"
        # a second cancel may come while the run winds up (Stop pressed twice, a cancel then a shutdown): it
        # cuts the wind-up short, never the run_finished event
        if has_lazy(state.outputs):
            try:
                state.outputs = await state.resolve_all(state.outputs)
            except asyncio.CancelledError:
                status, error, state.outputs = "cancelled", "the run was cancelled", {}
            except Exception as e:  # noqa: BLE001 - an output that cannot be read fails the run, cleanly
                status, error = "failed", f"an output could not be read: {e}"
                state.outputs = {}
        if state.writes:  # the run's results are stored before it is reported finished
            state.cache.kick()  # (now, not at the writer's next tick)
            try:
                await asyncio.gather(*(asyncio.wrap_future(f) for f in dict.fromkeys(state.writes)),
                                     return_exceptions=True)
            except asyncio.CancelledError:
                pass  # the writes finish on the cache's own thread
        duration = (perf_counter() - t0) * 1000
        state.emit(RunFinished, status, dict(state.outputs), error, duration, state.cache_hits, state.cache_misses)
        self.active.pop(state.run_id, None)
        for sub in [s for s in self._subs if s.run_id == state.run_id]:
            sub.close()
        return RunResult(state.run_id, status, dict(state.outputs), error, duration, state.records,
                         state.cache_hits, state.cache_misses)

    def close(self) -> None:
        """Cancel active runs and stop the worker pool without waiting for abandoned jobs."""
        for handle in list(self.active.values()):
            handle.cancel()
        for sub in list(self._subs):
            sub.close()
        if self._own_pool:
            self.pool.shutdown(wait=False, cancel_futures=True)
