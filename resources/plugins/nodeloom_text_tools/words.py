from __future__ import annotations

import re

from pydantic import Field

from engine.blocks import Block, BlockConfig, Port


class TextWordsBlock(Block):
    """Split text into words; count them."""

    type = "text_words"
    category = "text"
    inline = True
    inputs = (Port("text", "string"),)
    outputs = (Port("words", "list"), Port("count", "integer"))

    class Config(BlockConfig):
        min_length: int = Field(1, ge=1, le=100, description="shorter words are left out")

    async def run(self, ctx, inputs, config):
        words = [w for w in re.findall(r"[\w'-]+", str(inputs.get("text") or "")) if len(w) >= config.min_length]
        return {"words": words, "count": len(words)}
