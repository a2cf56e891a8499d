from __future__ import annotations

from ...expr.templates import lookup, parse_path
from ..base import Block, BlockConfig, Port
from pydantic import field_validator


class GetFieldBlock(Block):
    """The value at a path like ``a.b[0].c`` (null when it does not exist)."""

    type = "get_field"
    portable = True
    category = "data"
    keywords = ("path", "key", "pick", "extract", "property", "lookup")
    inline = True
    inputs = (Port("data", "any"),)
    outputs = (Port("value", "any"),)

    class Config(BlockConfig):
        path: str = ""

        @field_validator("path")
        @classmethod
        def _parses(cls, v: str) -> str:
            parse_path(v)
            return v

    async def run(self, ctx, inputs, config):
        return {"value": lookup(ctx.scope(inputs.get("data")), config.path)}
