from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ..base import Block, BlockConfig, Port

InputType = Literal["any", "string", "number", "integer", "boolean", "object", "list", "image", "bytes"]


class InputBlock(Block):
    """A workflow input: its value comes from the run's inputs (``-i NAME=VALUE``, HTTP body, run panel)."""

    type = "input"
    category = "workflow"
    keywords = ("parameter", "argument", "start", "variable")
    inline = True
    deterministic = False  # its value comes from the run, so it is keyed by content
    outputs = (Port("value", "any"),)

    class Config(BlockConfig):
        name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z_][\w.-]*$")
        type: InputType = "any"
        default: Any = None
        required: bool = False
        description: str = ""

    @classmethod
    def output_ports(cls, config=None):
        kind = config.type if config is not None else "any"
        return (Port("value", kind),) + super().output_ports(config)[len(cls.outputs):]

    @classmethod
    def starter_config(cls, node_id: str) -> dict:
        return {"name": node_id}

    async def run(self, ctx, inputs, config):
        return {"value": ctx.inputs.get(config.name)}
