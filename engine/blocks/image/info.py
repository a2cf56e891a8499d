from __future__ import annotations

from ..base import Block, BlockConfig, Port
from ._common import need_image


class ImageInfoBlock(Block):
    """Size, mode, format and histogram of an image."""

    type = "image_info"
    portable = True
    category = "image"
    keywords = ("size", "dimensions", "width", "height", "histogram", "metadata")
    inputs = (Port("image", "image"),)
    outputs = (Port("width", "integer"), Port("height", "integer"), Port("mode", "string"),
               Port("format", "string"), Port("histogram", "list"))
    Config = BlockConfig

    async def run(self, ctx, inputs, config):
        img = need_image(inputs)
        histogram = await ctx.run_blocking(img.histogram)
        return {"width": img.width, "height": img.height, "mode": img.mode, "format": img.format,
                "histogram": histogram}
