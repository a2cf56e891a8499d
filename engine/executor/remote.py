"""Loop iterations run elsewhere (SPEC §6b): the interface a cluster backend gives the executor, and the
function its workers run.

The executor never imports a cluster library. A backend (``engine.distributed`` for Dask) implements
:class:`RemoteBackend`; the run service hands it to the executor. What travels is bytes in the cache's own
format (:mod:`engine.cache.codec`: JSON for data, raw pixels for images — never pickled objects of ours):

- ``shared`` (sent once per loop): the workflow document, the loop's node, the values from outside the body
  with their cache keys, the position of the loop (iteration, loop variables, loop key), the run's policy;
- ``batch``: the indexes and items of some iterations.

A worker runs each iteration of its batch with the executor's own level runner, exactly as a local run does
(retries, timeouts, ``on_error``, nested loops, cache keys), records what it would report, and answers with
those records, each iteration's values for the collects and their keys, and the refs of the results that
the run stores. The executor replays the records on the run when the batch returns (see
:mod:`engine.executor.shipping`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any, Callable, Protocol

from ..blocks.registry import default_registry
from ..cache import codec
from ..errors import NodeFailed
from ..graph.plan import compile_plan
from ..model import Workflow
from .iteration import body_run
from .runner import LevelRun
from .state import DEAD, Recording, RunState

__all__ = ["RemoteBackend", "run_batch", "ShippedPolicy"]


class RemoteBackend(Protocol):
    """Where ForEach bodies of portable blocks run. Methods are called on the run's event loop."""

    #: what to say in logs: ``dask://10.0.0.5:8786``, ``local:2``
    name: str

    def workers(self) -> int:
        """How many workers there are now (for sizing batches)."""

    async def share(self, data: bytes) -> Any:
        """Send ``data`` to the workers once; the handle is given to :meth:`submit`."""

    async def submit(self, shared: Any, batch: bytes, stop: str) -> "asyncio.Future[bytes]":
        """Send a batch to run :func:`run_batch` on a worker; the future returned has its answer. ``stop``
        names the flag that :meth:`stop` raises for every batch of the loop."""

    def stop(self, name: str, futures: list) -> None:
        """Stop a loop's batches: those waiting never start, those running end within a second."""

    def release(self, shared: Any) -> None:
        """The loop is over: ``shared`` may be forgotten."""


@dataclass(frozen=True)
class ShippedPolicy:
    allow_python_blocks: bool = True
    max_image_megapixels: float = 200
    models_dir: str = ""  # the run's model library (model blocks read it on the worker: the same path there)


log = logging.getLogger(__name__)
_PLANS: OrderedDict[str, Any] = OrderedDict()  # a worker's compiled plans, by the document's digest (a memo)


def _plan(document: str):
    digest = hashlib.sha256(document.encode("utf-8")).hexdigest()
    plan = _PLANS.get(digest)
    if plan is None:
        plan = compile_plan(Workflow.model_validate_json(document), default_registry())
        _PLANS[digest] = plan
        while len(_PLANS) > 16:
            _PLANS.popitem(last=False)
    return plan


def run_batch(shared: bytes, batch: bytes, should_stop: Callable[[], bool] | None = None) -> bytes:
    """Run a batch of iterations (on a worker; blocking). ``should_stop`` is asked about twice a second; once
    it says yes, the running iteration is cancelled (a python block's process is killed) and the rest skipped."""
    return asyncio.run(_run_batch(codec.decode(shared), codec.decode(batch), should_stop))


async def _watch(task: asyncio.Task, should_stop: Callable[[], bool]) -> None:
    loop = asyncio.get_running_loop()
    while not task.done():
        try:
            stop = await loop.run_in_executor(None, should_stop)
        except Exception:  # noqa: BLE001 - a flag that cannot be read: the batch goes on, and says so
            log.warning("the stop flag of a batch cannot be read", exc_info=True)
            stop = False
        if stop:
            task.cancel()
            return
        await asyncio.sleep(0.25)


def _carried(calls: list, value) -> list | None:
    """[call index, port] of a finished call whose outputs hold ``value`` itself (an image, a list), or None."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return None
    for n, call in enumerate(calls):
        if call[0] == "finished":
            for port, out in (call[6].get("outputs") or {}).items():
                if out is value:
                    return [n, port]
    return None


async def _run_batch(s: dict, b: dict, should_stop) -> bytes:
    plan = _plan(s["workflow"])
    np = plan.nodes[s["foreach"]]
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="nodeloom-shipped")
    state = RunState(s["run_id"], plan, {}, [], base_dir=Path.cwd(), pool=pool, loop=loop,
                     max_concurrency=s["max_concurrency"], rng=random.Random(), use_pins=s["use_pins"],
                     cache=object() if s["caching"] else None, use_cache=False,  # (keys only: the run stores)
                     policy=ShippedPolicy(**s["policy"]))
    rec = Recording.of(state, probing=False)
    outer = LevelRun(rec, np.child, {}, s["loop_vars"], tuple(s["iteration"]), None,
                     keys={(a, p): k for a, p, k in s["keys"]}, loop_key=s["loop_key"])
    gathered = {(a, p): v for a, p, v in s["gathered"]}
    answer: dict = {"items": [], "failed": None, "went_on": [], "stopped": False, "seconds": 0.0}

    async def work() -> None:
        for i, item in zip(b["indexes"], b["items"]):
            rec.calls, rec.stored = [], set()
            sink: dict = {}
            body = body_run(outer, np, gathered, item, i, s["total"], s["items_key"], sink)
            t0 = perf_counter()
            try:
                await body.execute()
            except NodeFailed as e:
                if np.settings.on_error != "continue":
                    answer["failed"] = [e.node_id, list(e.iteration), e.message]
                else:  # (the item's results are null, the batch goes on)
                    answer["went_on"].append({"index": i, "node_id": e.node_id, "message": e.message})
            answer["seconds"] += perf_counter() - t0
            for call in rec.calls:  # which results the run is to store (it has the cache, not this worker)
                if call[0] == "finished" and call[6].get("ref") in rec.stored:
                    call[6]["stored"] = True
            values, same = {}, {}
            for c, v in sink.items():  # a node's output the call already carries is not sent twice
                where = _carried(rec.calls, v)
                if where is None:
                    values[c] = None if v is DEAD else v
                else:
                    same[c] = where
            answer["items"].append({"index": i, "calls": rec.calls, "sink": values, "same": same,
                                    "sink_keys": dict(body.sink_keys)})
            if answer["failed"]:
                return

    task = loop.create_task(work())
    watcher = loop.create_task(_watch(task, should_stop)) if should_stop is not None else None
    try:
        await task
    except asyncio.CancelledError:
        answer["stopped"] = True
    finally:
        if watcher is not None:
            watcher.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
    return codec.encode(answer, compress=False)
