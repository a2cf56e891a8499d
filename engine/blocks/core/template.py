from __future__ import annotations

from pydantic import Field

from ...expr import render_template
from ..base import Block, BlockConfig, Port


class TemplateBlock(Block):
    """Fill ``{{path}}`` placeholders from ``data`` (and ``loop``); a lone placeholder keeps its type."""

    type = "template"
    portable = True
    code_fields = ("template",)
    category = "data"
    keywords = ("format", "string", "text", "placeholder", "interpolate", "message")
    inline = True
    inputs = (Port("data", "any", required=False),)
    outputs = (Port("text", "string"),)

    class Config(BlockConfig):
        template: str = Field("", json_schema_extra={"format": "multiline"})

    async def run(self, ctx, inputs, config):
        return {"text": render_template(config.template, ctx.scope(inputs.get("data")))}
