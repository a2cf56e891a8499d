"""The model library and the model blocks on real ONNX Runtime inference, with tiny models built here by
onnx.helper (tests/onnx_models.py) — nothing downloaded."""

from __future__ import annotations

import asyncio
import math

import pytest
from PIL import Image

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from . import onnx_models as m  # noqa: E402

from engine import net  # noqa: E402
from engine.errors import ModelError  # noqa: E402
from engine.executor import Executor  # noqa: E402
from engine.executor.single import run_block  # noqa: E402
from engine.models import ModelLibrary  # noqa: E402
from engine.runs import RunSettings  # noqa: E402


def block(lib: ModelLibrary, kind: str, inputs: dict, **config):
    async def go():
        ex = Executor()
        try:
            return await run_block(ex, kind, inputs, config, policy=RunSettings(models_dir=str(lib.folder)))
        finally:
            ex.close()
            await net.aclose()

    return asyncio.run(go())


def ok(lib, kind, inputs, **config):
    result = block(lib, kind, inputs, **config)
    assert result.status == "succeeded", result.error
    return result.outputs


@pytest.fixture
def lib(tmp_path):
    return ModelLibrary(tmp_path / "models")


def test_import_fills_the_card_from_the_model_and_lists_and_removes(lib, tmp_path):
    card = lib.import_model(m.classifier(tmp_path / "colours.onnx"), "classify", labels=["red", "green", "blue"])
    assert (card.name, card.input_name, card.width, card.height, card.layout) == ("colours", "image", 8, 8, "NCHW")
    assert card.batch_dynamic and card.decoding == "softmax" and len(card.sha256) == 64
    assert [c.name for c in lib.list()] == ["colours"]
    with pytest.raises(ModelError, match="already"):
        lib.import_model(tmp_path / "colours.onnx", "classify")
    lib.remove("colours")
    assert lib.list() == []


def test_classify_is_the_softmax_of_the_mean_colour(lib, tmp_path):
    lib.import_model(m.classifier(tmp_path / "colours.onnx"), "classify", labels=["red", "green", "blue"])
    out = ok(lib, "model_classify", {"image": Image.new("RGB", (30, 20), (0, 255, 0))}, model="colours", top_k=2)
    p = math.exp(10) / (math.exp(10) + 2)
    assert out["label"] == "green" and out["score"] == pytest.approx(p, rel=1e-5)
    assert [t["label"] for t in out["top"]] == ["green", "red"]
    assert out["top"][1]["score"] == pytest.approx((1 - p) / 2, rel=1e-4)


def test_yolo_decoding_maps_boxes_through_the_letterbox_and_suppresses_overlaps(lib, tmp_path):
    lib.import_model(m.yolo_detector(tmp_path / "pets.onnx"), "detect", labels=["cat", "dog"])
    # a 128×64 picture in a 64×64 input: scale 0.5, no shift left/right, 16 input pixels of grey above
    out = ok(lib, "model_detect", {"image": Image.new("RGB", (128, 64), "white")}, model="pets")
    assert out["boxes"] == [
        {"label": "cat", "score": 0.9, "left": 44, "top": 22, "right": 84, "bottom": 42},
        {"label": "dog", "score": 0.7, "left": 46, "top": 22, "right": 86, "bottom": 42},
        {"label": "cat", "score": 0.5, "left": 110, "top": 0, "right": 128, "bottom": 18},
    ]
    assert out["count"] == 3
    only_dogs = ok(lib, "model_detect", {"image": Image.new("RGB", (128, 64))}, model="pets", classes="dog")
    assert [b["label"] for b in only_dogs["boxes"]] == ["dog"]
    loose = ok(lib, "model_detect", {"image": Image.new("RGB", (128, 64))}, model="pets", iou=0.95, max_boxes=2)
    assert [b["score"] for b in loose["boxes"]] == [0.9, pytest.approx(0.8)]


def test_ssd_outputs_are_read_in_normalised_corners(lib, tmp_path):
    import numpy as np

    boxes = np.asarray([[[0.25, 0.5, 0.75, 1.0], [0.0, 0.0, 0.1, 0.1]]], np.float32)  # x0 y0 x1 y1
    scores = np.asarray([[[0.1, 0.8], [0.9, 0.05]]], np.float32)  # per class: background-free cat, dog
    path = m.fixed_outputs(tmp_path / "ssd.onnx", {"boxes": boxes, "scores": scores})
    lib.import_model(path, "detect", labels=["cat", "dog"], decoding="ssd", resize="stretch")
    out = ok(lib, "model_detect", {"image": Image.new("RGB", (200, 100))}, model="ssd", min_score=0.5)
    assert out["boxes"] == [{"label": "cat", "score": 0.9, "left": 0, "top": 0, "right": 20, "bottom": 10},
                            {"label": "dog", "score": 0.8, "left": 50, "top": 50, "right": 150, "bottom": 100}]


def test_segment_gives_a_mask_the_pictures_size(lib, tmp_path):
    import numpy as np

    logits = np.zeros((1, 2, 64, 64), np.float32)
    logits[0, 1, :, 32:] = 5  # the right half of the input is class 1
    lib.import_model(m.fixed_output(tmp_path / "halves.onnx", logits), "segment", labels=["sky", "sea"])
    out = ok(lib, "model_segment", {"image": Image.new("RGB", (40, 10))}, model="halves")
    mask = out["mask"]
    assert mask.size == (40, 10) and mask.getpixel((5, 5)) == 0 and mask.getpixel((35, 5)) == 1
    assert out["labels"] == [{"index": 0, "label": "sky", "pixels": 200}, {"index": 1, "label": "sea", "pixels": 200}]


