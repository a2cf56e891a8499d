"""Issue 29's editor: Models ▸ Import… in the real window, a model_detect dropped from the palette, its model picked
in the inspector (its card shown), Ctrl+Enter — the boxes drawn over the picture it was given (a toggle hides
them, the pixels are never changed) and counted by label in the preview tree. Real onnxruntime, a detector built
with onnx.helper (tests/onnx_models.py): its boxes are the decoding maths' exact ones."""

from __future__ import annotations

import asyncio

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton, QTreeWidget

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from app.document.commands import Connect  # noqa: E402
from engine.model import Edge  # noqa: E402

from . import onnx_models as m  # noqa: E402
from .editor_helpers import drop_block  # noqa: E402
from .test_models_cli import BOXES  # noqa: E402
from .test_queue_gui import on_loop, until  # noqa: E402


def import_by_dialog(window, qtbot, path, labels: str):
    window.actionModelImport.trigger()  # Models ▸ Import…
    dialog = window.findChild(QLabel, "modelFound").window()
    assert dialog.objectName() == "modelImportDialog" and dialog.isVisible()
    field = dialog.findChild(QLineEdit, "modelFile")
    field.setFocus()
    qtbot.keyClicks(field, str(path))
    qtbot.keyClick(field, Qt.Key.Key_Return)
    found = dialog.findChild(QLabel, "modelFound")
    assert "Reading" in found.text() or "1 × 3 × 64 × 64" in found.text()  # (read off the GUI thread)
    qtbot.waitUntil(lambda: "1 × 3 × 64 × 64" in found.text(), timeout=20_000)  # read from the file
    assert dialog.findChild(QLineEdit, "modelName").text() == path.stem
    task = dialog.findChild(QComboBox, "modelTask")
    assert task.currentText() == "detect"  # (what its outputs look like: (1, 4 + classes, candidates))
    task.setCurrentText("detect")
    assert dialog.findChild(QComboBox, "modelDecoding").currentText() == "yolo"
    assert dialog.findChild(QComboBox, "modelResize").currentText() == "letterbox"
    labels_box = dialog.findChild(type(dialog.labels), "modelLabels")
    labels_box.setFocus()
    type_lines(qtbot, labels_box, labels)
    return dialog


