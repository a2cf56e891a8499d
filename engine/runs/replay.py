"""Replaying a run from a node (SPEC §6a): what the nodes before it left is reused as it was stored."""

from __future__ import annotations

from typing import Any, Callable

from ..graph.digraph import DiGraph, descendants
from ..model import Workflow
from ..store import Store

__all__ = ["replay_presets"]


def replay_presets(store: Store, stored_outputs: Callable[[str], dict[str, Any] | None], wf: Workflow,
                   run_id: str, from_node: str) -> dict:
    """node id → (output ref, stored outputs) of the top-level nodes of run ``run_id`` that are not
    ``from_node`` or downstream of it (a node whose outputs were evicted runs again)."""
    graph = DiGraph()
    graph.add_nodes_from(n.id for n in wf.nodes)
    graph.add_edges_from((e.source, e.target) for e in wf.edges)
    rerun = {from_node} | descendants(graph, from_node)
    presets = {}
    for nr in store.runs.nodes(run_id):
        if nr.node_id in rerun or nr.iteration or not nr.output_ref:
            continue
        outputs = stored_outputs(nr.output_ref)
        if outputs is not None:
            presets[nr.node_id] = (nr.output_ref, outputs)
    return presets
