from __future__ import annotations

from pydantic import Field

from ...errors import BlockError
from ..base import Block, BlockConfig, Port
from ._common import need_image


class ImageCropBlock(Block):
    """Cut out the box left, top, right, bottom (pixels); a ``box`` object input overrides the config."""

    type = "image_crop"
    portable = True
    category = "image"
    keywords = ("cut", "trim", "box", "region", "clip")
    inputs = (Port("image", "image"), Port("box", "object", required=False))
    outputs = (Port("image", "image"),)

    class Config(BlockConfig):
        left: int = Field(0, ge=0)
        top: int = Field(0, ge=0)
        right: int = Field(0, ge=0, description="0 = the image's right edge")
        bottom: int = Field(0, ge=0, description="0 = the image's bottom edge")

    async def run(self, ctx, inputs, config):
        img = need_image(inputs)
        box = inputs.get("box") or {}
        if not isinstance(box, dict):
            raise BlockError(f"box must be an object with left, top, right, bottom, not {type(box).__name__}")
        try:
            left, top = int(box.get("left", config.left)), int(box.get("top", config.top))
            right = int(box.get("right", config.right) or img.width)
            bottom = int(box.get("bottom", config.bottom) or img.height)
        except (TypeError, ValueError) as e:
            raise BlockError(f"box values must be integers: {e}") from None
        if not (0 <= left < right <= img.width and 0 <= top < bottom <= img.height):
            raise BlockError(f"crop box ({left}, {top}, {right}, {bottom}) is not inside the "
                             f"{img.width}×{img.height} image")
        return {"image": await ctx.run_blocking(img.crop, (left, top, right, bottom))}
