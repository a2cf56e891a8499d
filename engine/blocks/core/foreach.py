from __future__ import annotations

from pydantic import Field

from ...errors import BlockError
from ..base import Block, BlockConfig, Port


class ForEachBlock(Block):
    """Run the nodes between this and a ``collect`` once per item of the list: one item after another, or up to
    ``batch_size`` at a time with ``parallel``. Inside, ``loop.item`` and ``loop.index`` are the item and its place.

    (How the body runs: engine.executor.foreach.)"""

    type = "foreach"
    portable = True
    category = "flow"
    keywords = ("loop", "for each", "iterate", "repeat", "map", "each item")
    role = "foreach"
    inline = True
    inputs = (Port("items", "list"),)
    outputs = (Port("item", "any"), Port("index", "integer"))

    class Config(BlockConfig):
        max_iterations: int = Field(0, ge=0, description="0 = all items")
        parallel: bool = False
        batch_size: int = Field(10, ge=1, le=1000)

    async def run(self, ctx, inputs, config):
        items = inputs.get("items")
        if isinstance(items, dict):
            items = list(items.values())
        if not isinstance(items, (list, tuple)):
            raise BlockError(f"foreach needs a list of items, not {type(items).__name__}")
        items = list(items)
        return {"items": items[: config.max_iterations] if config.max_iterations else items}