@pytest.mark.parametrize("build,problem", [
    (m.text_input, "takes text"),
    (m.rank2_input, "has rank 2"),
    (m.unknown_op, "operator ONNX Runtime does not know: com.example:FrobnicateNotAnOp"),
    (lambda p: (p.write_bytes(b"\x08\x01garbage, not protobuf"), p)[1], "not an ONNX model"),
])
def test_unusable_models_are_refused_with_the_reason(lib, tmp_path, build, problem):
    with pytest.raises(ModelError, match=problem):
        lib.import_model(build(tmp_path / "bad.onnx"), "classify")
    assert lib.list() == []


def test_labels_that_do_not_match_the_output_are_refused(lib, tmp_path):
    with pytest.raises(ModelError, match="2 labels, but its output 'scores' gives 3 scores"):
        lib.import_model(m.classifier(tmp_path / "c.onnx"), "classify", labels=["a", "b"])
    with pytest.raises(ModelError, match="3 labels, but its output 'output0'"):
        lib.import_model(m.yolo_detector(tmp_path / "y.onnx"), "detect", labels=["a", "b", "c"])


def test_a_model_block_names_its_problem_as_the_nodes_error(lib, tmp_path):
    picture = {"image": Image.new("RGB", (8, 8))}
    assert "no model chosen" in block(lib, "model_classify", picture).nodes["node"].error
    assert "no model 'nope'" in block(lib, "model_classify", picture, model="nope").nodes["node"].error
    lib.import_model(m.classifier(tmp_path / "c.onnx"), "classify")
    (lib.folder / "c" / "model.onnx").write_bytes(b"broken since")
    failed = block(lib, "model_classify", picture, model="c")
    assert failed.status == "failed" and "not an ONNX model" in failed.nodes["node"].error
    assert "is a classify model, not a detect one" in block(lib, "model_detect", picture,
                                                             model="c").nodes["node"].error


def test_face_detect_finds_the_astronauts_face_with_no_model(lib):
    pytest.importorskip("cv2")
    data = pytest.importorskip("skimage.data")
    out = ok(lib, "face_detect", {"image": Image.fromarray(data.astronaut())})
    assert out["count"] == 1
    box = out["boxes"][0]
    assert (box["left"], box["top"], box["right"] - box["left"], box["bottom"] - box["top"]) == (177, 66, 95, 95)


def test_face_detect_searches_a_big_photo_at_a_workable_size(lib):
    """A 4000-pixel photo searched at full size gave 8 "faces" (the rocket, the suit, the name tag: an outside
    tester) in ~2 s; searched at 1024 pixels its boxes are in its own pixels, the face among them, the rest gone."""
    pytest.importorskip("cv2")
    data = pytest.importorskip("skimage.data")
    big = Image.fromarray(data.astronaut()).resize((4000, 4000))
    out = ok(lib, "face_detect", {"image": big})
    assert out["count"] <= 2
    face = min(out["boxes"], key=lambda b: abs(b["left"] - 177 * 7.8125))
    assert abs(face["left"] - 1383) < 60 and abs(face["top"] - 516) < 60 and abs(face["right"] - face["left"] - 742) < 80
    assert ok(lib, "face_detect", {"image": big}, max_side=0)["count"] > 2  # (what full size finds: 0 = full size)
    assert all("score" not in b for b in out["boxes"])  # (a cascade has no confidence to give: none is made up)


def test_face_detect_refuses_a_smallest_face_larger_than_the_picture_it_searches(lib):
    """Max Side 3 with Min Size 30 found nothing, without a word (an outside tester): it says why."""
    pytest.importorskip("cv2")
    data = pytest.importorskip("skimage.data")
    result = block(lib, "face_detect", {"image": Image.fromarray(data.astronaut())}, max_side=20, min_size=30)
    assert result.status == "failed"
    assert "min_size 30 is larger than the 20-pixel picture it searches" in result.nodes["node"].error
    assert ok(lib, "face_detect", {"image": Image.new("RGB", (20, 20))})["count"] == 0  # (a small picture: none)


def test_what_a_model_does_is_guessed_from_its_outputs(tmp_path):
    """Models ▸ Import… and `nodeloom models import` without --task start from this (an outside tester imported a
    YOLO model and the dialog stayed at "classify")."""
    import numpy as np

    from engine.models.inspect import inspect_model

    ssd = m.fixed_outputs(tmp_path / "ssd.onnx", {"boxes": np.zeros((1, 2, 4), np.float32),
                                                   "scores": np.zeros((1, 2, 2), np.float32)})
    masks = m.fixed_output(tmp_path / "halves.onnx", np.zeros((1, 2, 64, 64), np.float32))
    assert inspect_model(m.yolo_detector(tmp_path / "yolo.onnx")).likely_task() == ("detect", "yolo")
    assert inspect_model(ssd).likely_task() == ("detect", "ssd")
    assert inspect_model(m.classifier(tmp_path / "c.onnx")).likely_task() == ("classify", "softmax")
    assert inspect_model(masks).likely_task() == ("segment", "mask")
