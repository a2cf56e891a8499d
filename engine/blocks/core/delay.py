from __future__ import annotations

import asyncio

from pydantic import Field

from ..base import Block, BlockConfig, Port


class DelayBlock(Block):
    """Wait, then pass the value on."""

    type = "delay"
    portable = True
    category = "flow"
    keywords = ("wait", "sleep", "pause", "timer")
    inline = True
    deterministic = False
    inputs = (Port("value", "any", required=False),)
    outputs = (Port("value", "any"),)

    class Config(BlockConfig):
        seconds: float = Field(1.0, ge=0, le=300)

    async def run(self, ctx, inputs, config):
        if config.seconds > 0:
            await asyncio.sleep(config.seconds)
        return {"value": inputs.get("value")}
