from __future__ import annotations

from pydantic import Field

from ..base import Block, BlockConfig, Port


class OutputBlock(Block):
    """A workflow output: its value is returned by the run under ``name``."""

    type = "output"
    category = "workflow"
    keywords = ("result", "return", "end")
    inline = True
    deterministic = False
    role = "output"  # with a cached input it is "cached" too: the executor passes the value through
    inputs = (Port("value", "any"),)

    class Config(BlockConfig):
        name: str = Field(min_length=1, max_length=200)

    @classmethod
    def starter_config(cls, node_id: str) -> dict:
        return {"name": node_id}

    async def run(self, ctx, inputs, config):
        ctx.emit_output(config.name, inputs.get("value"))
        return {}
