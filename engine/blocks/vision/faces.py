from __future__ import annotations

import threading

from PIL import Image
from pydantic import Field

from ...errors import BlockError
from ..base import Block, BlockConfig, Port
from ..image._common import need_image
from ._common import need_extra

_local = threading.local()  # (a CascadeClassifier is not safe to share between threads: one per thread)


def _cascade():
    cascade = getattr(_local, "cascade", None)
    if cascade is None:
        import cv2

        cascade = _local.cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    return cascade


def find_faces(img, min_size: int, scale_factor: float, min_neighbors: int, max_side: int = 0) -> list[dict]:
    """Boxes of the faces in ``img``, in its pixels; searched on a copy whose longer side is ``max_side`` when it is
    larger (0: at full size), ``min_size`` in the pixels searched."""
    import numpy as np

    gray = img.convert("L")
    scale = 1.0
    if max_side and max(gray.size) > max_side:
        scale = max(gray.size) / max_side
        gray = gray.resize((max(1, round(gray.width / scale)), max(1, round(gray.height / scale))),
                           Image.Resampling.BILINEAR, reducing_gap=2.0)
    found = _cascade().detectMultiScale(np.asarray(gray), scaleFactor=scale_factor, minNeighbors=min_neighbors,
                                        minSize=(min_size, min_size))
    # (no "score": a cascade gives no confidence, and a made-up 1.0 would be drawn as certainty)
    boxes = [{"label": "face", "left": round(x * scale), "top": round(y * scale),
              "right": min(img.width, round((x + w) * scale)), "bottom": min(img.height, round((y + h) * scale))}
             for x, y, w, h in (found if len(found) else [])]
    return sorted(boxes, key=lambda b: (b["top"], b["left"]))


class FaceDetectBlock(Block):
    """Find faces in a picture with OpenCV's shipped Haar cascade (no model file needed): boxes in pixels."""

    type = "face_detect"
    category = "vision"
    requires = ("cv2",)
    portable = True  # (OpenCV's own cascade: a worker with the extra needs nothing else)
    keywords = ("faces", "people", "opencv", "haar", "cascade", "portrait", "privacy", "anonymise")
    version = 2  # (1: always searched at full size, each box with a "score" of 1.0)
    inputs = (Port("image", "image"),)
    outputs = (Port("boxes", "list"), Port("count", "integer"))

    class Config(BlockConfig):
        min_size: int = Field(30, ge=1, le=10000, description="the smallest face found, in pixels")
        scale_factor: float = Field(1.1, gt=1, le=5, description="the step between the sizes searched")
        min_neighbors: int = Field(5, ge=0, le=100, description="higher: fewer, surer faces")
        max_side: int = Field(1024, ge=0, le=20000, json_schema_extra={"zero": "full size"},
                              description="a larger picture is searched at this size (faster, fewer false faces; "
                                          "boxes stay in its pixels); 0: at full size")

    async def run(self, ctx, inputs, config):
        need_extra("cv2")
        img = need_image(inputs)
        searched_smaller = config.max_side and max(img.size) > config.max_side
        if searched_smaller and config.min_size > config.max_side:  # (settings that cannot find any)
            raise BlockError(f"min_size {config.min_size} is larger than the {config.max_side}-pixel picture it "
                             f"searches (max_side {config.max_side}): no face could be found")
        boxes = await ctx.run_blocking(find_faces, img, config.min_size, config.scale_factor,
                                       config.min_neighbors, config.max_side)
        return {"boxes": boxes, "count": len(boxes)}
