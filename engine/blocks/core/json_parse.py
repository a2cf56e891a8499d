from __future__ import annotations

import json

from ...errors import BlockError
from ..base import Block, BlockConfig, Port


class JsonParseBlock(Block):
    """Parse JSON text into a value."""

    type = "json_parse"
    portable = True
    category = "data"
    keywords = ("decode", "load json", "text to object")
    inline = True
    inputs = (Port("text", "string"),)
    outputs = (Port("value", "any"),)
    Config = BlockConfig

    async def run(self, ctx, inputs, config):
        text = inputs.get("text")
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8", errors="replace")
        if not isinstance(text, str):
            raise BlockError(f"json_parse needs text, not {type(text).__name__}")
        try:
            return {"value": json.loads(text)}
        except RecursionError:
            raise BlockError("JSON is nested too deeply") from None
        except json.JSONDecodeError as e:
            raise BlockError(f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
