"""Cache keys: what a node's result depends on, as a short hex digest.

A deterministic node's key hashes its block type and version, its canonical config and the keys of the
values on its inputs; each output port's key is derived from it. Values that do not come from a cached
computation (workflow inputs, outputs of non-deterministic nodes, pinned values) are keyed by their content:
canonical JSON for data, pixels for images, the bytes themselves for bytes. So a key changes exactly when
anything upstream changes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable

from PIL import Image

__all__ = ["node_key", "port_key", "content_key", "derive"]


def _h(*parts: str) -> str:
    """sha256 of each part followed by a NUL (hashed in one piece: the same digest)."""
    return hashlib.sha256(("\x00".join(parts) + "\x00").encode("utf-8")).hexdigest()[:40]


def derive(*parts: str) -> str:
    return _h(*parts)


def node_key(block_type: str, version: int, config_json: str, input_keys: Iterable[tuple[str, str]],
             salt: str = "") -> str:
    return _h("node", block_type, str(version), config_json, *(f"{p}={k}" for p, k in sorted(input_keys)), salt)


def port_key(key: str, port: str) -> str:
    return _h("port", key, port)


def _feed(h, v: Any) -> None:
    if isinstance(v, Image.Image):
        h.update(f"image:{v.mode}:{v.width}x{v.height}:".encode())
        h.update(v.tobytes())
    elif isinstance(v, (bytes, bytearray)):
        h.update(b"bytes:%d:" % len(v))
        h.update(v)
    elif isinstance(v, dict):
        h.update(b"{")
        for k in sorted(v, key=str):
            h.update(json.dumps(str(k)).encode() + b":")
            _feed(h, v[k])
        h.update(b"}")
    elif isinstance(v, (list, tuple)):
        h.update(b"[")
        for x in v:
            _feed(h, x)
            h.update(b",")
        h.update(b"]")
    else:
        h.update(json.dumps(v, default=repr).encode())


def content_key(value: Any) -> str:
    from .lazy import LazyValue

    if isinstance(value, LazyValue):
        return value.key
    h = hashlib.sha256(b"content\x00")
    _feed(h, value)
    return h.hexdigest()[:40]
