"""Typed, immutable run events (SPEC §6) — a leaf module: the executor emits them, the run service records and
streams them, the store writes the few a run gets without running (ended while queued, interrupted).

Events are ``NamedTuple`` classes: immutable, typed, matchable with ``match``/``isinstance``, and built at
the cost of a tuple (the executor emits two per node, so they must be cheap). Every event carries
``run_id``, a per-run sequence number ``seq`` and a wall-clock timestamp ``ts``. ``seq`` rises in emission
order and never repeats within a run, across attempts too: attempt *k* numbers its events from
:func:`attempt_base` (k) + 1, and an attempt after the first begins with ``run_restarted`` (SPEC §9).
``iteration`` is the tuple of ForEach indexes a body node ran under (``()`` outside loops).

:func:`event_to_json` is the one place an event becomes JSON (streams, logs, the stored events).
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from .values import summarize, to_json

__all__ = [
    "RunRestarted", "RunQueued", "RunStarted", "NodeStarted", "NodeProgress", "NodeRetrying", "NodeFinished",
    "RunFinished", "Event", "EVENT_TYPES", "NODE_STATUSES", "RUN_STATUSES", "event_to_json", "attempt_base",
    "ATTEMPT_SEQ", "cache_json", "hit_rate",
]

#: (``bypassed``: the node was switched off for runs, its outputs carry its inputs — SPEC §2)
NODE_STATUSES = ("idle", "queued", "running", "succeeded", "cached", "skipped", "bypassed", "failed", "cancelled")
RUN_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled", "interrupted")


#: the seq numbers of one attempt of a run: attempt k's events are numbered from (k - 1) * ATTEMPT_SEQ + 1, so an
#: event a client saw from an attempt that died before storing it is never numbered again
ATTEMPT_SEQ = 1_000_000_000


def attempt_base(attempt: int) -> int:
    """The seq just before attempt ``attempt``'s first event (attempt 1: 0)."""
    return (max(1, attempt) - 1) * ATTEMPT_SEQ


class RunRestarted(NamedTuple):
    """The first event of an attempt after the first: the run starts again (its process stopped), from scratch."""

    run_id: str
    seq: int
    ts: float
    attempt: int
    reason: str
    kind = "run_restarted"


class RunQueued(NamedTuple):
    run_id: str
    seq: int
    ts: float
    workflow: str
    inputs: Mapping[str, Any]
    kind = "run_queued"


class RunStarted(NamedTuple):
    run_id: str
    seq: int
    ts: float
    node_count: int
    kind = "run_started"


class NodeStarted(NamedTuple):
    run_id: str
    seq: int
    ts: float
    node_id: str
    iteration: tuple[int, ...]
    kind = "node_started"


class NodeProgress(NamedTuple):
    run_id: str
    seq: int
    ts: float
    node_id: str
    iteration: tuple[int, ...]
    fraction: float | None
    message: str
    preview: str | None
    kind = "node_progress"


class NodeRetrying(NamedTuple):
    run_id: str
    seq: int
    ts: float
    node_id: str
    iteration: tuple[int, ...]
    attempt: int
    delay_s: float
    error: str
    kind = "node_retrying"


class NodeFinished(NamedTuple):
    run_id: str
    seq: int
    ts: float
    node_id: str
    iteration: tuple[int, ...]
    status: str
    duration_ms: float
    attempts: int
    error: str | None
    error_type: str | None
    traceback: str | None
    outputs: Mapping[str, Any]
    preview: str | None
    pinned: bool
    output_ref: str | None  # where the outputs are stored (the cache key for deterministic nodes)
    kind = "node_finished"

    def summary(self) -> dict[str, str]:
        """A short description of each output value (the full values stay in ``outputs``)."""
        return {port: summarize(v) for port, v in self.outputs.items()}


class RunFinished(NamedTuple):
    run_id: str
    seq: int
    ts: float
    status: str
    outputs: Mapping[str, Any]
    error: str | None
    duration_ms: float | None  # (None: a run that ended without running on — cancelled queued, interrupted)
    cache_hits: int | None = None    # its cache look-ups that found a result (None: unknown, it never ran on)
    cache_misses: int | None = None  # those that did not: the node computed
    kind = "run_finished"


Event = (RunRestarted | RunQueued | RunStarted | NodeStarted | NodeProgress | NodeRetrying | NodeFinished
         | RunFinished)
EVENT_TYPES = {cls.kind: cls for cls in (RunRestarted, RunQueued, RunStarted, NodeStarted, NodeProgress,
                                         NodeRetrying, NodeFinished, RunFinished)}


def hit_rate(hits: int, misses: int) -> float | None:
    """hits / (hits + misses), rounded to 4 places; None when nothing was looked up."""
    looked = hits + misses
    return round(hits / looked, 4) if looked else None


def cache_json(hits: int | None, misses: int | None) -> dict | None:
    """A run's cache use as JSON — the run object's and ``run_finished``'s ``cache``: ``{hits, misses, hit_rate}``
    (``hit_rate`` null when nothing was looked up), or None when unknown (a run recorded before it was counted)."""
    if hits is None or misses is None:
        return None
    return {"hits": hits, "misses": misses, "hit_rate": hit_rate(hits, misses)}


def event_to_json(ev: Event, **encoded: Any) -> dict:
    """The event as JSON, for streams, logs and the store: node outputs summarized, run inputs and outputs
    encoded (SPEC §10). ``encoded`` gives fields already in that form (the recorder encodes them once)."""
    d = ev._asdict()
    d["kind"] = ev.kind
    if isinstance(ev, NodeFinished):
        d["outputs"] = ev.summary() if "outputs" not in encoded else encoded["outputs"]
    elif isinstance(ev, (RunFinished, RunQueued)):
        key = "outputs" if isinstance(ev, RunFinished) else "inputs"
        d[key] = encoded[key] if key in encoded else to_json(dict(d[key]))
        if isinstance(ev, RunFinished):  # (as the run object has it)
            d["cache"] = cache_json(d.pop("cache_hits"), d.pop("cache_misses"))
    if "iteration" in d:
        d["iteration"] = list(d["iteration"])
    return d
