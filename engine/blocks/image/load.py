from __future__ import annotations

import base64
import binascii
import os
import re

from pydantic import Field

from ...cache.codec import from_file
from ...errors import BlockError
from ...imaging import open_image
from ...net import fetch_bytes
from ..base import Block, BlockConfig, Port

MAX_BYTES = 100 * 1024 * 1024
_DATA_URI = re.compile(r"^data:(?P<mime>[\w/+.-]*)(?P<params>(;[\w=.-]+)*?)(?P<b64>;base64)?,(?P<data>.*)$", re.S)


def _data_uri(source: str) -> bytes:
    m = _DATA_URI.match(source)
    if not m:
        raise BlockError("malformed data URI")
    if not m.group("b64"):
        raise BlockError("only base64 data URIs are supported for images")
    try:
        return base64.b64decode(m.group("data"), validate=False)
    except (binascii.Error, ValueError) as e:
        raise BlockError(f"data URI is not valid base64: {e}") from None


def _open_file(path, max_megapixels: float):
    """Blocking: the picture in the file ``path``, marked as that file's (its cache entry names the file)."""
    try:
        st = path.stat()
        if st.st_size > MAX_BYTES:
            raise BlockError(f"{path} is {st.st_size} bytes; the limit is {MAX_BYTES}")
        data = path.read_bytes()
    except OSError as e:
        raise BlockError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        img = open_image(data, max_megapixels=max_megapixels)
    except BlockError as e:  # (which file: in a loop over a folder, the one of many)
        raise BlockError(f"{path}: {e}") from None
    if len(data) != st.st_size:  # (changed while read: not the file as stat saw it)
        return img
    return from_file(img, os.path.abspath(path), st.st_mtime_ns, st.st_size)


class ImageLoadBlock(Block):
    """Load an image from a file path, an http(s) URL or a data URI."""

    type = "image_load"
    version = 2  # (2: a photo turned as its EXIF says, 16-bit grey scaled to 8 bits: not the cached pictures of 1)
    category = "image"
    keywords = ("open", "read", "file", "url", "png", "jpeg", "jpg", "webp", "picture", "photo")
    inputs = (Port("source", "string"),)
    outputs = (Port("image", "image"), Port("width", "integer"), Port("height", "integer"))

    class Config(BlockConfig):
        source: str = Field("", description="file path (relative to the workflow file), http(s) URL or data URI",
                            json_schema_extra={"format": "file", "file_types": {"Images": [
                                "*.png", "*.jpg", "*.jpeg", "*.bmp", "*.gif", "*.tif", "*.tiff", "*.webp"]}})

    def cache_salt(self, ctx, inputs, config):
        source = config.source.strip()
        if source.startswith("data:"):
            return ""
        if re.match(r"^https?://", source, re.I):
            return None  # what a URL serves may change: load it every time
        try:
            st = ctx.resolve_path(source).stat()
        except OSError:
            return None
        return f"{st.st_mtime_ns}:{st.st_size}"

    async def run(self, ctx, inputs, config):
        source = config.source.strip()
        if not source:
            raise BlockError("no image source given")
        if source.startswith("data:"):
            data = _data_uri(source)
        elif re.match(r"^https?://", source, re.I):
            data = await fetch_bytes(source, MAX_BYTES)
        else:  # (read and decoded in one trip to a worker thread: a loop over a folder makes many)
            img = await ctx.run_blocking(_open_file, ctx.resolve_path(source), ctx.policy.max_image_megapixels)
            return {"image": img, "width": img.width, "height": img.height}
        img = await ctx.run_blocking(open_image, data, max_megapixels=ctx.policy.max_image_megapixels)
        return {"image": img, "width": img.width, "height": img.height}
