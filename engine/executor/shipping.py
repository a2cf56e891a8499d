"""Run a ForEach's iterations on a cluster (SPEC §6b): the executor's side of :mod:`engine.executor.remote`.

- A loop goes to the cluster only when every block of its body is ``portable`` (``http_request`` only when
  the backend allows the network); otherwise it runs here and says why (a progress message on the foreach
  node, and the log).
- Before anything is sent, each iteration is looked up in the result cache by a look-up-only pass of the
  body: an iteration whose every node is cached reports ``cached`` here and never reaches the cluster (its
  look-ups count as the run's cache hits); the nodes an iteration sent on looked up count as misses (the
  cluster computes them all).
- The rest go in batches: a first batch of one item per worker measures the work, then batches hold
  enough items for about :data:`BATCH_SECONDS` of work (each batch costs this process, the scheduler and the
  worker some 35 ms of CPU, measured), at most two batches per worker in flight. Values from
  outside the body go once (``share``). As a batch returns, its iterations' events are reported in item order,
  their results stored in the cache, and the foreach's progress moves.
- A failed iteration (``on_error: fail``) fails the loop; cancelling the loop stops its batches.

``level`` below is the :class:`~engine.executor.runner.LevelRun` the loop is a unit of.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from typing import TYPE_CHECKING

from ..cache import codec
from ..errors import NodeFailed, ProbeMiss
from .iteration import body_run
from .state import DEAD, Recording, replay

if TYPE_CHECKING:  # pragma: no cover
    from ..graph.plan import NodePlan

__all__ = ["ship_loop", "why_local", "progress_text", "BATCH_SECONDS"]

log = logging.getLogger(__name__)
BATCH_SECONDS = 0.5  # the work a batch aims to hold: its own cost stays small beside it (at 0.1 s it was a third)


def why_local(run, np: "NodePlan") -> str | None:
    """Why the loop ``np`` cannot run on the run's cluster (None: it can)."""
    for nid in run.plan.topo:
        other = run.plan.nodes[nid]
        if np.id not in other.scope:
            continue
        if not other.cls.portable:
            return f"block {other.cls.type!r} ({nid}) is not portable"
        if other.cls.category == "network" and not getattr(run.policy, "cluster_network", False):
            return (f"block {other.cls.type!r} ({nid}) may reach the network only from here (Settings ▸ Cluster: "
                    "let HTTP requests run on the cluster)")
    return None


async def _probe(level, np: "NodePlan", gathered: dict, item, i: int, n: int,
                 items_key: str | None):
    """The iteration's calls and sink when every node of it is cached, else None (the nodes it looked up count
    as the run's misses: the cluster computes them)."""
    rec = Recording.of(level.run, probing=True)
    sink: dict = {}
    body = body_run(level, np, gathered, item, i, n, items_key, sink, run=rec)
    try:
        await body.execute()
    except ProbeMiss:
        for call in rec.calls:
            if call[0] == "looked":
                level.run.looked(False)
        return None
    return rec.calls, sink, body.sink_keys


def _shared(run, level, np: "NodePlan", gathered: dict, n: int, items_key: str | None) -> bytes:
    policy = run.policy
    return _wire({
        "workflow": run.plan.workflow.model_dump_json(), "foreach": np.id, "run_id": run.run_id, "total": n,
        "gathered": [[a, p, v] for (a, p), v in gathered.items()],
        "keys": [[a, p, k] for (a, p) in gathered if (k := level.key_of((a, p))) is not None],
        "iteration": list(level.iteration), "loop_vars": level.loop_vars, "loop_key": level.loop_key,
        "items_key": items_key, "caching": run.cache is not None, "use_pins": run.use_pins,
        "max_concurrency": run.max_concurrency,
        "policy": {"allow_python_blocks": bool(getattr(policy, "allow_python_blocks", True)),
                   "max_image_megapixels": float(getattr(policy, "max_image_megapixels", 200)),
                   "models_dir": str(getattr(policy, "models_dir", "") or "")}})


def _wire(value: dict) -> bytes:
    return codec.encode(value, compress=False)


def progress_text(done: int, n: int, failures: list) -> str:
    """A loop's progress message: "3/10", with the items that failed while it went on: "3/10, 1 failed"."""
    return f"{done}/{n}, {len(failures)} failed" if failures else f"{done}/{n}"


