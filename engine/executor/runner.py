"""The staged dataflow scheduler of one run: readiness, skipping, retries, timeouts, failure, cancellation.

A :class:`LevelRun` executes one level of a :class:`~engine.graph.plan.Plan` (the whole graph, or one iteration of
a ForEach body). Nodes that are ready start in topological order, at most ``max_concurrency`` at a time per
level. A node whose block is ``inline`` and has no retry or timeout is driven without a Task until it first
suspends (most pure blocks never do), which keeps the per-node cost close to a function call; anything else
runs as a Task. Every node ends with exactly one ``node_finished`` event.
"""

from __future__ import annotations

import asyncio
import functools
import random
import traceback
from collections import deque
from time import perf_counter
from typing import TYPE_CHECKING, Any, Coroutine

from pydantic import ValidationError

from ..blocks.base import ERROR_PORT
from ..cache import LazyValue, derive, has_lazy, port_key
from ..errors import BlockError, ExpressionError, NodeFailed, NodeloomError, ProbeMiss
from ..graph.plan import SINK, Level, NodePlan
from .caching import CachingMixin
from .context import NodeContext
from ..events import NodeRetrying, NodeStarted
from .fields import block_inputs, resolved_config
from .foreach import run_loop
from .state import DEAD

if TYPE_CHECKING:  # pragma: no cover
    from .state import RunState

__all__ = ["LevelRun", "error_outputs", "describe_error"]

_EMPTY: dict = {}
_EXPECTED = (BlockError, ExpressionError, NodeloomError, ValidationError, TimeoutError)


def describe_error(exc: BaseException, timeout: float | None = None) -> str:
    if isinstance(exc, TimeoutError) and timeout is not None:
        return f"timed out after {timeout:g} s"
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors())
    text = str(exc)
    return text if isinstance(exc, NodeloomError) and text else f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def error_outputs(np: NodePlan, message: str, exc: BaseException | None) -> dict[str, Any]:
    """Outputs of a failed node with ``on_error: continue``: null everywhere, the error on ``error``."""
    out = {p.name: None for p in np.cls.outputs}
    out[ERROR_PORT] = {"message": message, "type": type(exc).__name__ if exc else "Error", "node_id": np.id}
    return out


def backoff_delay(retry, attempt: int, rng: random.Random) -> float:
    base = min(retry.max_backoff_s, retry.backoff_s * retry.factor ** (attempt - 1))
    return max(0.0, base * (1 + rng.uniform(-retry.jitter, retry.jitter))) if retry.jitter else base


class _Resume:
    """Continue a coroutine that was started inline and suspended on ``first`` — inside a Task from now on."""

    __slots__ = ("coro", "first")

    def __init__(self, coro, first):
        self.coro = coro
        self.first = first

    def __await__(self):
        coro, pending = self.coro, self.first
        while True:
            try:
                yield pending
            except BaseException as exc:  # cancellation or an error thrown in by the Task: forward it
                try:
                    pending = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
                continue
            try:
                pending = coro.send(None)
            except StopIteration as stop:
                return stop.value


