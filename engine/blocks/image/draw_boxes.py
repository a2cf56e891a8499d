from __future__ import annotations

from typing import Any

from PIL import ImageColor, ImageDraw
from pydantic import Field, field_validator

from ...errors import BlockError
from ..base import Block, BlockConfig, Port
from ._common import need_image


def box_coords(box: Any) -> tuple[float, float, float, float]:
    """Accept ``[x0, y0, x1, y1]``, ``{left, top, right, bottom}`` or ``{x, y, w|width, h|height}``."""
    try:
        if isinstance(box, (list, tuple)) and len(box) == 4:
            x0, y0, x1, y1 = (float(v) for v in box)
        elif isinstance(box, dict) and "left" in box:
            x0, y0, x1, y1 = (float(box[k]) for k in ("left", "top", "right", "bottom"))
        elif isinstance(box, dict) and "x" in box:
            x0, y0 = float(box["x"]), float(box["y"])
            x1, y1 = x0 + float(box.get("w", box.get("width"))), y0 + float(box.get("h", box.get("height")))
        else:
            raise BlockError(f"cannot read a box from {box!r}")
    except (KeyError, TypeError, ValueError) as e:
        raise BlockError(f"cannot read a box from {box!r}: {e}") from None
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _draw(img, boxes: list, color: str, width: int, label_field: str):
    out = img.convert("RGB") if img.mode not in ("RGB", "RGBA") else img.copy()
    draw = ImageDraw.Draw(out)
    for box in boxes:
        x0, y0, x1, y1 = box_coords(box)
        draw.rectangle((x0, y0, x1, y1), outline=color, width=width)
        if label_field and isinstance(box, dict) and box.get(label_field) is not None:
            draw.text((x0 + width + 1, y0 + width), str(box[label_field])[:100], fill=color)
    return out


class ImageDrawBoxesBlock(Block):
    """Draw rectangles (and their labels) on a copy of the image."""

    type = "image_draw_boxes"
    portable = True
    category = "image"
    keywords = ("rectangle", "annotate", "bounding box", "label", "overlay", "detections")
    inputs = (Port("image", "image"), Port("boxes", "list"))
    outputs = (Port("image", "image"),)

    class Config(BlockConfig):
        color: str = "#ff3b30"
        width: int = Field(2, ge=1, le=100)
        label_field: str = "label"

        @field_validator("color")
        @classmethod
        def _color(cls, v: str) -> str:
            ImageColor.getrgb(v)  # raises ValueError with a clear message for unknown colours
            return v

    async def run(self, ctx, inputs, config):
        img = need_image(inputs)
        boxes = inputs.get("boxes")
        if not isinstance(boxes, list):
            raise BlockError(f"boxes must be a list, not {type(boxes).__name__}")
        return {"image": await ctx.run_blocking(_draw, img, boxes, config.color, config.width, config.label_field)}
