from __future__ import annotations

from typing import Any

from ...values import from_json
from ..base import Block, BlockConfig, Port


class ConstantBlock(Block):
    """A fixed value (JSON; images and bytes in their ``$type`` form)."""

    type = "constant"
    portable = True
    category = "data"
    keywords = ("value", "fixed", "literal", "json", "number", "text")
    inline = True
    outputs = (Port("value", "any"),)

    class Config(BlockConfig):
        value: Any = None

    async def run(self, ctx, inputs, config):
        return {"value": from_json(config.value)}
