"""The user guide's chapter 12 (docs/guide.md: live preview), performed through the real main window with real key
events, as tests/test_guide.py performs chapters 1–10; a file of its own keeps each under 400 lines."""

import asyncio

from PySide6.QtCore import QPointF, Qt

from app.document.commands import Connect
from engine.model import Edge

from .test_guide import shot
from .test_queue_gui import on_loop, until


def test_chapter_12_live_preview_the_picture_follows_as_you_type(window, qtbot, tmp_path):
    from PIL import Image, ImageFilter
    from PySide6.QtWidgets import QDoubleSpinBox, QLineEdit

    from engine.runs import RunStarted

    saved = tmp_path / "soft.png"
    template = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Image pipeline")
    tab = window.workflows.new_from_template(template.id)
    tab.scene.node_items["blur"].setSelected(True)  # Soften
    window.preview_dock.raise_()

    async def go():
        service = await window.runs.open_service()
        live = service.subscribe()
        qtbot.keyClick(tab.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        assert window.actionLivePreview.isChecked()
        await until(lambda: window.preview_panel.image is not None
                    and window.live.status.text().startswith("Live preview · succeeded"), what="its picture")
        gray = window.outputs.of(tab, "gray")["image"]
        field = window.inspector.findChild(QDoubleSpinBox, "field.radius")
        field.setFocus()
        field.selectAll()
        qtbot.keyClicks(field, "3.5")  # key by key: 3, 3., 3.5
        want = (await service.read(gray)).filter(ImageFilter.GaussianBlur(3.5)).tobytes()
        await until(lambda: window.preview_panel.image.tobytes() == want and not window.live.by_run,
                    what="the picture at radius 3.5")
        assert tab.undo_stack.count() == 1 and tab.doc.nodes["blur"].config["radius"] == 3.5
        save = tab.add_block("image_save", QPointF(1500, 300))
        tab.undo_stack.push(Connect(tab.doc, Edge(id="e_save", source="blur", source_port="image", target=save,
                                                  target_port="image")))
        path = window.inspector.findChild(QLineEdit, "field.path")
        path.setText(str(saved))
        path.editingFinished.emit()
        await until(lambda: tab.scene.node_items[save].data(1) == "held", what="the held badge")
        tab.scene.clearSelection()
        tab.scene.node_items["blur"].setSelected(True)
        await until(lambda: not window.live.by_run, what="the live runs")
        await asyncio.sleep(0.2)
        assert not saved.exists()
        shot(window, "12-live")
        started = [e.run_id for e in live.drain() if isinstance(e, RunStarted)]
        window.actionRun.trigger()  # F5: everything, the held node too
        await until(saved.exists, what="the file written")
        await until(lambda: tab.scene.node_items[save].status == "succeeded", what="the run")
        return save, started

    save, started = on_loop(window, go)
    assert Image.open(saved).size == window.preview_panel.image.size
    assert [r.trigger for r in window.store.runs.list(tab.doc.workflow_id)] == ["editor"]
    assert started and not set(started) & {r.id for r in window.store.runs.list()}
