from __future__ import annotations

from pydantic import Field, field_validator

from ...expr import compile_expression, evaluate
from ...errors import OverBudget
from ...expr.budget import Budget
from ..base import Block, BlockConfig, Port

#: steps an expression may take on the event loop; one that needs more runs again on a worker thread, where
#: the node's timeout can end the wait (and its full budget ends the work)
INLINE_STEPS = 20_000


class TransformBlock(Block):
    """Compute a value with a safe expression over ``data`` (and ``loop`` inside a ForEach)."""

    type = "transform"
    portable = True
    code_fields = ("expression",)
    category = "data"
    keywords = ("expression", "compute", "calculate", "formula", "math", "map")
    inline = True
    inputs = (Port("data", "any", required=False),)
    outputs = (Port("result", "any"),)

    class Config(BlockConfig):
        expression: str = Field(min_length=1, json_schema_extra={"format": "expression"})

        @field_validator("expression")
        @classmethod
        def _compiles(cls, v: str) -> str:
            compile_expression(v)  # refuse unsafe or broken expressions at validation time
            return v

    async def run(self, ctx, inputs, config):
        scope = ctx.scope(inputs.get("data"))
        try:
            return {"result": evaluate(config.expression, scope, Budget(INLINE_STEPS))}
        except OverBudget:  # big work: not on the loop (expressions are pure, so running it again is safe)
            return {"result": await ctx.run_blocking(evaluate, config.expression, scope)}