class LevelRun(CachingMixin):
    __slots__ = ("run", "level", "env", "loop_vars", "iteration", "sink", "slots", "pending", "ready",
                 "done", "wake", "keys", "parent", "loop_key", "sink_keys")

    def __init__(self, run: "RunState", level: Level, env: dict, loop_vars: dict | None,
                 iteration: tuple[int, ...], sink: dict | None, parent: "LevelRun | None" = None,
                 keys: dict | None = None, loop_key: str = ""):
        self.run = run
        self.parent = parent
        self.keys: dict = keys if keys is not None else {}  # (node, port) → cache key (or (node key, port): key_of)
        self.loop_key = loop_key
        self.sink_keys: dict = {}
        self.level = level
        self.env = env
        self.loop_vars = loop_vars
        self.iteration = iteration
        self.sink = sink
        self.done: deque = deque()
        self.wake: asyncio.Future | None = None

    async def execute(self) -> None:
        lvl, env = self.level, self.env
        self.slots = slots = {u: {} for u in lvl.units}
        self.pending = pending = lvl.pending.copy()
        for unit, key, skey in lvl.prefill:
            slots[unit][key] = env.get(skey, DEAD)
        for collect, skey in lvl.sink_prefill:
            self.sink[collect] = env.get(skey, DEAD)
            self.sink_keys[collect] = self.key_of(skey)
        self.ready = ready = deque(u for u in lvl.units if pending[u] == 0)
        running: dict[asyncio.Task, str] = {}
        limit = self.run.max_concurrency
        nodes = self.run.plan.nodes
        try:
            while ready or running:
                while ready and len(running) < limit:
                    unit = ready.popleft()
                    work = self._start(nodes[unit])
                    if work is None:
                        continue
                    if not ready and not running:
                        # the only thing in flight: await it here, without a Task or a wake-up future
                        self._finish(unit, await work)
                        continue
                    task = asyncio.get_running_loop().create_task(work)
                    running[task] = unit
                    task.add_done_callback(self._on_done)
                if running and not self.done:
                    self.wake = asyncio.get_running_loop().create_future()
                    await self.wake
                while self.done:
                    task = self.done.popleft()
                    self._finish(running.pop(task), task.result())  # raises the node's NodeFailed/CancelledError
        except BaseException:
            for task in running:
                task.cancel()
            if running:
                await asyncio.wait(list(running))
            raise

    def _finish(self, unit: str, result: dict) -> None:
        if self.run.plan.nodes[unit].is_loop:
            for nid, out in result.items():
                self._push(nid, out)
        else:
            self._push(unit, result)

    def _on_done(self, task: asyncio.Task) -> None:
        self.done.append(task)
        w = self.wake
        if w is not None and not w.done():
            w.set_result(None)

    def _push(self, node_id: str, out: dict) -> None:
        consumers = self.level.consumers.get(node_id)
        if not consumers:
            return
        slots, pending = self.slots, self.pending
        for port, unit, key in consumers:
            value = out.get(port, DEAD)
            if unit is SINK:
                self.sink[key] = value
                self.sink_keys[key] = self.key_of((node_id, port))
                continue
            slots[unit][key] = value
            left = pending[unit] - 1
            pending[unit] = left
            if left == 0:
                self.ready.append(unit)

    # -- one node ---------------------------------------------------------------------------------------

    def _inputs(self, np: NodePlan) -> dict | None:
        """The node's input values, or None when it must be skipped (a dead required input, or all dead)."""
        slot = self.slots[np.id]
        if not slot:
            return slot
        dead = [p for p, v in slot.items() if v is DEAD]
        if not dead:
            return slot
        if any(p in np.required for p in dead):
            return None
        if np.exprs is not None and np.exprs.ports:  # a dead reference reads null; links decide skipping
            links = [p for p in slot if p[:1] != "$"]
            if links and all(slot[p] is DEAD for p in links):
                return None
        elif len(dead) == len(slot):
            return None
        return {p: (None if v is DEAD else v) for p, v in slot.items()}

    def _config(self, np: NodePlan, inputs: dict):
        ports = np.config_ports
        if np.exprs is not None:
            overrides = {p: inputs[p] for p in ports if inputs.get(p) is not None} if ports else _EMPTY
            return resolved_config(np, inputs, self.run.run_id, self.loop_vars, overrides)
        if not ports:
            return np.config
        overrides = {p: inputs[p] for p in ports if inputs.get(p) is not None}
        if not overrides:
            return np.config
        return np.cls.Config.model_validate({**np.config.model_dump(), **overrides})

    def _start(self, np: NodePlan) -> Coroutine | None:
        """Start a node: None when it finished at once (outputs pushed), else the coroutine that finishes it."""
        run = self.run
        if np.is_loop:
            return run_loop(self, np, self.slots[np.id])
        if np.bypass is not None:
            self._bypass(np)
            return None
        inputs = self._inputs(np)
        if inputs is None:
            run.finished(np.id, self.iteration, "skipped", 0.0, 0)
            self._set_keys(np, _EMPTY, None)
            self._push(np.id, _EMPTY)
            return None
        if np.pinned is not None and run.use_pins:
            out = run.pinned_outputs(np)
            self._set_keys(np, out, None)
            run.finished(np.id, self.iteration, "cached", 0.0, 0, outputs=out, pinned=True)
            self._push(np.id, out)
            return None
        if run.presets and not self.iteration and np.id in run.presets:
            ref, out = run.presets[np.id]
            self._set_keys(np, out, None)
            run.finished(np.id, self.iteration, "cached", 0.0, 0, outputs=out, ref=ref)
            self._push(np.id, out)
            return None
        key = None
        if np.cls.role == "output" and type(inputs.get("value")) is LazyValue:
            run.outputs[np.config.name] = inputs["value"]  # decoded when the run ends
            run.finished(np.id, self.iteration, "cached", 0.0, 0, ref=inputs["value"].key)
            self._push(np.id, _EMPTY)
            return None
        if run.cache is not None:
            key = self._cache_key(np, inputs)
            if key is not None and run.use_cache:
                if not run.inline_lookups:
                    return self._cached_or_run(np, inputs, key)
                hit = run.cache.lookup(key)  # (on the loop: no window paints on it)
                run.looked(hit is not None)
                if hit is not None:
                    self._push(np.id, self._hit(np, inputs, key, hit))
                    return None
        if run.probing:
            raise ProbeMiss(np.id)
        run.emit(NodeStarted, np.id, self.iteration)
        if not np.fast or (run.cache is not None and has_lazy(inputs)):
            return self._run_node(np, inputs, key)
        t0 = perf_counter()
        ctx = NodeContext(run, np.id, self.iteration, self.loop_vars)
        try:
            coro = np.block.run(ctx, block_inputs(np, inputs), self._config(np, inputs))
            try:
                first = coro.send(None)
            except StopIteration as stop:
                out = self._succeeded(np, stop.value, t0, 1, key)
                self._push(np.id, out)
                return None
        except Exception as exc:
            out = self._failed(np, exc, t0, 1)
            self._push(np.id, out)
            return None
        return self._resume(np, coro, first, t0, key)

    def _bypass(self, np: NodePlan) -> None:
        """A bypassed node: never run (nor looked up, nor skipped); each output carries the value of the input
        the plan picked for it, or nothing (``bypassed``, SPEC §2)."""
        slot = self.slots[np.id]
        out = {}
        for port, source in np.bypass:
            value = slot.get(source, DEAD) if source is not None else DEAD
            if value is not DEAD:
                out[port] = value
        self._bypass_keys(np, out)
        self.run.finished(np.id, self.iteration, "bypassed", 0.0, 0, outputs=out)
        self._push(np.id, out)

    async def _cached_or_run(self, np: NodePlan, inputs: dict, key: str) -> dict:
        """Look the node up in the cache (on the cache's reader threads) and run it only on a miss."""
        run = self.run
        hit = await asyncio.wrap_future(run.cache.lookup_async(key))
        run.looked(hit is not None)
        if hit is not None:
            return self._hit(np, inputs, key, hit)
        if run.probing:
            raise ProbeMiss(np.id)
        run.emit(NodeStarted, np.id, self.iteration)
        return await self._run_node(np, inputs, key)

    def _hit(self, np: NodePlan, inputs: dict, key: str, hit: tuple) -> dict:
        """A node found in the cache: its outputs, read when used; it reports ``cached``."""
        entry, ports = hit
        entry.recompute = functools.partial(self._recompute, np, inputs, key)
        out = {p: LazyValue(entry, p, port_key(key, p)) for p in ports}
        self._set_keys(np, out, key)
        self.run.finished(np.id, self.iteration, "cached", 0.0, 0, outputs=out, ref=key)
        return out

    async def _resume(self, np: NodePlan, coro, first, t0: float, key: str | None) -> dict:
        try:
            return self._succeeded(np, await _Resume(coro, first), t0, 1, key)
        except asyncio.CancelledError:
            self.run.finished(np.id, self.iteration, "cancelled", (perf_counter() - t0) * 1000, 1)
            raise
        except Exception as exc:
            return self._failed(np, exc, t0, 1)

    async def _run_node(self, np: NodePlan, inputs: dict, key: str | None = None) -> dict:
        run, it = self.run, self.iteration
        inputs = await run.resolve_all(inputs)  # cached upstream values: read and decoded off the loop
        retry = np.settings.retry
        attempts = retry.max_attempts if retry else 1
        timeout = np.settings.timeout_s
        t0 = perf_counter()
        attempt = 0
        while True:
            attempt += 1
            ctx = NodeContext(run, np.id, it, self.loop_vars, attempt)
            try:
                config = self._config(np, inputs)
                given = block_inputs(np, inputs)
                if timeout is None:
                    value = await np.block.run(ctx, given, config)
                else:
                    async with asyncio.timeout(timeout):
                        value = await np.block.run(ctx, given, config)
                return self._succeeded(np, value, t0, attempt, key)
            except asyncio.CancelledError:
                run.finished(np.id, it, "cancelled", (perf_counter() - t0) * 1000, attempt)
                raise
            except Exception as exc:
                if attempt >= attempts:
                    return self._failed(np, exc, t0, attempt, timeout)
                delay = backoff_delay(retry, attempt, run.rng)
                run.emit(NodeRetrying, np.id, it, attempt, delay, describe_error(exc, timeout))
            try:
                await asyncio.sleep(delay)
            except asyncio.CancelledError:
                run.finished(np.id, it, "cancelled", (perf_counter() - t0) * 1000, attempt)
                raise

    def _succeeded(self, np: NodePlan, value: Any, t0: float, attempts: int, key: str | None = None) -> dict:
        if not isinstance(value, dict):
            raise BlockError(f"block {np.cls.type!r} returned {type(value).__name__}, not a dict of outputs")
        run = self.run
        ref = None
        if run.cache is not None:
            self._set_keys(np, value, key)
            if value:
                ref = key or derive("out", *(self.key_of((np.id, p)) for p in value))
                run.store(ref, value)
        run.finished(np.id, self.iteration, "succeeded", (perf_counter() - t0) * 1000, attempts, outputs=value,
                     ref=ref)
        return value

    def _failed(self, np: NodePlan, exc: BaseException, t0: float, attempts: int, timeout: float | None = None) -> dict:
        message = describe_error(exc, timeout)
        # expected failures carry no traceback of ours; user code's own traceback (a python block) is kept
        tb = getattr(exc, "code_traceback", None) or (
            None if isinstance(exc, _EXPECTED) else "".join(traceback.format_exception(exc)))
        self.run.finished(np.id, self.iteration, "failed", (perf_counter() - t0) * 1000, attempts,
                          error=message, error_type=type(exc).__name__, tb=tb)
        if np.settings.on_error == "continue":
            out = error_outputs(np, message, exc)
            self._set_keys(np, out, None)
            return out
        raise NodeFailed(np.id, self.iteration, message)
