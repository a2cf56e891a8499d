from __future__ import annotations

from typing import Literal

from pydantic import Field

from ...errors import BlockError
from ..base import Block, BlockConfig, Port


class SubWorkflowBlock(Block):
    """Run another stored workflow: ``input_data`` feeds its inputs, its outputs come back as ``output_data``."""

    type = "sub_workflow"
    category = "flow"
    keywords = ("call", "nested", "reuse", "subflow", "child workflow")
    deterministic = False  # "latest" changes with every save, and the child run is recorded each time
    acts_on_world = True  # its child run is recorded, and may itself write or send (not looked into)
    inputs = (Port("input_data", "object", required=False),)
    outputs = (Port("output_data", "object"), Port("run_id", "string"), Port("duration_ms", "number"))

    class Config(BlockConfig):
        workflow: str = Field("", description="the stored workflow's id or its (unique) name",
                              json_schema_extra={"format": "workflow"})
        version: int | None = Field(None, ge=1, description="empty: the latest version")
        execution_mode: Literal["sync", "async"] = Field(
            "sync", description="sync waits for its outputs; async starts it as its own run and returns its id")
        timeout_seconds: float = Field(300, ge=10, le=3600, title="Timeout (s)")

    async def run(self, ctx, inputs, config):
        if not config.workflow.strip():
            raise BlockError("no workflow chosen")
        data = inputs.get("input_data")
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise BlockError(f"input_data must be an object mapping input names to values, not {type(data).__name__}")
        return await ctx.sub_workflow(config.workflow.strip(), config.version, data, mode=config.execution_mode,
                                      timeout_s=config.timeout_seconds)
