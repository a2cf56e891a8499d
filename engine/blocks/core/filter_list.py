from __future__ import annotations

from typing import Any

from ...errors import BlockError
from ..base import Block, BlockConfig, Port
from ..compare import Operator, compare, field_value


class FilterListBlock(Block):
    """Keep the items whose field passes the comparison (operators as in ``condition``)."""

    type = "filter_list"
    portable = True
    category = "data"
    keywords = ("where", "select", "keep", "remove", "list")
    inline = True
    inputs = (Port("items", "list"),)
    outputs = (Port("items", "list"), Port("count", "integer"))

    class Config(BlockConfig):
        field: str = ""
        operator: Operator = "eq"
        value: Any = None

    async def run(self, ctx, inputs, config):
        items = inputs.get("items")
        if not isinstance(items, list):
            raise BlockError(f"filter_list needs a list, not {type(items).__name__}")
        kept = [v for v in items if compare(field_value(v, config.field), config.operator, config.value)]
        return {"items": kept, "count": len(kept)}
