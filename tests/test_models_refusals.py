"""What outside tester 5 found in the model library and blocks (issue 29), each on real ONNX Runtime with models
built by onnx.helper: a model imported under a task its output cannot serve (no labels given), boxes with no area
left in a tiny picture, a class filter naming a label the model lacks, and import messages that spoke of command
line flags or of ONNX Runtime's own words."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from engine.errors import ModelError  # noqa: E402
from engine.models import ModelLibrary  # noqa: E402

from . import onnx_models as m  # noqa: E402
from .test_models import block, ok  # noqa: E402


@pytest.fixture
def lib(tmp_path):
    return ModelLibrary(tmp_path / "models")


def test_a_model_whose_output_does_not_fit_the_task_is_refused_without_labels(lib, tmp_path):
    with pytest.raises(ModelError, match=r"gives \(1, 6, 5\).*classify.*\(1, classes\)"):
        lib.import_model(m.yolo_detector(tmp_path / "det.onnx"), "classify")
    with pytest.raises(ModelError, match=r"gives \((1|batch), 3\), which a detect model"):
        lib.import_model(m.classifier(tmp_path / "cls.onnx"), "detect")
    with pytest.raises(ModelError, match=r"gives \((1|batch), 3\), which a segment model"):
        lib.import_model(m.classifier(tmp_path / "cls.onnx"), "segment")
    assert lib.list() == []
    assert lib.import_model(tmp_path / "det.onnx", "detect").task == "detect"  # (the right task still goes)


def test_boxes_with_no_area_left_in_the_picture_are_dropped(lib, tmp_path):
    lib.import_model(m.yolo_detector(tmp_path / "pets.onnx"), "detect", labels=["cat", "dog"])
    out = ok(lib, "model_detect", {"image": Image.new("RGB", (1, 1))}, model="pets")
    assert all(b["right"] > b["left"] and b["bottom"] > b["top"] for b in out["boxes"])
    assert out["count"] == len(out["boxes"])


def test_a_class_filter_naming_a_label_the_model_lacks_is_an_error(lib, tmp_path):
    lib.import_model(m.yolo_detector(tmp_path / "pets.onnx"), "detect", labels=["cat", "dog"])
    failed = block(lib, "model_detect", {"image": Image.new("RGB", (64, 64))}, model="pets", classes="dog, horse")
    assert failed.status == "failed" and "has no label 'horse' (its labels: cat, dog)" in failed.nodes["node"].error


def test_import_messages_name_the_problem_in_the_users_words(lib, tmp_path):
    (tmp_path / "empty.onnx").write_bytes(b"")
    with pytest.raises(ModelError, match="empty.onnx is empty"):
        lib.import_model(tmp_path / "empty.onnx", "classify")
    with pytest.raises(ModelError, match="no file"):
        lib.import_model(tmp_path / "missing.onnx", "classify")
    (tmp_path / "dir.onnx").mkdir()
    with pytest.raises(ModelError, match="is a folder, not a model file"):
        lib.import_model(tmp_path / "dir.onnx", "classify")
    dynamic = m.fixed_output(tmp_path / "anysize.onnx", np.zeros((1, 3), np.float32))
    import onnx

    model = onnx.load(str(dynamic))
    for d in model.graph.input[0].type.tensor_type.shape.dim[2:]:
        d.dim_param = "side"
    onnx.save(model, str(dynamic))
    with pytest.raises(ModelError) as refused:
        lib.import_model(dynamic, "classify")
    assert "give the input's width and height" in str(refused.value) and "--" not in str(refused.value)
    with pytest.raises(ModelError) as wrong:
        lib.import_model(m.yolo_detector(tmp_path / "y.onnx", m.YOLO_ROWS[:3]), "detect", labels=["a", "b", "c"])
    assert "(1, 6, 3) has room for 2 classes" in str(wrong.value)  # (not "-1 or 2": three numbers hold no box)
