"""Run one block on given inputs and config, through the real executor (node tests, ``/nodes/test``)."""

from __future__ import annotations

from typing import Any

from ..errors import Issue, WorkflowInvalid
from ..model import Workflow

__all__ = ["single_block_workflow", "run_block"]


def single_block_workflow(block_type: str, input_names: list[str], config: dict, output_names: list[str],
                          settings: dict | None = None) -> Workflow:
    nodes: list[dict] = [{"id": "node", "type": block_type, "config": config, "settings": settings or {}}]
    edges: list[dict] = []
    for name in input_names:
        nodes.append({"id": f"in_{name}", "type": "input", "config": {"name": name}})
        edges.append({"id": f"e_in_{name}", "source": f"in_{name}", "source_port": "value",
                      "target": "node", "target_port": name})
    for name in output_names:
        nodes.append({"id": f"out_{name}", "type": "output", "config": {"name": name}})
        edges.append({"id": f"e_out_{name}", "source": "node", "source_port": name,
                      "target": f"out_{name}", "target_port": "value"})
    return Workflow.model_validate({"name": f"test {block_type}", "nodes": nodes, "edges": edges})


async def run_block(executor, block_type: str, inputs: dict[str, Any] | None = None,
                    config: dict | None = None, **kw: Any):
    """Returns the run's :class:`RunResult`; its ``outputs`` are the block's outputs by port name."""
    cls = executor.registry.get(block_type)
    if cls is None:
        raise WorkflowInvalid([Issue("unknown_block", f"unknown block type {block_type!r}", "node")])
    outs = [p.name for p in cls.output_ports()]
    wf = single_block_workflow(block_type, list(inputs or {}), config or {}, outs)
    return await executor.run(wf, inputs or {}, **kw)
