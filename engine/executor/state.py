"""The state of one run: its plan, inputs, event emission, previews and per-node results."""

from __future__ import annotations

import random
from collections import OrderedDict
import threading
import time
from concurrent.futures import Executor as PoolExecutor
from pathlib import Path
from typing import Any

from PIL import Image

from ..cache import LazyValue, has_lazy
from ..cache.codec import CorruptEntry
from ..errors import BlockError
from ..values import from_json
from ..events import NodeFinished, NodeProgress, NodeRetrying, NodeStarted


__all__ = ["DEAD", "RunState", "NodeRecord", "Recording", "replay"]


class _Dead:
    __slots__ = ()

    def __repr__(self) -> str:
        return "DEAD"


DEAD: Any = _Dead()  # the value of a port that did not emit (an untaken branch, a skipped node)
_RANK = {"skipped": 1, "bypassed": 2, "cached": 3, "succeeded": 4, "cancelled": 5, "failed": 6}
MAX_PREVIEWS = 64  # the latest previews a run keeps (a long image loop must not hold every picture)


class _Recent(OrderedDict):
    """A dict that forgets its oldest entries beyond ``limit``."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


class NodeRecord:
    """What the run result says about one node (over all its iterations when inside a loop)."""

    __slots__ = ("status", "duration_ms", "attempts", "error")

    def __init__(self, status: str, duration_ms: float, attempts: int, error: str | None):
        self.status, self.duration_ms, self.attempts, self.error = status, duration_ms, attempts, error

    def to_json(self) -> dict:
        return {"status": self.status, "duration_ms": round(self.duration_ms, 3), "attempts": self.attempts,
                "error": self.error}


class RunState:
    probing = False  # a Recording that only looks results up (see engine.executor.shipping)

    def __init__(self, run_id: str, plan, inputs: dict, subscriptions: list, *, base_dir: Path, pool: PoolExecutor,
                 loop, max_concurrency: int, rng: random.Random, use_pins: bool, cache=None, use_cache: bool = True,
                 presets: dict | None = None, policy=None):
        self.run_id = run_id
        self.started = False        # its task took its first step (Execution.cancel before that: cancel_early)
        self.cancel_early = False
        self.policy = policy        # what the run may do (engine.blocks.Policy)
        self.plan = plan
        self.inputs = inputs
        self.subs = subscriptions
        self.base_dir = base_dir
        self.pool = pool
        self.loop = loop
        self.thread_id = threading.get_ident()
        self.max_concurrency = max_concurrency
        self.rng = rng
        self.use_pins = use_pins
        self.cache = cache          # a ResultCache, or None: nothing is looked up, keyed or stored
        self.use_cache = use_cache  # False: compute everything (results are still stored)
        self.inline_lookups = False  # look results up on the loop, not on the cache's reader threads
        self.writes: list = []      # pending cache writes (concurrent futures)
        self.cache_tag: str | None = None  # what its cache writes are tagged with: its stored workflow's id
        self.defer_writes = False  # its results are written by its recorder, not waited for here (Executor.defer_writes)
        self.cache_hits = 0         # cache look-ups that found the node's result (it reported ``cached``)
        self.cache_misses = 0       # look-ups that did not (the node computed)
        self.presets = presets or {}  # node id → outputs to use instead of running it (replay)
        self.children = None          # what runs sub-workflows (the run service's ChildRuns), or None
        self.lineage: tuple[str, ...] = ()  # stored workflows this run is nested in, outermost first
        self.seq = 0
        self.outputs: dict[str, Any] = {}
        self.records: dict[str, NodeRecord] = {}
        self.previews: dict[str, Any] = _Recent(MAX_PREVIEWS)  # preview key → image
        self.remote = None  # where portable ForEach bodies run (engine.executor.remote.RemoteBackend), or None
        self.once_values: dict = {}  # what its nodes worked out once for the whole run (NodeContext.once)

    def emit(self, cls, *fields):
        self.seq += 1
        ev = cls(self.run_id, self.seq, time.time(), *fields)
        rid = self.run_id
        for sub in self.subs:
            if sub.run_id is None or sub.run_id == rid:
                sub.push(ev)
        return ev

    def finished(self, node_id: str, iteration: tuple, status: str, duration_ms: float, attempts: int, *,
                 error: str | None = None, error_type: str | None = None, tb: str | None = None,
                 outputs: dict | None = None, pinned: bool = False, ref: str | None = None) -> None:
        preview = self._preview_ref(node_id, iteration, outputs) if status != "cached" else None
        self.emit(NodeFinished, node_id, iteration, status, duration_ms, attempts, error, error_type, tb,
                  outputs if outputs is not None else {}, preview, pinned, ref)
        rec = self.records.get(node_id)
        if rec is None:
            self.records[node_id] = NodeRecord(status, duration_ms, attempts, error)
        else:
            rec.duration_ms += duration_ms
            rec.attempts = max(rec.attempts, attempts)
            if _RANK[status] >= _RANK[rec.status]:
                rec.status, rec.error = status, error or rec.error

    def emit_progress(self, node_id: str, iteration: tuple, fraction, message: str, preview: str | None) -> None:
        self.emit(NodeProgress, node_id, iteration, fraction, message, preview)

    @staticmethod
    def preview_key(node_id: str, iteration: tuple) -> str:
        return node_id + "".join(f"[{i}]" for i in iteration)

    def set_preview(self, node_id: str, iteration: tuple, image: Any, message: str = "") -> None:
        key = self.preview_key(node_id, iteration)
        self.previews[key] = image
        self.emit_progress(node_id, iteration, None, message, key)

    def _preview_ref(self, node_id: str, iteration: tuple, outputs: dict | None) -> str | None:
        """The node's preview: what it offered with ``ctx.preview``, else its first image output."""
        if self.previews:
            key = self.preview_key(node_id, iteration)
            if key in self.previews:
                return key
        if outputs:
            for v in outputs.values():
                if isinstance(v, Image.Image):
                    key = self.preview_key(node_id, iteration)
                    self.previews[key] = v
                    return key
        return None

    def looked(self, hit: bool) -> None:
        """A node was looked up in the cache: found (``hit``) or to be computed."""
        if hit:
            self.cache_hits += 1
        else:
            self.cache_misses += 1

    def store(self, ref: str, outputs: dict) -> None:
        """Keep a node's outputs addressable under ``ref`` (written on the cache's own thread)."""
        if not outputs:
            return
        if self.defer_writes and not any(type(v) in _HEAVY or isinstance(v, Image.Image) for v in outputs.values()):
            # (its recorder writes them before its records: ResultCache.put_later; pictures and bytes, whose
            # encoding takes a while, stay on the cache's own writer, so the recorder never waits on them)
            self.cache.put_later(ref, outputs, if_missing=True, tag=self.cache_tag)
        else:  # whether it is stored already is asked on the cache's thread, not here
            self.wrote(self.cache.put_async(ref, outputs, if_missing=True, tag=self.cache_tag))

    def wrote(self, fut) -> None:
        """A cache write under way, to wait for before the run ends (puts in one batch share their future)."""
        writes = self.writes
        if not writes or writes[-1] is not fut:
            writes.append(fut)

    async def resolve(self, value: Any) -> Any:
        """The real value behind a cached one: read and decoded off the loop; an unreadable entry is computed
        again by the node that made it (as if it had been a miss)."""
        if type(value) is not LazyValue:
            return value
        entry = value.entry
        if not entry.loaded:
            try:
                await self.loop.run_in_executor(self.pool, entry.values)
            except CorruptEntry as e:
                if entry.recompute is None:
                    raise BlockError(f"a stored result could not be read ({e})") from None
                entry.set_values(await entry.recompute())
        return entry.values().get(value.port)

    async def resolve_all(self, values: dict) -> dict:
        if not has_lazy(values):
            return values
        return {k: await self.resolve(v) for k, v in values.items()}

    def pinned_outputs(self, np) -> dict:
        return {port: from_json(v) for port, v in (np.pinned or {}).items()}


