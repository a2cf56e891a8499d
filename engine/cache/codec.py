"""Our own serializer for node outputs — JSON for data, zlib'd pixels for images (or the name of the file an image
was decoded from, as it was then: :func:`from_file`), raw bytes — never pickle.

An entry is ``MAGIC + crc32(payload) + payload``; the payload is a 4-byte header length, a JSON header, then
the binary blobs the header points at. The checksum guards against corruption (a truncated or damaged file),
not against tampering: nothing in an entry is ever executed. :func:`verify` checks it without decoding
anything; :func:`ports` reads only the header; :func:`decode` builds the values.
"""

from __future__ import annotations

import io
import json
import math
import struct
import zlib
from pathlib import Path
from typing import Any

from PIL import Image

from ..errors import CorruptEntry, Unserializable
from ..imaging import open_image

__all__ = ["encode", "decode", "from_file", "changed_files", "verify", "ports", "header_size", "CorruptEntry", "Unserializable"]

MAGIC = b"NLV2"
_DIGEST = 4
PREFIX = len(MAGIC) + _DIGEST + 4  # magic, checksum, header length
FILE_MARK = "_nodeloom_file"  # (an attribute of the one image object: copies and filtered images do not have it)


def _image_blob(img: Image.Image, compress: bool = True) -> tuple[dict, bytes]:
    # Raw pixels through zlib rather than PNG: as small for photos, 2-6x faster, and zlib lets other threads
    # run while it works (Pillow's PNG encoder holds the GIL for a whole compressible image, which froze the
    # GUI for 100+ ms at 4000x3000). Entries written as "png" or "raw" by earlier versions still decode.
    source = getattr(img, FILE_MARK, None) if compress else None
    if source is not None:  # (the very picture decoded from a file: the entry names the file, see read_from_file)
        path, mtime_ns, size = source
        return {"$type": "image", "format": "file", "path": path, "mtime_ns": mtime_ns, "bytes": size}, b""
    if img.mode in ("1", "P", "PA"):  # packed bits or a palette: PNG keeps them (such images are small)
        buf = io.BytesIO()
        img.save(buf, format="PNG", compress_level=1)
        return {"$type": "image", "format": "png"}, buf.getvalue()
    if not compress:  # (for the wire between machines of one cluster, where zlib would cost more than it saves)
        return {"$type": "image", "format": "raw", "mode": img.mode, "size": list(img.size)}, img.tobytes()
    return ({"$type": "image", "format": "zraw", "mode": img.mode, "size": list(img.size)},
            zlib.compress(img.tobytes(), 1))


def from_file(img: Image.Image, path: str, mtime_ns: int, size: int) -> Image.Image:
    """Mark ``img`` as the picture decoded from the file ``path`` (as it was at ``mtime_ns`` and ``size``): an entry
    holding this very object names the file instead of holding its pixels — a folder of photos run through a
    workflow is not copied into the cache. Another image made from it (a copy, a filter) is not marked."""
    setattr(img, FILE_MARK, (path, mtime_ns, size))
    return img


def _read_file(v: dict) -> Image.Image:
    """The picture an entry names by its file; the file changed or gone since is a corrupt entry (the node that
    stored it runs again)."""
    path = Path(v["path"])
    st = path.stat()
    if st.st_mtime_ns != v["mtime_ns"] or st.st_size != v["bytes"]:
        raise CorruptEntry(f"{path} changed since it was stored")
    return from_file(open_image(path.read_bytes()), str(path), st.st_mtime_ns, st.st_size)


def _expected(mode: str, size: list[int]) -> int:
    """How many bytes the pixels of such an image take (an implausible size is refused before anything)."""
    width, height = int(size[0]), int(size[1])
    if not (0 < width and 0 < height and width * height <= 2 * (Image.MAX_IMAGE_PIXELS or 2**31)):
        raise CorruptEntry(f"implausible image size {width}x{height}")
    return len(Image.new(mode, (width, 1)).tobytes()) * height


def _inflate(blob: bytes, mode: str, size: list[int]) -> bytes:
    """Decompress at most the bytes the image needs (a damaged header cannot make it inflate a bomb)."""
    expected = _expected(mode, size)
    d = zlib.decompressobj()
    raw = d.decompress(blob, expected)
    if len(raw) != expected or d.unconsumed_tail or not d.eof:
        raise CorruptEntry("image pixels do not match their size")
    return raw


