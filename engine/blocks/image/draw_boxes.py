from __future__ import annotations

from typing import Any

from PIL import ImageColor, ImageDraw, ImageFont
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


def line_width(size: tuple[int, int]) -> int:
    """A line that can be seen on a picture of ``size``: 1/300 of its shorter side, at least 2 pixels."""
    return max(2, round(min(size) / 300))


def _font(size: tuple[int, int]):
    """A label font sized to the picture (1/40 of its shorter side, at least 11 pixels)."""
    try:
        return ImageFont.load_default(size=max(11, round(min(size) / 40)))
    except (AttributeError, ImportError, OSError, TypeError):  # (a Pillow without FreeType: its bitmap font)
        return ImageFont.load_default()


def _ink(color: str) -> str:
    """Black or white, whichever reads better on ``color``."""
    r, g, b = ImageColor.getrgb(color)[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "white"


def _label(box, label_field: str) -> str:
    """The box's label (its ``label_field``), with a detector's score beside it: "cat 0.87" (a score alone: "0.87")."""
    if not label_field or not isinstance(box, dict):
        return ""
    text = "" if box.get(label_field) is None else str(box[label_field])[:100]
    score = box.get("score")
    if label_field == "label" and isinstance(score, (int, float)) and not isinstance(score, bool):
        text = f"{text} {score:.2f}".strip()
    return text


def _draw(img, boxes: list, color: str, width: int, label_field: str):
    out = img.convert("RGB") if img.mode not in ("RGB", "RGBA") else img.copy()
    draw = ImageDraw.Draw(out)
    width = width or line_width(out.size)
    font = None
    right_edge, bottom_edge = out.width - 1, out.height - 1
    for box in boxes:
        x0, y0, x1, y1 = box_coords(box)
        if x0 > right_edge or y0 > bottom_edge or x1 < 0 or y1 < 0:
            continue  # (wholly outside the picture: nothing of it to draw, not even its label)
        # (clipped to the picture: a box reaching past an edge keeps its line along it)
        x0, y0 = min(max(x0, 0), right_edge), min(max(y0, 0), bottom_edge)
        x1, y1 = min(max(x1, 0), right_edge), min(max(y1, 0), bottom_edge)
        draw.rectangle((x0, y0, x1, y1), outline=color, width=width)
        text = _label(box, label_field)
        if text:
            font = font or _font(out.size)
            left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
            pad = max(1, width // 2)
            w, h = right - left + 2 * pad, bottom - top + 2 * pad
            ty = y0 - h if y0 - h >= 0 else y0  # on the box's top edge, above it when there is room
            tx = max(0, min(x0, right_edge - w))  # moved left as far as it takes to stay whole in the picture
            draw.rectangle((tx, ty, tx + w, ty + h), fill=color)
            draw.text((tx + pad - left, ty + pad - top), text, fill=_ink(color), font=font)
    return out


class ImageDrawBoxesBlock(Block):
    """Draw rectangles (and their labels with a detector's score, each on a tag in the box's colour) on a copy of
    the image; lines and labels are sized to the picture unless a width is set."""

    type = "image_draw_boxes"
    portable = True
    category = "image"
    keywords = ("rectangle", "annotate", "bounding box", "label", "overlay", "detections")
    version = 2  # (1: a 2-pixel line by default and labels in Pillow's 11-pixel font, without a tag)
    inputs = (Port("image", "image"), Port("boxes", "list"))
    outputs = (Port("image", "image"),)

    class Config(BlockConfig):
        color: str = "#ff3b30"
        width: int = Field(0, ge=0, le=100, json_schema_extra={"zero": "auto"},
                           description="line width in pixels; 0 (auto): sized to the picture (1/300 of its shorter "
                                       "side, at least 2)")
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
