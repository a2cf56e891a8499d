"""Pillow safety for every way an image comes in: bombs, truncated files and exotic formats are clean node
errors, fast; the guards are never switched off."""

import base64
import io
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from engine.folders import resources_dir

from .builder import Flow
from .http_server import LoopbackServer

SAMPLE = resources_dir() / "samples" / "landscape.png"


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width=20_000, height=20_000) -> bytes:
    """A valid PNG header for a 20,000 × 20,000 image (400 million pixels) in a few hundred bytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grayscale
    row = b"\x00" + bytes((width + 7) // 8)
    idat = zlib.compress(row * 64)  # the rest is missing: it must never get that far
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def truncated_jpeg() -> bytes:
    buf = io.BytesIO()
    with Image.open(SAMPLE) as sample:
        sample.convert("RGB").save(buf, format="JPEG", quality=90)
    data = buf.getvalue()
    return data[: len(data) // 2]


def load_then_blur(run_flow, source, base=None):
    wf = (Flow().node("load", "image_load", source=source).node("blur", "image_blur", radius=1)
          .node("o", "output", name="o").chain("load.image", "blur.image").chain("blur.image", "o.value").build())
    t0 = time.perf_counter()
    result, events = run_flow(wf, base_dir=base)
    return result, time.perf_counter() - t0


@pytest.mark.parametrize("name, data, message", [
    ("bomb.png", png_bomb(), "image refused: 20000 × 20000 is 400.0 megapixels, over the limit of 200"),
    ("cut.jpg", truncated_jpeg(), "image could not be decoded"),
])
def test_a_bomb_and_a_truncated_jpeg_fail_their_node_within_a_second(tmp_path, run_flow, name, data, message):
    (tmp_path / name).write_bytes(data)
    result, took = load_then_blur(run_flow, name, tmp_path)
    assert result.status == "failed" and message in result.error
    assert result.nodes["load"].status == "failed"
    assert took < 1
    uri = "data:image/png;base64," + base64.b64encode(data).decode()
    result, took = load_then_blur(run_flow, uri)
    assert result.status == "failed" and message in result.error and took < 1


def test_exotic_formats_are_refused(tmp_path, run_flow):
    with Image.open(SAMPLE) as sample:
        img = sample.convert("RGB")
    img.save(tmp_path / "x.ppm")  # Pillow reads PPM, but it is not one of ours
    (tmp_path / "x.eps").write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    for name in ("x.ppm", "x.eps"):
        result, _ = load_then_blur(run_flow, name, tmp_path)
        assert "not an image in a supported format (PNG, JPEG, WEBP, GIF, BMP, TIFF)" in result.error, name


def test_an_http_image_response_is_guarded_too(run_flow):
    from .http_server import Handler

    server = LoopbackServer()
    Handler.extra["/bomb.png"] = (png_bomb(), "image/png")
    try:
        t0 = time.perf_counter()
        result, _ = run_flow(Flow().node("h", "http_request", url=server.url + "/bomb.png").build())
        assert result.status == "failed" and "image refused: 20000 × 20000" in result.error
        assert time.perf_counter() - t0 < 1
    finally:
        Handler.extra.pop("/bomb.png")
        server.close()


def test_the_guards_are_never_switched_off():
    root = Path(__file__).resolve().parents[1]
    for folder in ("engine", "app", "resources"):
        for path in (root / folder).rglob("*.py"):
            text = path.read_text()
            assert "MAX_IMAGE_PIXELS = None" not in text and "MAX_IMAGE_PIXELS=None" not in text, path
            assert "LOAD_TRUNCATED_IMAGES = True" not in text, path
    assert Image.MAX_IMAGE_PIXELS is not None


def test_a_90_megapixel_photo_is_processed_and_the_limit_is_a_setting(tmp_path):
    """Pillow's own threshold (89.5 MP) refused ordinary big photos; the limit is ``max_image_megapixels``."""
    import asyncio

    from engine.blocks import default_registry
    from engine.executor import Executor
    from engine.runs import RunSettings

    Image.new("L", (10_000, 9_000), 128).save(tmp_path / "big.png")  # 90 MP
    (tmp_path / "sixty.png").write_bytes(png_bomb(8_000, 7_500))      # claims 60 MP
    wf = (Flow().node("load", "image_load", source=str(tmp_path / "big.png")).node("info", "image_info")
          .node("o", "output", name="o").chain("load.image", "info.image").chain("info.width", "o.value").build())

    async def run(workflow, settings):
        ex = Executor(default_registry(), policy=settings)
        try:
            return await ex.run(workflow)
        finally:
            ex.close()

    result = asyncio.run(run(wf, RunSettings()))
    assert result.status == "succeeded" and result.outputs == {"o": 10_000}
    small = RunSettings(max_image_megapixels=50)
    wf60 = Flow().node("load", "image_load", source=str(tmp_path / "sixty.png")).build()
    t0 = time.perf_counter()
    result = asyncio.run(run(wf60, small))
    assert result.status == "failed" and "60.0 megapixels, over the limit of 50" in result.error
    assert time.perf_counter() - t0 < 1  # refused from the header: nothing decoded
    with pytest.raises(ValueError, match="max_image_megapixels must be from 1 to 1000"):
        RunSettings(max_image_megapixels=0)
