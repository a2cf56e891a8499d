"""The cache's own serializer: every image mode round-trips exactly, old entries still read, damage is refused."""

import io
import struct
import zlib

import pytest
from PIL import Image

from engine.cache import codec


def sample(mode: str) -> Image.Image:
    base = Image.linear_gradient("L").resize((37, 23))  # odd sizes: rows that do not end on a byte
    if mode == "1":
        return base.convert("1")
    if mode == "P":
        return base.convert("RGB").quantize(16)
    if mode == "I;16":
        return base.convert("I").point(lambda v: v * 200).convert("I;16")
    return base.convert(mode)


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "RGBX", "CMYK", "YCbCr", "I", "I;16", "F"])
def test_every_image_mode_round_trips_exactly(mode):
    img = sample(mode)
    out = codec.decode(codec.encode({"image": img, "n": 3}))
    assert out["n"] == 3
    back = out["image"]
    assert (back.mode, back.size) == (img.mode, img.size)
    assert back.tobytes() == img.tobytes()
    if mode == "P":
        assert back.getpalette() == img.getpalette()


def entry(header: dict, blob: bytes) -> bytes:
    import json

    head = json.dumps({"v": header, "blobs": [len(blob)]}).encode()
    payload = struct.pack(">I", len(head)) + head + blob
    return codec.MAGIC + struct.pack(">I", zlib.crc32(payload)) + payload


def test_entries_written_as_png_by_earlier_versions_still_decode():
    img = sample("RGB")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    out = codec.decode(entry({"image": {"$type": "image", "format": "png", "$blob": 0}}, buf.getvalue()))
    assert out["image"].tobytes() == img.tobytes()


@pytest.mark.parametrize("size", [[37, 22], [37, 24], [0, 5], [10**6, 10**6]])
def test_pixels_that_do_not_match_their_size_are_a_corrupt_entry(size):
    blob = zlib.compress(sample("RGB").tobytes())
    head = {"image": {"$type": "image", "format": "zraw", "mode": "RGB", "size": size, "$blob": 0}}
    with pytest.raises(codec.CorruptEntry):
        codec.decode(entry(head, blob))


def test_a_small_blob_cannot_inflate_into_a_huge_buffer():
    bomb = zlib.compress(bytes(50_000_000))  # 50 MB of zeros in ~50 KB, claiming to be a 10×10 image
    head = {"image": {"$type": "image", "format": "zraw", "mode": "L", "size": [10, 10], "$blob": 0}}
    with pytest.raises(codec.CorruptEntry):
        codec.decode(entry(head, bomb))