def click_import(qtbot, dialog) -> None:
    """Import, as a click does; until the import (off the GUI thread) has answered."""
    QTest.mouseClick(dialog.findChild(QPushButton, "modelImport"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)


def type_lines(qtbot, box, text: str) -> None:
    for i, line in enumerate(text.split("\n")):
        if i:
            qtbot.keyClick(box, Qt.Key.Key_Return)
        qtbot.keyClicks(box, line)


def load_and_drop_detector(window, picture, at: QPoint):
    """A new workflow: an Image Load of ``picture``, a Model Detect dropped from the palette at ``at`` and linked to
    it, and selected (the inspector shows it)."""
    return _load_then_detect(window, picture, lambda tab: drop_block(window, tab, "model_detect", at))


def _load_then_detect(window, picture, add_detector):
    """A new tab: an Image Load of ``picture`` linked into the Model Detect ``add_detector(tab)`` adds, which is
    selected."""
    tab = window.workflows.new()
    load = tab.add_block("image_load", QPointF(0, 0))
    tab.doc.update_node(load, config={**tab.doc.nodes[load].config, "source": str(picture)})
    detect = add_detector(tab)
    tab.undo_stack.push(Connect(tab.doc, Edge(id="e1", source=load, source_port="image", target=detect,
                                              target_port="image")))
    tab.scene.clearSelection()
    tab.scene.node_items[detect].setSelected(True)
    return tab, load, detect


def test_import_drop_pick_and_run_a_detector_draws_its_boxes_over_the_preview(window, qtbot, tmp_path):
    model = m.yolo_detector(tmp_path / "pets.onnx")
    picture = tmp_path / "pic.png"
    Image.new("RGB", (128, 64), "white").save(picture)

    wrong = import_by_dialog(window, qtbot, model, "cat\ndog\nbird")  # three labels for a two-class table
    click_import(qtbot, wrong)
    problem = wrong.findChild(QLabel, "modelProblem")
    assert "3 labels" in problem.text() and "room for 1 or 2 classes" in problem.text(), problem.text()
    assert wrong.isVisible()
    assert window.models.library.list() == []  # nothing half-imported
    labels = wrong.findChild(type(wrong.labels), "modelLabels")
    labels.selectAll()
    type_lines(qtbot, labels, "cat\ndog")
    click_import(qtbot, wrong)
    assert not wrong.isVisible()
    [card] = window.models.library.list()
    assert (card.name, card.task, card.labels, card.width, card.height) == ("pets", "detect", ["cat", "dog"], 64, 64)

    tab, load, detect = load_and_drop_detector(window, picture, QPoint(420, 200))
    choice = window.inspector.findChild(QComboBox, "field.model")
    assert [choice.itemText(i) for i in range(choice.count())] == ["pets"]
    card_label = window.inspector.findChild(QLabel, "modelCard")
    assert "No model chosen" in card_label.text()
    choice.setFocus()
    qtbot.keyClicks(choice.lineEdit(), "pets")
    qtbot.keyClick(choice.lineEdit(), Qt.Key.Key_Return)
    assert tab.doc.nodes[detect].config["model"] == "pets"
    card_label = window.inspector.findChild(QLabel, "modelCard")
    assert "detect · yolo decoding" in card_label.text() and "cat, dog" in card_label.text()

    async def go():
        await window.runs.open_service()
        window.actionRunNode.trigger()  # Ctrl+Enter: this node and what it needs
        await until(lambda: tab.scene.node_items[detect].status in ("succeeded", "failed"), timeout=30, what="the run")
        assert tab.scene.node_items[detect].status == "succeeded", tab.scene.node_items[detect].toolTip()
        await until(lambda: window.preview_panel.overlay.boxes, what="the boxes over the preview")

    on_loop(window, go)
    panel = window.preview_panel
    assert panel.overlay.boxes == BOXES
    assert panel.image.size == (128, 64) and panel.image.getpixel((44, 30)) == (255, 255, 255)  # pixels unchanged
    rects = sorted((round(r.rect().left()), round(r.rect().top()), round(r.rect().right()), round(r.rect().bottom()))
                   for r in panel.overlay.rects)
    assert rects == sorted((b["left"], b["top"], b["right"], b["bottom"]) for b in BOXES)
    view = panel.image_view
    picture = view.mapFromScene(view.item.sceneBoundingRect()).boundingRect()
    for tag in (c for c in panel.overlay.childItems() if c not in panel.overlay.rects):  # (the box at 110–128 too)
        shown = view.mapFromScene(tag.sceneBoundingRect()).boundingRect()
        assert shown.right() <= picture.right() + 1, (shown, picture)  # (a tag stays over the picture)
    toggle = panel.findChild(QPushButton, "previewBoxes")
    assert toggle.isVisible() and toggle.isChecked() and panel.overlay.isVisible()
    QTest.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert not panel.overlay.isVisible()
    assert "3 boxes" in panel.info.text()
    tree = panel.findChild(QTreeWidget, "jsonTree")
    [head] = tree.findItems("Boxes by label", Qt.MatchFlag.MatchExactly)
    assert [(head.child(i).text(0), head.child(i).text(1).split()[-1]) for i in range(head.childCount())] == [
        ("cat", "2"), ("dog", "1")]


def test_double_clicking_a_detectors_picture_opens_the_viewer_on_what_it_was_given(window, qtbot, tmp_path):
    from engine.models import ModelLibrary

    ModelLibrary(window.home / "models").import_model(m.yolo_detector(tmp_path / "pets.onnx"), "detect",
                                                      labels=["cat", "dog"])
    tab, load, detect = detector_tab(window, tmp_path)

    async def go():
        await window.runs.open_service()
        window.actionRunNode.trigger()
        await until(lambda: window.preview_panel.overlay.boxes, timeout=30, what="the boxes")
        view = window.preview_panel.image_view
        QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.viewport().rect().center())
        await until(lambda: window.viewing.viewer is not None and window.viewing.viewer.isVisible(), what="the viewer")

    on_loop(window, go)
    viewer = window.viewing.viewer
    assert viewer.windowTitle().startswith("Image Load")  # (an outside tester got an empty viewer on the detector)
    assert window.viewing.subject[1:] == (load, "image")


def detector_tab(window, tmp_path, size=(128, 64)):
    picture = tmp_path / "pic.png"
    Image.new("RGB", size, "white").save(picture)

    def add_detector(tab):
        detect = tab.add_block("model_detect", QPointF(400, 0))
        tab.doc.update_node(detect, config={**tab.doc.nodes[detect].config, "model": "pets"})
        return detect

    return _load_then_detect(window, picture, add_detector)


