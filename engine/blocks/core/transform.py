from __future__ import annotations

from pydantic import Field, field_validator

from ...expr import compile_expression, evaluate
from ..base import Block, BlockConfig, Port


class TransformBlock(Block):
    """Compute a value with a safe expression over ``data`` (and ``loop`` inside a ForEach)."""

    type = "transform"
    category = "data"
    inline = True
    inputs = (Port("data", "any", required=False),)
    outputs = (Port("result", "any"),)

    class Config(BlockConfig):
        expression: str = Field(json_schema_extra={"format": "expression"})

        @field_validator("expression")
        @classmethod
        def _compiles(cls, v: str) -> str:
            compile_expression(v)  # refuse unsafe or broken expressions at validation time
            return v

    async def run(self, ctx, inputs, config):
        return {"result": evaluate(config.expression, ctx.scope(inputs.get("data")))}
