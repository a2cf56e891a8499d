"""The user guide's chapter 13 (docs/guide.md: models), performed through the real main window as
tests/test_guide.py performs chapters 1–10: Models ▸ Import… a detector (built with onnx.helper: nothing is
downloaded), a Model Detect dropped from the palette on a picture, its model picked, Ctrl+Enter — its boxes over the
preview, counted by label — then the faces template, which needs no model file."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QTreeWidget

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("cv2")

from engine.folders import resources_dir  # noqa: E402

from . import onnx_models as m  # noqa: E402
from .test_guide import shot  # noqa: E402
from .test_models_gui import click_import, import_by_dialog, load_and_drop_detector  # noqa: E402
from .test_queue_gui import on_loop, template, until  # noqa: E402


def test_chapter_13_models_find_things_in_a_picture(window, qtbot, tmp_path):
    from engine.models.decode import detections
    from engine.models.prepare import to_tensor

    dialog = import_by_dialog(window, qtbot, m.yolo_detector(tmp_path / "pets.onnx"), "cat\ndog")
    click_import(qtbot, dialog)
    assert not dialog.isVisible() and [c.name for c in window.models.library.list()] == ["pets"]

    landscape = resources_dir() / "samples" / "landscape.png"
    tab, load, detect = load_and_drop_detector(window, landscape, QPoint(460, 160))
    choice = window.inspector.findChild(QComboBox, "field.model")
    choice.setCurrentIndex(choice.findText("pets"))
    choice.activated.emit(choice.currentIndex())  # (picked from the list, as a click does)
    assert tab.doc.nodes[detect].config["model"] == "pets"
    assert "cat, dog" in window.inspector.findChild(QLabel, "modelCard").text()

    async def go():
        await window.runs.open_service()
        window.actionRunNode.trigger()  # Ctrl+Enter
        await until(lambda: window.preview_panel.overlay.boxes, timeout=30, what="the boxes over the preview")

    on_loop(window, go)
    window.preview_dock.raise_()
    panel = window.preview_panel
    library = window.models.library
    card = library.get("pets")
    from PIL import Image

    picture = Image.open(landscape)
    _tensor, fit = to_tensor(picture, card, "tensor(float)")
    want = detections(card, [m.YOLO_ROWS.T[None]], fit, min_score=0.25, iou=0.45, max_boxes=100, classes=[])
    assert panel.overlay.boxes == want and len(want) == 3  # what the decoding maths says, on the landscape's pixels
    assert panel.image.size == picture.size
    tree = panel.findChild(QTreeWidget, "jsonTree")
    assert tree.findItems("Boxes by label", Qt.MatchFlag.MatchExactly)
    shot(window, "13-models")


def test_chapter_13_the_faces_template_needs_no_model_file(window):
    tab = window.workflows.new_from_template(template(window, "Find faces and blur them").id)

    async def go():
        result = await window.runs.run_tab(tab)
        tab.scene.clearSelection()
        tab.scene.node_items["faces"].setSelected(True)
        await until(lambda: window.preview_panel.overlay.boxes, timeout=30, what="the face over the photo")
        return result

    result = on_loop(window, go)
    assert result.status == "succeeded"
    [face] = window.preview_panel.overlay.boxes
    assert abs(face["left"] - 177) <= 3 and abs(face["top"] - 66) <= 3 and abs(face["right"] - face["left"] - 95) <= 4
