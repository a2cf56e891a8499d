"""Typed, immutable run events (SPEC §6).

Events are ``NamedTuple`` classes: immutable, typed, matchable with ``match``/``isinstance``, and built at
the cost of a tuple (the executor emits two per node, so they must be cheap). Every event carries
``run_id``, a per-run sequence number ``seq`` (1, 2, 3, … in emission order) and a wall-clock timestamp
``ts``. ``iteration`` is the tuple of ForEach indexes a body node ran under (``()`` outside loops).
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from ..values import summarize, to_json

__all__ = [
    "RunQueued", "RunStarted", "NodeStarted", "NodeProgress", "NodeRetrying", "NodeFinished", "RunFinished",
    "Event", "EVENT_TYPES", "NODE_STATUSES", "RUN_STATUSES", "event_to_json",
]

NODE_STATUSES = ("idle", "queued", "running", "succeeded", "cached", "skipped", "failed", "cancelled")
RUN_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled", "interrupted")


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
    duration_ms: float
    kind = "run_finished"


Event = RunQueued | RunStarted | NodeStarted | NodeProgress | NodeRetrying | NodeFinished | RunFinished
EVENT_TYPES = {cls.kind: cls for cls in (RunQueued, RunStarted, NodeStarted, NodeProgress, NodeRetrying,
                                         NodeFinished, RunFinished)}


def event_to_json(ev: Event) -> dict:
    """JSON form for streams and logs: node outputs are summarized, run outputs encoded (SPEC §10)."""
    d = ev._asdict()
    d["kind"] = ev.kind
    if isinstance(ev, NodeFinished):
        d["outputs"] = ev.summary()
    elif isinstance(ev, (RunFinished, RunQueued)):
        key = "outputs" if isinstance(ev, RunFinished) else "inputs"
        d[key] = to_json(dict(d[key]))
    if "iteration" in d:
        d["iteration"] = list(d["iteration"])
    return d
