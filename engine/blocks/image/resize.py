from __future__ import annotations

from typing import Literal

from PIL import Image
from pydantic import Field

from ...errors import BlockError
from ..base import Block, BlockConfig, Port
from ._common import need_image

_RESAMPLE = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
             "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS}


def target_size(w: int, h: int, width: int, height: int, keep_aspect: bool) -> tuple[int, int]:
    """Fit (w, h) into width × height; a zero side follows the other one's scale."""
    if not width and not height:
        raise BlockError("give a width, a height or both")
    if keep_aspect or not (width and height):
        scale = min(width / w if width else float("inf"), height / h if height else float("inf"))
        return max(1, round(w * scale)), max(1, round(h * scale))
    return width, height


class ImageResizeBlock(Block):
    """Resize; with ``keep_aspect`` the image fits inside width × height."""

    type = "image_resize"
    portable = True
    category = "image"
    keywords = ("scale", "thumbnail", "shrink", "enlarge", "fit", "dimensions")
    inputs = (Port("image", "image"),)
    outputs = (Port("image", "image"),)

    class Config(BlockConfig):
        width: int = Field(256, ge=0, le=32768)
        height: int = Field(256, ge=0, le=32768)
        keep_aspect: bool = True
        resample: Literal["nearest", "bilinear", "bicubic", "lanczos"] = "lanczos"

    async def run(self, ctx, inputs, config):
        img = need_image(inputs)
        size = target_size(img.width, img.height, config.width, config.height, config.keep_aspect)
        return {"image": await ctx.run_blocking(img.resize, size, _RESAMPLE[config.resample])}
