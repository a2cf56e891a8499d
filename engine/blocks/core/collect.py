from __future__ import annotations

import json

from ...errors import BlockError
from ...expr.templates import resolve_path
from ...values import to_json
from ..base import Block, BlockConfig, Port


class CollectBlock(Block):
    """Gather one value per ForEach iteration, in item order."""

    type = "collect"
    portable = True
    category = "flow"
    keywords = ("gather", "loop", "list", "join", "end of loop")
    role = "collect"
    inline = True
    inputs = (Port("value", "any"),)
    outputs = (Port("items", "list"), Port("count", "integer"))

    class Config(BlockConfig):
        filter_nulls: bool = True
        flatten: bool = False
        unique: bool = False
        unique_key: str = ""

    async def run(self, ctx, inputs, config):
        items = list(inputs.get("value") or [])
        if config.filter_nulls:
            items = [v for v in items if v is not None]
        if config.flatten:
            items = [x for v in items for x in (v if isinstance(v, list) else [v])]
        if config.unique:
            seen, kept = set(), []
            for v in items:
                key = resolve_path(v, config.unique_key) if config.unique_key else v
                try:
                    marker = json.dumps(to_json(key), sort_keys=True)
                except (TypeError, ValueError) as e:
                    raise BlockError(f"cannot compare items for unique: {e}") from None
                if marker not in seen:
                    seen.add(marker)
                    kept.append(v)
            items = kept
        return {"items": items, "count": len(items)}
