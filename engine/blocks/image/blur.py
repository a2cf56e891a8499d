from __future__ import annotations

from PIL import ImageFilter
from pydantic import Field

from ...errors import BlockError
from ..base import Block, BlockConfig, Port
from ._common import need_image
from .draw_boxes import box_coords


def blur_inside(img, boxes: list, radius: float):
    """``img`` with only the inside of each box blurred (faces, plates: what must not be read)."""
    out = img.copy()
    for box in boxes:
        x0, y0, x1, y1 = box_coords(box)
        area = (max(0, int(x0)), max(0, int(y0)), min(img.width, round(x1)), min(img.height, round(y1)))
        if area[0] < area[2] and area[1] < area[3]:
            out.paste(img.crop(area).filter(ImageFilter.GaussianBlur(radius)), area[:2])
    return out


class ImageBlurBlock(Block):
    """Gaussian blur: of the whole picture, or only inside the ``boxes`` given (found faces, say)."""

    type = "image_blur"
    portable = True
    category = "image"
    keywords = ("gaussian", "soften", "smooth", "filter", "anonymise", "anonymize", "privacy", "faces", "pixelate")
    inputs = (Port("image", "image"), Port("boxes", "list", required=False))
    outputs = (Port("image", "image"),)

    class Config(BlockConfig):
        radius: float = Field(2.0, ge=0, le=200)

    async def run(self, ctx, inputs, config):
        img = need_image(inputs)
        boxes = inputs.get("boxes")
        if boxes is None:
            return {"image": await ctx.run_blocking(img.filter, ImageFilter.GaussianBlur(config.radius))}
        if not isinstance(boxes, (list, tuple)):
            raise BlockError(f"boxes must be a list of boxes, not {type(boxes).__name__}")
        return {"image": await ctx.run_blocking(blur_inside, img, list(boxes), config.radius)}
