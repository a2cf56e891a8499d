"""Values as they leave and enter the program as JSON (SPEC §10).

An image is ``{"$type": "image", "width": W, "height": H, "mode": "RGB", "png": "<base64>"}`` and bytes are
``{"$type": "bytes", "base64": "…"}``; the same forms are accepted as inputs. Nothing here ever unpickles.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
from typing import Any

from PIL import Image

from .errors import BlockError
from .shapes import has_lone_surrogate

__all__ = ["to_json", "from_json", "image_to_json", "image_from_png", "summarize", "json_text", "loads_finite"]


def image_to_json(img: Image.Image) -> dict:
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)  # (a photo: 3× faster than the default level, ~8% bigger)
    return {
        "$type": "image",
        "width": img.width,
        "height": img.height,
        "mode": img.mode,
        "png": base64.b64encode(buf.getvalue()).decode("ascii"),
    }


def image_from_png(data: bytes) -> Image.Image:
    from .imaging import open_image

    return open_image(data, formats=("PNG",))


def to_json(value: Any) -> Any:
    """Turn a run value into JSON-ready data (images and bytes in their ``$type`` form)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Image.Image):
        return image_to_json(value)
    if isinstance(value, (bytes, bytearray)):
        return {"$type": "bytes", "base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return str(value)


def from_json(value: Any) -> Any:
    """Decode ``$type`` forms found anywhere in JSON data back into images and bytes."""
    if isinstance(value, dict):
        kind = value.get("$type")
        if kind == "image":
            try:
                data = base64.b64decode(value["png"], validate=True)
            except (KeyError, TypeError, binascii.Error) as e:
                raise BlockError(f"invalid image value: {e}") from None
            return image_from_png(data)
        if kind == "bytes":
            try:
                return base64.b64decode(value["base64"], validate=True)
            except (KeyError, TypeError, binascii.Error) as e:
                raise BlockError(f"invalid bytes value: {e}") from None
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def json_text(value: Any) -> str:
    """JSON text of ``value`` that is valid UTF-8: non-ASCII text as is, unless it holds a lone surrogate (text a
    run made, e.g. by slicing a string), which is then written as a ``\\u`` escape like everything else."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return json.dumps(value, default=str) if has_lone_surrogate(text) else text


def summarize(value: Any, limit: int = 80) -> str:
    """A short human description of a value, for events, logs and the progress line."""
    if isinstance(value, Image.Image):
        return f"image {value.width}×{value.height} {value.mode}"
    if isinstance(value, (bytes, bytearray)):
        return f"bytes ({len(value)})"
    if isinstance(value, list):
        return f"list ({len(value)})"
    if isinstance(value, dict):
        return f"object ({len(value)} keys)"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large a number (JSON numbers must be finite)")
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number (JSON numbers must be finite)")


def loads_finite(text: str | bytes) -> Any:
    """JSON as people and programs send it, refusing what Python's json accepts but JSON has not: NaN, Infinity
    and numbers too large for a float (1e400), which would otherwise become ``inf`` here and ``null`` when
    written back. ValueError naming the number."""
    return json.loads(text, parse_float=_finite, parse_constant=_no_constant)
