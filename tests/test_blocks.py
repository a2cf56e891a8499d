"""Every block of this issue's catalogue, run through the real executor."""

import asyncio
import base64
import io
import os

import pytest
from PIL import Image

from engine import net
from engine.executor import Executor
from engine.executor.single import run_block
from engine.folders import resources_dir

SAMPLE = resources_dir() / "samples" / "landscape.png"


def block(kind, inputs=None, base_dir=None, **config):
    async def go():
        ex = Executor()
        try:
            return await run_block(ex, kind, inputs, config, base_dir=base_dir)
        finally:
            ex.close()
            await net.aclose()

    result = asyncio.run(go())
    return result


def ok(kind, inputs=None, **config):
    result = block(kind, inputs, **config)
    assert result.status == "succeeded", result.error
    return result.outputs


def failure(kind, inputs=None, **config):
    result = block(kind, inputs, **config)
    assert result.status == "failed"
    return result.nodes["node"].error


@pytest.mark.parametrize("value,operator,cmp,expected", [
    (5, "eq", 5, True), (5, "eq", 6, False),
    (5, "neq", 6, True),
    (5, "gt", 4, True), (5, "gt", 5, False),
    (5, "gte", 5, True),
    (5, "lt", 6, True), (5, "lte", 5, True), (6, "lte", 5, False),
    ("b", "in", ["a", "b"], True), ("z", "in", "abc", False),
    ("z", "nin", ["a"], True), ("a", "nin", ["a"], False),
    (["x", "y"], "contains", "y", True), ("hello", "contains", "ell", True),
    ("order-123", "matches", r"^order-\d+$", True), ("x", "matches", r"\d", False),
    (0, "exists", None, True), (None, "exists", None, False),
    ([], "empty", None, True), ("", "empty", None, True), ("a", "empty", None, False),
])
def test_condition_operators(value, operator, cmp, expected):
    out = ok("condition", {"value": value}, operator=operator, value=cmp)
    assert out["result"] is expected
    assert out["label"] == ("pass" if expected else "fail")
    branch, dead = ("true_output", "false_output") if expected else ("false_output", "true_output")
    assert out[branch] == value and dead not in out


def test_condition_field_and_compare_to_input():
    out = ok("condition", {"value": {"user": {"age": 30}}, "compare_to": 18}, field="user.age", operator="gte", value=99)
    assert out["result"] is True
    assert ok("condition", {"value": {}}, field="missing.path", operator="exists")["result"] is False
    assert "cannot compare" in failure("condition", {"value": "a"}, operator="gt", value=1)


def collected(items, **config):
    from .builder import Flow

    wf = (Flow().node("items", "constant", value=items).node("each", "foreach").node("col", "collect", **config)
          .node("out", "output", name="out")
          .edge("items.value", "each.items").edge("each.item", "col.value").edge("col.items", "out.value").build())
    result = asyncio.run(Executor().run(wf))
    assert result.status == "succeeded", result.error
    return result.outputs["out"]


def test_merge_and_collect_and_filter():
    assert ok("merge", {"a": None, "b": 2, "c": 3})["value"] == 2
    assert ok("merge", {"b": 2, "in10": 10, "in2": 5}, mode="list")["value"] == [2, 5, 10]
    assert collected([1, None, [2, 3], 1], flatten=True, unique=True) == [1, 2, 3]
    assert collected([1, None, 2], filter_nulls=False) == [1, None, 2]
    assert collected([{"id": 1}, {"id": 1, "x": 2}], unique=True, unique_key="id") == [{"id": 1}]
    out = ok("filter_list", {"items": [{"n": 1}, {"n": 5}, {"x": 0}]}, field="n", operator="gt", value=2)
    assert out == {"items": [{"n": 5}], "count": 1}


def test_data_blocks():
    assert ok("get_field", {"data": {"a": {"b": [10, 20]}}}, path="a.b[1]")["value"] == 20
    assert ok("get_field", {"data": {"a": 1}}, path="nope")["value"] is None
    assert ok("json_parse", {"text": '{"a": [1, 2]}'})["value"] == {"a": [1, 2]}
    assert "line 1 column" in failure("json_parse", {"text": "{bad"})
    assert "nested too deeply" in failure("json_parse", {"text": "[" * 100_000})
    assert ok("template", {"data": {"who": "you"}}, template="hi {{who}}")["text"] == "hi you"
    assert ok("transform", {"data": [1, 2, 3]}, expression="sum(data) * 2")["result"] == 12
    assert "division by zero" in failure("transform", {"data": 1}, expression="data / 0")
    assert ok("constant", value={"$type": "bytes", "base64": "AAE="})["value"] == b"\x00\x01"
    assert ok("delay", {"value": "v"}, seconds=0.01)["value"] == "v"


