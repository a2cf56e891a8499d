from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Literal

from PIL import Image
from pydantic import Field

from ...errors import BlockError
from ...imaging import eight_bits
from ...model import give_usual_mode
from ..fence import confined
from ..base import Block, BlockConfig, Port

_PIL_FORMAT = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


#: the modes each format holds as they are (others are converted: a CMYK photo to RGB, a float picture to grey)
_HOLDS = {"png": ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"), "jpeg": ("L", "RGB"), "webp": ("RGB", "RGBA")}


def _savable(img: Image.Image, fmt: str) -> Image.Image:
    if img.mode in _HOLDS[fmt]:
        return img
    if img.mode == "F":  # (floats: 0–1 black to white, or 0–255 when any is above 1)
        scale = 255 if img.getextrema()[1] <= 1 else 1
        img = img.point(lambda v: v * scale).convert("L")
    else:
        img = eight_bits(img)
    if img.mode in _HOLDS[fmt]:
        return img
    alpha = "A" in img.getbands() or "transparency" in img.info
    return img.convert("RGBA" if alpha and "RGBA" in _HOLDS[fmt] else "RGB")


def _write(img: Image.Image, path: Path, fmt: str, quality: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    img = _savable(img, fmt)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            img.save(f, format=_PIL_FORMAT[fmt], **({} if fmt == "png" else {"quality": quality}))
        give_usual_mode(tmp, path)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ImageSaveBlock(Block):
    """Write the image to a file (atomically); relative paths resolve against ``folder`` when it is set (and
    may not leave it), else against the workflow's folder."""

    type = "image_save"
    category = "image"
    keywords = ("write", "export", "store", "file", "png", "jpeg", "jpg", "webp")
    deterministic = False
    acts_on_world = True  # it writes a file: live preview holds it until a real run
    inputs = (Port("image", "image"), Port("path", "string"))
    outputs = (Port("path", "string"),)

    class Config(BlockConfig):
        # (a relative path resolves against ``folder`` when it is set: the editor's Browse… keeps that in mind)
        path: str = Field("", json_schema_extra={"format": "save-file", "relative_to": "folder"})
        folder: str = Field("", description="when set, the image is written inside this folder and nowhere else",
                            json_schema_extra={"format": "folder"})
        format: Literal["png", "jpeg", "webp"] = "png"
        quality: int = Field(90, ge=1, le=100)

    async def run(self, ctx, inputs, config):
        img = inputs.get("image")
        if not isinstance(img, Image.Image):
            raise BlockError(f"image_save needs an image, not {type(img).__name__}")
        if not config.path.strip():
            raise BlockError("no path given to save the image to")
        path = confined(ctx, config.path, config.folder)
        try:
            await ctx.run_blocking(_write, img, path, config.format, config.quality)
        except OSError as e:
            raise BlockError(f"cannot write {path}: {e.strerror or e}") from None
        return {"path": str(path)}
