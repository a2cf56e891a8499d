"""ForEach: run a loop body once per item, sequentially or ``batch_size`` items at a time.

The loop is one unit of its level. It starts when the ``foreach``'s items and every outside value its body
reads are known; each iteration runs the body (a child :class:`LevelRun`) with those values plus the
foreach's ``item`` and ``index``, and ``loop.item/index/total/first/last`` (and ``loop.parent`` when nested)
in scope. Each collect receives its body value per iteration, in item order (a skipped value is null). The
foreach reports ``node_progress`` after each iteration (at most one per percent of the items); a body node failing with ``on_error: fail`` fails the
foreach and the run, cancelling the iterations still running — unless the foreach itself has ``on_error: continue``:
then that item's results are null (its failed node is recorded as failed) and the other items run.

``level`` below is the :class:`~engine.executor.runner.LevelRun` the loop is a unit of (the runner calls
:func:`run_loop` with itself); iterations are runs of its class (:func:`~engine.executor.iteration.body_run`).
"""

from __future__ import annotations

import asyncio
import logging
from time import perf_counter
from typing import TYPE_CHECKING

from ..blocks.base import ERROR_PORT
from ..cache import derive
from ..errors import NodeFailed
from ..events import NodeStarted
from .context import NodeContext
from .iteration import body_run
from .shipping import progress_text, ship_loop, why_local
from .state import DEAD

if TYPE_CHECKING:  # pragma: no cover
    from ..graph.plan import NodePlan

__all__ = ["run_loop"]

log = logging.getLogger(__name__)


def _skip_loop(level, np: "NodePlan") -> dict:
    run = level.run
    for nid in run.plan.topo:
        other = run.plan.nodes[nid]
        if nid == np.id or np.id in other.scope:
            run.finished(nid, level.iteration, "skipped", 0.0, 0)
            level._set_keys(other, {}, None)
    return {np.id: {}, **{c: {} for c in np.collects}}


async def _iterate(level, np: "NodePlan", gathered: dict, items: list, failures: list):
    run, fid = level.run, np.id
    n = len(items)
    results = {c: [None] * n for c in np.collects}
    result_keys: dict[str, list] = {c: [None] * n for c in np.collects}
    caching = run.cache is not None
    items_key = level.key_of(np.inputs["items"]) if caching else None
    go_on = np.settings.on_error == "continue"
    done = 0

    async def one(i: int) -> None:
        nonlocal done
        sink: dict = {}
        body = body_run(level, np, gathered, items[i], i, n, items_key, sink)
        try:
            await body.execute()
        except NodeFailed as e:
            if not go_on:
                raise
            sink = {}  # (its failure is recorded by the body node that failed: the item's results are null)
            failures.append({"index": i, "node_id": e.node_id, "message": e.message})
        for c, v in sink.items():
            results[c][i] = None if v is DEAD else v
            result_keys[c][i] = body.sink_keys.get(c)
        done += 1
        if n <= 100 or done * 100 // n != (done - 1) * 100 // n:  # at most one progress event per percent
            run.emit_progress(fid, level.iteration, done / n, progress_text(done, n, failures), None)

    if not np.config.parallel or n < 2:
        for i in range(n):
            await one(i)
        return results, result_keys
    indexes = iter(range(n))

    async def worker() -> None:
        for i in indexes:
            await one(i)

    loop = asyncio.get_running_loop()
    workers = [loop.create_task(worker()) for _ in range(min(np.config.batch_size, n))]
    try:
        finished, _ = await asyncio.wait(workers, return_when=asyncio.FIRST_EXCEPTION)
        for w in finished:
            if w.exception() is not None:
                raise w.exception()
    except BaseException:
        for w in workers:
            w.cancel()
        await asyncio.wait(workers)
        raise
    return results, result_keys


def failed_items(np: "NodePlan", failures: list, n: int) -> dict:
    """The loop's ``error`` port when items failed and it went on (on_error: continue): what any node's is, with
    the failed items (in item order)."""
    failures = sorted(failures, key=lambda f: f["index"])
    said = "; ".join(f"{f['node_id']}[{f['index']}]: {f['message']}" for f in failures[:3])
    more = f"; and {len(failures) - 3} more" if len(failures) > 3 else ""
    return {"message": f"{len(failures)} of {n} items failed: {said}{more}", "type": "NodeFailed",
            "node_id": np.id, "items": failures}


def _to_cluster(run, np: "NodePlan", it: tuple) -> bool:
    reason = why_local(run, np)
    if reason is not None:
        message = f"runs on this machine, not on {run.remote.name}: {reason}"
        log.info("run %s: loop %s %s", run.run_id[:8], np.id, message)
        run.emit_progress(np.id, it, None, message, None)
    return reason is None


async def run_loop(level, np: "NodePlan", gathered: dict) -> dict[str, dict]:
    """Run one loop unit; returns the outputs of the foreach and of each of its collects."""
    run, it = level.run, level.iteration
    items = await run.resolve(gathered.get(np.inputs["items"], DEAD))
    if items is DEAD:
        return _skip_loop(level, np)
    run.emit(NodeStarted, np.id, it)
    t0 = perf_counter()
    outputs: dict[str, dict] = {}
    try:
        out = await np.block.run(NodeContext(run, np.id, it, level.loop_vars), {"items": items}, np.config)
        items = out["items"]
    except Exception as exc:
        outputs[np.id] = level._failed(np, exc, t0, 1)  # raises NodeFailed unless on_error: continue
        items = []
    failures: list[dict] = []  # items that failed while the loop went on (on_error: continue)
    try:
        if run.remote is not None and items and _to_cluster(run, np, it):
            results, result_keys = await ship_loop(level, np, gathered, items, failures)
        else:
            results, result_keys = await _iterate(level, np, gathered, items, failures)
    except NodeFailed as exc:
        run.finished(np.id, it, "failed", (perf_counter() - t0) * 1000, 1, error=str(exc), error_type="NodeFailed")
        raise
    except asyncio.CancelledError:
        run.finished(np.id, it, "cancelled", (perf_counter() - t0) * 1000, 1)
        raise
    if np.id not in outputs:
        outputs[np.id] = {ERROR_PORT: failed_items(np, failures, len(items))} if failures else {}
        level._set_keys(np, outputs[np.id], None)
        run.finished(np.id, it, "succeeded", (perf_counter() - t0) * 1000, 1,
                     outputs={"items": items, **outputs[np.id]})
    for c in np.collects:
        cp = run.plan.nodes[c]
        run.emit(NodeStarted, c, it)
        tc = perf_counter()
        ctx = NodeContext(run, c, it, level.loop_vars)
        keys = result_keys[c]
        key = derive("collect", cp.config_json, *keys) if run.cache is not None and all(keys) else None
        try:
            values = [await run.resolve(v) for v in results[c]]
            value = await cp.block.run(ctx, {"value": values}, cp.config)
            outputs[c] = value
            level._set_keys(cp, value, key)
            run.finished(c, it, "succeeded", (perf_counter() - tc) * 1000, 1, outputs=value)
        except Exception as exc:
            outputs[c] = level._failed(cp, exc, tc, 1)
    return outputs
