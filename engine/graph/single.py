"""A one-block workflow: the block wired to an input node per input and an output node per output (node tests,
``/nodes/test``, ``run_block``). Shared vocabulary: the launcher and the executor's helpers both build it."""

from __future__ import annotations

from ..model import Workflow

__all__ = ["single_block_workflow"]


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