def _png_data_uri() -> str:
    buf = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def test_image_load_from_path_data_uri_and_errors(tmp_path):
    out = ok("image_load", source=str(SAMPLE))
    assert (out["width"], out["height"]) == (320, 240)
    assert ok("image_load", source=_png_data_uri())["image"].size == (8, 6)
    assert "cannot read" in failure("image_load", source=str(tmp_path / "missing.png"))
    (tmp_path / "junk.png").write_bytes(b"not an image at all")
    assert "supported format" in failure("image_load", source=str(tmp_path / "junk.png"))
    truncated = SAMPLE.read_bytes()[:400]
    (tmp_path / "cut.png").write_bytes(truncated)
    assert "could not be decoded" in failure("image_load", source=str(tmp_path / "cut.png"))


def test_image_load_over_http(tmp_path):
    from .http_server import Handler, LoopbackServer

    server = LoopbackServer()
    Handler.extra["/img.png"] = (SAMPLE.read_bytes(), "image/png")
    try:
        assert ok("image_load", source=f"{server.url}/img.png")["image"].size == (320, 240)
        assert "404" in failure("image_load", source=f"{server.url}/nothing.png")
    finally:
        Handler.extra.pop("/img.png")
        server.close()


def test_image_transforms(tmp_path):
    img = Image.open(SAMPLE)
    img.load()
    assert ok("image_resize", {"image": img}, width=160, height=160)["image"].size == (160, 120)
    assert ok("image_resize", {"image": img}, width=100, height=50, keep_aspect=False)["image"].size == (100, 50)
    assert ok("image_resize", {"image": img}, width=0, height=60)["image"].size == (80, 60)
    assert ok("image_crop", {"image": img}, left=10, top=20, right=110, bottom=70)["image"].size == (100, 50)
    box = {"left": 0, "top": 0, "right": 5, "bottom": 5}
    assert ok("image_crop", {"image": img, "box": box})["image"].size == (5, 5)
    assert "not inside" in failure("image_crop", {"image": img}, left=10, right=1000)
    assert ok("image_rotate", {"image": img}, degrees=90)["image"].size == (240, 320)
    assert ok("image_grayscale", {"image": img})["image"].mode == "L"
    assert ok("image_blur", {"image": img}, radius=3)["image"].size == (320, 240)
    out = ok("image_threshold", {"image": img}, level=128)
    hist = out["mask"].histogram()
    assert out["mask"].mode == "L" and sum(hist) == hist[0] + hist[255]
    drawn = ok("image_draw_boxes", {"image": img, "boxes": [[1, 1, 50, 50], {"x": 60, "y": 60, "w": 10, "h": 10, "label": "a"}]},
               color="#00ff00", width=3)["image"]
    assert drawn.getpixel((1, 25)) == (0, 255, 0) and img.getpixel((1, 25)) != (0, 255, 0)
    info = ok("image_info", {"image": img})
    assert (info["width"], info["height"], info["mode"], len(info["histogram"])) == (320, 240, "RGB", 768)
    saved = ok("image_save", {"image": img}, path=str(tmp_path / "out" / "x.jpeg"), format="jpeg", quality=80)
    with Image.open(saved["path"]) as written:
        assert written.format == "JPEG"
    from engine.model import _umask

    assert os.stat(saved["path"]).st_mode & 0o777 == 0o666 & ~_umask()  # a file the user saved, not a private one
    assert "needs an image" in failure("image_grayscale", {"image": "nope"})


def test_decompression_bomb_is_a_clean_failure(tmp_path):
    big = Image.new("1", (20_000, 20_000))
    path = tmp_path / "bomb.png"
    big.save(path, optimize=True)
    assert "megapixels, over the limit of 200" in failure("image_load", source=str(path))


def test_no_block_description_shows_people_a_module_path():
    import re

    from engine.blocks import default_registry

    for cls in default_registry():
        description = cls.describe()["description"]
        assert not re.search(r"\b(engine|app|nodeloom)\.[a-z_]", description), (cls.type, description)
    foreach = default_registry().get("foreach").describe()["description"]
    assert "collect" in foreach and "parallel" in foreach, foreach
