"""A small builder so tests read like the graphs they describe::

    wf = (Flow().node("a", "constant", value=1).node("b", "transform", expression="data + 1")
          .edge("a.value", "b.data").build())
"""

from __future__ import annotations

from typing import Any

from engine.events import NodeFinished, NodeProgress, NodeRetrying, NodeStarted, RunFinished
from engine.model import Workflow


class Flow:
    def __init__(self, name: str = "test"):
        self.doc: dict[str, Any] = {"format": "nodeloom.workflow", "schema_version": 1, "name": name,
                                    "nodes": [], "edges": []}

    def node(self, node_id: str, kind: str, *, settings: dict | None = None, pinned: dict | None = None,
             **config: Any) -> "Flow":
        n: dict[str, Any] = {"id": node_id, "type": kind, "config": config}
        if settings:
            n["settings"] = settings
        if pinned is not None:
            n["pinned"] = pinned
        self.doc["nodes"].append(n)
        return self

    def edge(self, source: str, target: str, edge_id: str | None = None) -> "Flow":
        s, sp = source.split(".", 1)
        t, tp = target.split(".", 1)
        self.doc["edges"].append({"id": edge_id or f"{source}->{target}", "source": s, "source_port": sp,
                                  "target": t, "target_port": tp})
        return self

    def chain(self, *ports: str) -> "Flow":
        for a, b in zip(ports, ports[1:]):
            self.edge(a, b)
        return self

    def build(self) -> Workflow:
        return Workflow.model_validate(self.doc)


def brief(ev) -> tuple:
    """The part of an event a test compares: kind, node, iteration and status-like fields."""
    if isinstance(ev, NodeStarted):
        return ("started", ev.node_id) + ((ev.iteration,) if ev.iteration else ())
    if isinstance(ev, NodeFinished):
        return (ev.status, ev.node_id) + ((ev.iteration,) if ev.iteration else ())
    if isinstance(ev, NodeRetrying):
        return ("retrying", ev.node_id, ev.attempt, round(ev.delay_s, 4))
    if isinstance(ev, NodeProgress):
        return ("progress", ev.node_id, ev.message)
    if isinstance(ev, RunFinished):
        return ("run_finished", ev.status)
    return (ev.kind,)


def run_statuses(cache, wf):
    """(the run's result, each node's last status) of ``wf`` in an executor with ``cache``."""
    import asyncio

    from engine.executor import Executor

    async def go():
        ex = Executor(cache=cache)
        sub = ex.subscribe()
        result = await ex.run(wf)
        ex.close()
        return result, {e.node_id: e.status for e in sub.drain() if isinstance(e, NodeFinished)}

    return asyncio.run(go())
