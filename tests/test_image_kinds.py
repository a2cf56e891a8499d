"""Pictures of every kind a folder holds come in as they look (an outside tester's folder, session 34): a 16-bit
grey PNG is grey (Pillow's own conversions made it white), a photo with an EXIF rotation is upright, a file that
is no picture names itself, and Image Save writes what Image Load read whatever its mode."""

import base64
import io

import pytest
from PIL import Image

from .builder import Flow


def grey16(value: int = 40000, size=(16, 12)) -> Image.Image:
    return Image.new("I;16", size, value)


def rotated_jpeg() -> bytes:
    """A 40 × 20 JPEG, red on its left half, whose EXIF says: turn it 90° clockwise to view (orientation 6)."""
    img = Image.new("RGB", (40, 20), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95, exif=exif.tobytes())
    return buf.getvalue()


def loaded(run_flow, source, base=None):
    wf = (Flow().node("load", "image_load", source=source).node("o", "output", name="o")
          .chain("load.image", "o.value").build())
    result, _ = run_flow(wf, base_dir=base)
    return result


def test_a_16_bit_grey_png_is_grey_not_white(tmp_path, run_flow):
    grey16().save(tmp_path / "deep.png")
    with Image.open(tmp_path / "deep.png") as check:
        assert check.mode == "I;16"  # (what Pillow reads: values up to 65535)
    result = loaded(run_flow, "deep.png", tmp_path)
    assert result.status == "succeeded", result.error
    img = result.outputs["o"]
    assert img.mode == "L" and img.getpixel((3, 3)) == 40000 // 257  # 61 % grey, as any viewer shows it
    assert img.convert("RGB").getpixel((0, 0)) == (155, 155, 155)
    buf = io.BytesIO()  # (the same picture given as a data URI: the same way in)
    grey16(65535).save(buf, "PNG")
    result = loaded(run_flow, "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode())
    assert result.outputs["o"].getpixel((0, 0)) == 255


def test_a_32_bit_integer_picture_is_scaled_to_its_range(tmp_path, run_flow):
    img = Image.new("I", (8, 8), 0)
    img.paste(1_000_000, (0, 0, 4, 8))
    img.save(tmp_path / "wide.tif")
    out = loaded(run_flow, "wide.tif", tmp_path).outputs["o"]
    assert out.mode == "L" and (out.getpixel((0, 0)), out.getpixel((7, 0))) == (255, 0)
    small = Image.new("I", (4, 4), 200)
    small.save(tmp_path / "small.tif")
    assert loaded(run_flow, "small.tif", tmp_path).outputs["o"].getpixel((0, 0)) == 200  # (no scaling needed)


def test_a_photo_with_an_exif_rotation_is_loaded_upright(tmp_path, run_flow):
    (tmp_path / "turned.jpg").write_bytes(rotated_jpeg())
    result = loaded(run_flow, "turned.jpg", tmp_path)
    img = result.outputs["o"]
    assert img.size == (20, 40)  # as a photo viewer shows it
    r, g, b = img.getpixel((10, 5))  # (the red half is on top once turned clockwise)
    assert r > 200 and b < 60
    r, g, b = img.getpixel((10, 35))
    assert b > 200 and r < 60
    assert result.outputs["o"].getexif().get(0x0112) in (None, 1)  # (not turned twice by what reads it next)


@pytest.mark.parametrize("name, data, says", [
    ("notes.png", b"just some text, not a picture", "not an image in a supported format"),
    ("empty.png", b"", "not an image in a supported format"),
])
def test_a_file_that_is_no_picture_is_named_in_its_error(tmp_path, run_flow, name, data, says):
    (tmp_path / name).write_bytes(data)
    result = loaded(run_flow, name, tmp_path)
    assert result.status == "failed" and says in result.error
    assert str(tmp_path / name) in result.error  # (in a loop over a folder: which file it was)


@pytest.mark.parametrize("mode", ["CMYK", "F", "I;16", "LA", "P", "1"])
def test_image_save_writes_a_png_of_a_picture_of_any_mode(tmp_path, run_flow, mode):
    img = Image.new("RGB", (10, 6), (200, 100, 50)).convert(mode) if mode != "I;16" else grey16(size=(10, 6))
    if mode == "F":
        img = Image.new("F", (10, 6), 0.5)  # (a float picture: 0–1)
    wf = (Flow().node("in", "input", name="pic", type="image").node("save", "image_save", path="out.png")
          .chain("in.value", "save.image").build())
    result, _ = run_flow(wf, {"pic": img}, base_dir=tmp_path)
    assert result.status == "succeeded", result.error
    with Image.open(tmp_path / "out.png") as saved:
        assert saved.size == (10, 6)
        if mode == "F":
            assert saved.convert("L").getpixel((0, 0)) in (127, 128)  # (0.5 of white)
        if mode == "I;16":  # (PNG holds 16 bits a pixel: kept)
            assert saved.mode == "I;16" and saved.getpixel((0, 0)) == 40000