_HEAVY = (bytes, bytearray)


class Recording(RunState):
    """A run's stand-in that keeps what it would report (``calls``) instead of reporting it, and the refs of
    the results it would store: for a look-up-only pass over a loop iteration (``probing``: a node that would
    have to run raises :class:`~engine.errors.ProbeMiss`), and for iterations run on a cluster's worker, whose calls are
    replayed on the run they belong to (:func:`replay`)."""

    @classmethod
    def of(cls, run: RunState, *, probing: bool) -> "Recording":
        rec = object.__new__(cls)
        rec.__dict__.update(run.__dict__)
        rec.probing = probing
        rec.remote = None  # (a loop nested in the iteration runs where the iteration does)
        rec.calls, rec.stored, rec.records, rec.writes, rec.subs = [], set(), {}, [], []
        return rec

    def emit(self, cls, *fields):
        self.calls.append(("emit", cls.__name__, *fields))

    def finished(self, node_id: str, iteration: tuple, status: str, duration_ms: float, attempts: int,
                 **kw: Any) -> None:
        self.calls.append(("finished", node_id, iteration, status, duration_ms, attempts, kw))

    def store(self, ref: str, outputs: dict) -> None:
        if outputs:
            self.stored.add(ref)

    def looked(self, hit: bool) -> None:
        self.calls.append(("looked", hit))


_EVENTS = {c.__name__: c for c in (NodeStarted, NodeProgress, NodeRetrying)}


def replay(run: RunState, calls: list, stored: bool = False) -> None:
    """Report recorded ``calls`` on ``run``, in their order; with ``stored``, the results a finished call
    names as stored (``stored=True`` in its keywords) are stored on ``run`` too."""
    for call in calls:
        if call[0] == "looked":
            run.looked(call[1])
        elif call[0] == "emit":
            cls = _EVENTS[call[1]]
            fields = list(call[2:])
            fields[1] = tuple(fields[1])
            if cls is NodeProgress:
                fields[-1] = None  # (a preview offered on another machine is not here to show)
            run.emit(cls, *fields)
        else:
            _, node_id, iteration, status, duration_ms, attempts, kw = call
            kw = dict(kw)
            keep = kw.pop("stored", False)
            run.finished(node_id, tuple(iteration), status, duration_ms, attempts, **kw)
            if stored and keep and kw.get("ref"):
                run.store(kw["ref"], kw.get("outputs") or {})