def test_what_outside_tester_5_found_in_the_window(window, qtbot, tmp_path):
    """A failed run of the node leaves no earlier boxes on screen; the model list follows the library (also when
    the command line changed it) and offers only the block's task; a detector that found nothing still shows the
    picture; the import dialog can replace a model and forgets a refusal once the user changes something."""
    from engine.models import ModelLibrary

    library = ModelLibrary(window.home / "models")
    library.import_model(m.yolo_detector(tmp_path / "pets.onnx"), "detect", labels=["cat", "dog"])
    library.import_model(m.classifier(tmp_path / "colours.onnx"), "classify", labels=["r", "g", "b"])
    tab, load, detect = detector_tab(window, tmp_path)
    choice = window.inspector.findChild(QComboBox, "field.model")
    assert [choice.itemText(i) for i in range(choice.count())] == ["pets"]  # (not the classifier)
    library.import_model(tmp_path / "pets.onnx", "detect", labels=["cat", "dog"], name="later")  # (another process)
    choice.showPopup()
    assert [choice.itemText(i) for i in range(choice.count())] == ["later", "pets"]
    choice.hidePopup()

    async def go():
        await window.runs.open_service()
        window.actionRunNode.trigger()
        await until(lambda: window.preview_panel.overlay.boxes, timeout=30, what="the boxes")
        await until(lambda: "boxes = " in window.run_panel.text().strip().splitlines()[-1], timeout=30,
                    what="the first run's end")  # (the node's boxes are shown live, before its run has ended)
        library.remove("pets")  # (as `nodeloom models remove` does, the window open; nothing edited)
        window.actionRunNode.trigger()
        await until(lambda: tab.scene.node_items[detect].status == "failed", timeout=30, what="the failed run")
        await until(lambda: "failed" in window.run_panel.text().strip().splitlines()[-1], timeout=30,
                    what="the failed run's line in the log")  # (its end is said after the node shows failed)
        await asyncio.sleep(0.3)  # (nothing else said after it)
        said = window.run_panel.text()
        card = window.inspector.findChild(QLabel, "modelCard").text()
        assert "pets is not in the model library" in card  # (read again after the run: no stale card)
        library.import_model(tmp_path / "pets.onnx", "detect", labels=["cat", "dog"])
        tab.doc.update_node(detect, config={**tab.doc.nodes[detect].config, "min_score": 2.0})  # (none kept)
        window.actionRunNode.trigger()
        await until(lambda: window.preview_panel.found_boxes == [], timeout=30, what="no boxes")
        return said

    said = on_loop(window, go)
    last = said.strip().splitlines()[-1]
    assert "failed" in last and "no model 'pets'" in last and "boxes = " not in last
    panel = window.preview_panel
    assert panel.image is not None and panel.image.size == (128, 64) and "0 boxes" in panel.info.text()
    assert not panel.findChild(QPushButton, "previewBoxes").isVisible()

    dialog = import_by_dialog(window, qtbot, tmp_path / "pets.onnx", "cat\ndog")
    click_import(qtbot, dialog)
    problem = dialog.findChild(QLabel, "modelProblem")
    assert "already" in problem.text() and problem.isVisible()
    dialog.findChild(QCheckBox, "modelReplace").setChecked(True)
    assert not problem.isVisible()  # (the change that answers it)
    click_import(qtbot, dialog)
    assert not dialog.isVisible() and [c.name for c in library.list()] == ["colours", "later", "pets"]


def test_the_import_dialog_reads_and_imports_a_model_off_the_gui_thread(window, qtbot, tmp_path):
    """A model of hundreds of megabytes takes ONNX Runtime seconds to load: the dialog says it is reading, its
    Import button waits, and the window goes on painting; the file chosen last is the one whose shapes show."""
    detector, classifier = m.yolo_detector(tmp_path / "pets.onnx"), m.classifier(tmp_path / "colours.onnx")
    window.actionModelImport.trigger()
    dialog = window.findChild(QLabel, "modelFound").window()
    found, button = dialog.findChild(QLabel, "modelFound"), dialog.findChild(QPushButton, "modelImport")
    dialog.read_file(str(detector))
    assert dialog.busy and "Reading pets.onnx" in found.text() and not button.isEnabled()
    dialog.read_file(str(classifier))  # (another file chosen before the first was read)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
    assert button.isEnabled() and "1 × 3 × 64 × 64" not in found.text() and "Input" in found.text()
    assert "batch × 3 × 8 × 8" in found.text() and "('batch'" not in found.text()  # (not Python tuples)
    assert dialog.findChild(QLineEdit, "modelName").text() == "colours"
    dialog.findChild(QComboBox, "modelTask").setCurrentText("classify")
    dialog.labels.setPlainText("r\ng\nb")
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert dialog.busy and button.text() == "Importing…" and not button.isEnabled()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)  # (a second click while it imports does nothing)
    dialog.reject()  # (Cancel while it imports: it stays, saying the import cannot be stopped half-way)
    assert dialog.isVisible() and "cannot be stopped" in dialog.findChild(QLabel, "modelProblem").text()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
    assert [c.name for c in window.models.library.list()] == ["colours"]
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    window.actionModelImport.trigger()
    dialog = window.models.dialog
    dialog.read_file(str(broken))
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
    problem = dialog.findChild(QLabel, "modelProblem")
    assert problem.isVisible() and "not an ONNX model" in problem.text(), problem.text()

