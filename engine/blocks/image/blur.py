from __future__ import annotations

from PIL import ImageFilter
from pydantic import Field

from ..base import Block, BlockConfig, Port
from ._common import need_image


class ImageBlurBlock(Block):
    """Gaussian blur."""

    type = "image_blur"
    portable = True
    category = "image"
    keywords = ("gaussian", "soften", "smooth", "filter")
    inputs = (Port("image", "image"),)
    outputs = (Port("image", "image"),)

    class Config(BlockConfig):
        radius: float = Field(2.0, ge=0, le=200)

    async def run(self, ctx, inputs, config):
        img = need_image(inputs)
        return {"image": await ctx.run_blocking(img.filter, ImageFilter.GaussianBlur(config.radius))}
