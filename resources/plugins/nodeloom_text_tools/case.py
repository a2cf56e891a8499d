from __future__ import annotations

from typing import Literal

from engine.blocks import Block, BlockConfig, Port


class TextCaseBlock(Block):
    """Change the case of text."""

    type = "text_case"
    category = "text"
    inline = True
    inputs = (Port("text", "string"),)
    outputs = (Port("text", "string"),)

    class Config(BlockConfig):
        case: Literal["upper", "lower", "title"] = "upper"

    async def run(self, ctx, inputs, config):
        text = str(inputs.get("text") or "")
        return {"text": getattr(text, config.case)()}
