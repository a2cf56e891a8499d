from __future__ import annotations

from ..base import Block, BlockConfig, Port
from ._common import need_image


class ImageGrayscaleBlock(Block):
    """Convert to 8-bit grayscale."""

    type = "image_grayscale"
    portable = True
    category = "image"
    keywords = ("grey", "gray", "greyscale", "monochrome", "black and white", "desaturate")
    inputs = (Port("image", "image"),)
    outputs = (Port("image", "image"),)
    Config = BlockConfig

    async def run(self, ctx, inputs, config):
        return {"image": await ctx.run_blocking(need_image(inputs).convert, "L")}