def encode(outputs: dict[str, Any], *, compress: bool = True) -> bytes:
    """``outputs`` as an entry; ``compress=False`` keeps image pixels raw (bigger, and much faster)."""
    blobs: list[bytes] = []

    def enc(v: Any) -> Any:
        t = type(v)  # (the common types first, by identity: an entry is walked value by value)
        if t is str or t is int or v is None or t is bool:
            return v
        if t is dict:
            for k in v:
                if type(k) is not str or k[:1] == "$":
                    break
            else:
                return {k: enc(x) for k, x in v.items()}
        elif t is list:
            return [enc(x) for x in v]
        if isinstance(v, (bool, int, str)):
            return v
        if isinstance(v, float):
            return v if math.isfinite(v) else {"$float": repr(v)}
        if isinstance(v, Image.Image):
            head, blob = _image_blob(v, compress)
            blobs.append(blob)
            return {**head, "$blob": len(blobs) - 1}
        if isinstance(v, (bytes, bytearray)):
            blobs.append(bytes(v))
            return {"$type": "bytes", "$blob": len(blobs) - 1}
        if isinstance(v, (list, tuple)):
            return [enc(x) for x in v]
        if isinstance(v, dict):
            if all(isinstance(k, str) and not k.startswith("$") for k in v):
                return {k: enc(x) for k, x in v.items()}
            return {"$items": [[enc(k), enc(x)] for k, x in v.items()]}
        raise Unserializable(f"cannot store a value of type {type(v).__name__}")

    try:
        header = json.dumps({"v": enc(outputs), "blobs": [len(b) for b in blobs]}, ensure_ascii=False,
                            separators=(",", ":")).encode("utf-8")
    except (ValueError, RecursionError) as e:
        raise Unserializable(str(e)) from None
    parts = [struct.pack(">I", len(header)), header, *blobs]
    crc = 0
    for part in parts:
        crc = zlib.crc32(part, crc)
    return b"".join([MAGIC, struct.pack(">I", crc), *parts])  # (one copy of the pixels, not two)


def verify(data: bytes) -> bool:
    return (len(data) > PREFIX and data[:4] == MAGIC
            and zlib.crc32(memoryview(data)[len(MAGIC) + _DIGEST:]) == struct.unpack(">I", data[4:8])[0])


def header_size(prefix: bytes) -> int:
    """How many bytes from the start hold the header, given the first PREFIX bytes."""
    if len(prefix) < PREFIX or prefix[:4] != MAGIC:
        raise CorruptEntry("not an entry of ours")
    return PREFIX + struct.unpack(">I", prefix[PREFIX - 4:PREFIX])[0]


def ports(data: bytes) -> list[str]:
    """The output ports an entry holds, from its header alone (``data`` may be just the header)."""
    if data[:4] != MAGIC:
        raise CorruptEntry("not an entry of ours")
    view = memoryview(data)[len(MAGIC) + _DIGEST:]
    try:
        (hlen,) = struct.unpack(">I", view[:4])
        return list(json.loads(bytes(view[4:4 + hlen]))["v"])
    except Exception as e:  # noqa: BLE001
        raise CorruptEntry(f"{type(e).__name__}: {e}") from None


def changed_files(data: bytes) -> str | None:
    """What is wrong with the files an entry names for its pictures (:func:`from_file`) — changed or gone since it
    was stored — or None; read from its header alone (``data`` may be just the header). Such an entry is a miss:
    its looker-up (a run, a past run shown, a replay) never meets the problem when reading it later."""
    if b'"format":"file"' not in data[:header_size(data[:PREFIX])]:
        return None
    view = memoryview(data)[len(MAGIC) + _DIGEST:]
    try:
        (hlen,) = struct.unpack(">I", view[:4])
        header = json.loads(bytes(view[4:4 + hlen]))
    except Exception as e:  # noqa: BLE001
        raise CorruptEntry(f"{type(e).__name__}: {e}") from None
    found: list[dict] = []

    def walk(v: Any) -> None:
        if isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            if v.get("format") == "file" and v.get("$type") == "image":
                found.append(v)
            else:
                for x in v.values():
                    walk(x)

    walk(header.get("v"))
    for v in found:
        try:
            st = Path(v["path"]).stat()
        except (OSError, KeyError, TypeError) as e:
            return f"the picture's file {v.get('path')} is gone ({getattr(e, 'strerror', None) or e})"
        if st.st_mtime_ns != v.get("mtime_ns") or st.st_size != v.get("bytes"):
            return f"{v['path']} changed since it was stored"
    return None


def decode(data: bytes, verified: bool = False) -> dict[str, Any]:
    if not verified and not verify(data):
        raise CorruptEntry("checksum mismatch")
    view = memoryview(data)[len(MAGIC) + _DIGEST:]
    try:
        (hlen,) = struct.unpack(">I", view[:4])
        header = json.loads(bytes(view[4:4 + hlen]))
        offsets, pos = [], 4 + hlen
        for n in header["blobs"]:
            offsets.append((pos, pos + n))
            pos += n

        def dec(v: Any) -> Any:
            if isinstance(v, list):
                return [dec(x) for x in v]
            if not isinstance(v, dict):
                return v
            if "$blob" in v:
                a, b = offsets[v["$blob"]]
                blob = view[a:b]  # (pixels go to Pillow from the entry itself, without a copy in between)
                if v["$type"] == "bytes":
                    return bytes(blob)
                if v["format"] == "file":
                    return _read_file(v)
                if v["format"] == "png":
                    return open_image(bytes(blob), formats=("PNG",))
                if v["format"] == "zraw":
                    blob = _inflate(blob, v["mode"], v["size"])
                elif len(blob) != _expected(v["mode"], v["size"]):
                    raise CorruptEntry("image pixels do not match their size")
                return Image.frombytes(v["mode"], tuple(v["size"]), blob)
            if "$float" in v:
                return float(v["$float"])
            if "$items" in v:
                return {dec(k): dec(x) for k, x in v["$items"]}
            return {k: dec(x) for k, x in v.items()}

        return dec(header["v"])
    except Exception as e:  # noqa: BLE001 - anything wrong in a stored entry is corruption, never a crash
        raise CorruptEntry(f"{type(e).__name__}: {e}") from None
