from __future__ import annotations

from pydantic import Field

from ..base import Block, BlockConfig, Port
from ._common import need_image


def _threshold(img, level: int):
    gray = img.convert("L")
    mask = gray.point(lambda v: 255 if v >= level else 0)
    return mask.convert(img.mode) if img.mode in ("RGB", "RGBA", "L") else mask, mask


class ImageThresholdBlock(Block):
    """Black and white at ``level``: pixels at or above it become white. ``mask`` is the 8-bit mask."""

    type = "image_threshold"
    portable = True
    category = "image"
    keywords = ("binarize", "mask", "black and white", "cutoff", "level")
    inputs = (Port("image", "image"),)
    outputs = (Port("image", "image"), Port("mask", "image"))

    class Config(BlockConfig):
        level: int = Field(128, ge=0, le=255)

    async def run(self, ctx, inputs, config):
        image, mask = await ctx.run_blocking(_threshold, need_image(inputs), config.level)
        return {"image": image, "mask": mask}
