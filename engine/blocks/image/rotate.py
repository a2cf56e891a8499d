from __future__ import annotations

from pydantic import Field

from ..base import Block, BlockConfig, Port
from ._common import need_image


class ImageRotateBlock(Block):
    """Rotate counter-clockwise by ``degrees``; ``expand`` grows the canvas to fit."""

    type = "image_rotate"
    portable = True
    category = "image"
    keywords = ("turn", "angle", "degrees", "orientation")
    inputs = (Port("image", "image"),)
    outputs = (Port("image", "image"),)

    class Config(BlockConfig):
        degrees: float = Field(90.0, ge=-3600, le=3600)
        expand: bool = True

    async def run(self, ctx, inputs, config):
        img = need_image(inputs)
        return {"image": await ctx.run_blocking(img.rotate, config.degrees, expand=config.expand)}
