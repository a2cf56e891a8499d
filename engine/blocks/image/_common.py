"""Helpers shared by the image blocks (not a block)."""

from __future__ import annotations

from typing import Any

from PIL import Image

from ...errors import BlockError


def need_image(inputs: dict[str, Any], port: str = "image") -> Image.Image:
    img = inputs.get(port)
    if not isinstance(img, Image.Image):
        raise BlockError(f"input {port!r} needs an image, not {type(img).__name__}")
    return img
