"""Run one block on given inputs and config, through the real executor (node tests, ``/nodes/test``)."""

from __future__ import annotations

from typing import Any

from ..errors import Issue, WorkflowInvalid
from ..graph.single import single_block_workflow

__all__ = ["run_block"]


async def run_block(executor, block_type: str, inputs: dict[str, Any] | None = None,
                    config: dict | None = None, **kw: Any):
    """Returns the run's :class:`RunResult`; its ``outputs`` are the block's outputs by port name."""
    cls = executor.registry.get(block_type)
    if cls is None:
        raise WorkflowInvalid([Issue("unknown_block", f"unknown block type {block_type!r}", "node")])
    outs = [p.name for p in cls.output_ports()]
    wf = single_block_workflow(block_type, list(inputs or {}), config or {}, outs)
    return await executor.run(wf, inputs or {}, **kw)