async def ship_loop(level, np: "NodePlan", gathered: dict, items: list, failures: list):
    """The iterations of ``np`` over ``items``: (values per collect, their keys), each in item order; the items that
    failed while the loop went on (on_error: continue) are added to ``failures``."""
    run, fid, it = level.run, np.id, level.iteration
    backend, loop = run.remote, asyncio.get_running_loop()
    n = len(items)
    results = {c: [None] * n for c in np.collects}
    result_keys: dict[str, list] = {c: [None] * n for c in np.collects}
    items_key = level.key_of(np.inputs["items"]) if run.cache is not None else None
    done = 0

    def took(i: int, sink: dict, sink_keys: dict) -> None:
        nonlocal done
        for c in np.collects:
            v = sink.get(c)
            results[c][i] = None if v is DEAD else v
            result_keys[c][i] = sink_keys.get(c)
        done += 1

    # what the body reads from outside (the loop's own items list only when a body node reads it too)
    wanted = {skey for _, _, skey in np.child.prefill} | {skey for _, skey in np.child.sink_prefill}
    gathered = await run.resolve_all({k: v for k, v in gathered.items() if k in wanted})  # (cached ones as values)
    todo = list(range(n))
    if run.cache is not None and run.use_cache:
        todo = []
        for i in range(n):
            hit = await _probe(level, np, gathered, items[i], i, n, items_key)
            if hit is None:
                todo.append(i)
                continue
            calls, sink, sink_keys = hit
            replay(run, calls)
            took(i, sink, sink_keys)
        if done:
            run.emit_progress(fid, it, done / n, f"{done}/{n} cached", None)
    if not todo:
        return results, result_keys
    shared = await backend.share(
        await loop.run_in_executor(run.pool, _shared, run, level, np, gathered, n, items_key))
    stop = f"nodeloom-stop-{run.run_id}-{fid}-{uuid.uuid4().hex[:8]}"
    log.info("run %s: loop %s sends %d of %d items to %s", run.run_id[:8], fid, len(todo), n, backend.name)
    run.emit_progress(fid, it, done / n, f"{len(todo)} of {n} items go to the cluster {backend.name}", None)
    outstanding: dict[asyncio.Future, list[int]] = {}
    per_item: float | None = None  # seconds of work an item takes on a worker, once measured
    pos = 0
    try:
        while pos < len(todo) or outstanding:
            workers = max(1, backend.workers())
            while pos < len(todo) and len(outstanding) < 2 * workers:
                if per_item is None:  # the first wave, one item per worker, measures the work
                    if len(outstanding) >= workers:
                        break
                    size = 1
                else:
                    left = len(todo) - pos
                    size = max(1, min(math.ceil(BATCH_SECONDS / max(per_item, 1e-6)),
                                      math.ceil(left / workers)))
                indexes = todo[pos:pos + size]
                pos += size
                batch = await loop.run_in_executor(run.pool, _wire, {"indexes": indexes,
                                                                     "items": [items[i] for i in indexes]})
                outstanding[await backend.submit(shared, batch, stop)] = indexes
            finished, _ = await asyncio.wait(list(outstanding), return_when=asyncio.FIRST_COMPLETED)
            for fut in sorted(finished, key=lambda f: outstanding[f][0]):
                indexes = outstanding.pop(fut)
                try:
                    answer = await loop.run_in_executor(run.pool, codec.decode, fut.result())
                except asyncio.CancelledError:
                    raise
                except Exception as e:  # noqa: BLE001 - a worker lost, a cluster gone: the loop fails, clearly
                    raise NodeFailed(fid, it, f"the cluster ({backend.name}) could not run items "
                                              f"{indexes[0]}–{indexes[-1]}: {type(e).__name__}: {e}") from None
                for entry in answer["items"]:
                    calls = entry["calls"]
                    replay(run, calls, stored=run.cache is not None)
                    sink = dict(entry["sink"])
                    for c, (call, port) in entry["same"].items():
                        sink[c] = calls[call][6]["outputs"][port]
                    took(entry["index"], sink, entry["sink_keys"])
                if answer["items"]:
                    measured = answer["seconds"] / len(answer["items"])
                    per_item = measured if per_item is None else 0.5 * per_item + 0.5 * measured
                failures.extend(answer.get("went_on", ()))
                if answer["failed"]:
                    node, iteration, message = answer["failed"]
                    raise NodeFailed(node, tuple(iteration), message)
                if len(answer["items"]) != len(indexes):  # (a batch stopped without being asked to)
                    raise NodeFailed(fid, it, f"the cluster ({backend.name}) answered {len(answer['items'])} of "
                                              f"the {len(indexes)} items it was sent")
                run.emit_progress(fid, it, done / n, progress_text(done, n, failures), None)
    except BaseException:
        backend.stop(stop, list(outstanding))  # (also any batch still on its way out)
        for fut in outstanding:
            fut.cancel()  # (nobody reads their answers now)
        raise
    finally:
        backend.release(shared)
    return results, result_keys

