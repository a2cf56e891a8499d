"""Bypass in the editor (issue 26): Ctrl+B, the node's menu and the inspector's checkbox switch a node off for
runs — one undo step however many nodes are selected —; the node is drawn dimmed with a bypass badge; F5 runs it
``bypassed`` and the picture comes out as it went in."""

import pytest
from PIL import Image, ImageChops
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from app.document.model import EditorDocument
from app.look import BYPASS_COLOR, HEADER

from .builder import Flow
from .editor_helpers import header_point, on_loop
from .test_canvas_menus import entries, right_click
from .test_queue_gui import until

pytestmark = pytest.mark.timeout(120)


def picture(path) -> None:
    """A picture a blur visibly changes: hard-edged squares."""
    img = Image.new("RGB", (48, 32), "white")
    for x in range(0, 48, 8):
        for y in range(0, 32, 8):
            if (x + y) // 8 % 2:
                img.paste((200, 30, 60), (x, y, x + 8, y + 8))
    img.save(path)


def blur_tab(window, tmp_path):
    picture(tmp_path / "in.png")
    wf = (Flow("Soft").node("load", "image_load", source=str(tmp_path / "in.png")).node("blur", "image_blur", radius=3)
          .node("save", "image_save", path=str(tmp_path / "out.png"))
          .chain("load.image", "blur.image", "save.image").build())
    for node, x in zip(wf.nodes, (0, 260, 520)):
        node.position = (x, 0)
    return window.add_tab(EditorDocument(wf, registry=window.registry))


def click(tab, node_id: str, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.mouseClick(tab.view.viewport(), Qt.MouseButton.LeftButton, modifier, header_point(tab, node_id))


def same_pixels(a, b) -> bool:
    with Image.open(a) as x, Image.open(b) as y:
        return x.size == y.size and ImageChops.difference(x.convert("RGB"), y.convert("RGB")).getbbox() is None


def test_ctrl_b_then_f5_runs_the_node_bypassed_and_the_picture_comes_out_as_it_went_in(window, tmp_path):
    tab = blur_tab(window, tmp_path)
    click(tab, "blur")
    assert tab.scene.selected_node_ids() == ["blur"]
    QTest.keyClick(tab.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert tab.doc.nodes["blur"].bypass is True
    assert tab.scene.node_items["blur"].bypassed  # drawn dimmed, with its badge
    assert window.inspector.fields["bypass"].isChecked()
    assert window.actionUndo.text() == "&Undo Bypass Image Blur"
    item = tab.scene.node_items["blur"]

    async def go():
        await window.runs.open_service()
        QTest.keyClick(tab.view, Qt.Key.Key_F5)
        await until(lambda: tab.scene.node_items["save"].data(1) == "succeeded", what="the run")
        await until(lambda: item.thumbnail is not None, what="the bypassed node's thumbnail")

    on_loop(window, go)
    assert item.data(1) == "bypassed"
    assert tab.scene.node_items["load"].data(1) == "succeeded"
    assert same_pixels(tmp_path / "out.png", tmp_path / "in.png")  # not blurred: as it went in
    carried = window.outputs.of(tab, "blur")["image"]
    assert ImageChops.difference(carried.convert("RGB"), Image.open(tmp_path / "in.png").convert("RGB")).getbbox() is None
    QTest.keyClick(tab.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert tab.doc.nodes["blur"].bypass is False and not item.bypassed
    assert not window.inspector.fields["bypass"].isChecked()
    assert item.data(1) is None  # its outputs went stale with the edit


def test_ctrl_b_on_several_selected_nodes_is_one_undo_step_and_switches_them_all_the_same_way(window, tmp_path):
    tab = blur_tab(window, tmp_path)
    click(tab, "blur")
    click(tab, "load", Qt.KeyboardModifier.ControlModifier)
    assert sorted(tab.scene.selected_node_ids()) == ["blur", "load"]
    steps = tab.undo_stack.count()
    QTest.keyClick(tab.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert (tab.doc.nodes["load"].bypass, tab.doc.nodes["blur"].bypass) == (True, True)
    assert tab.undo_stack.count() == steps + 1 and tab.undo_stack.undoText() == "Bypass 2 nodes"
    QTest.keyClick(tab.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)  # all off: all on again
    assert (tab.doc.nodes["load"].bypass, tab.doc.nodes["blur"].bypass) == (False, False)
    assert tab.undo_stack.count() == steps + 2 and tab.undo_stack.undoText() == "Un-bypass 2 nodes"
    QTest.keyClick(tab.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # each step whole
    assert (tab.doc.nodes["load"].bypass, tab.doc.nodes["blur"].bypass) == (True, True)
    QTest.keyClick(tab.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert (tab.doc.nodes["load"].bypass, tab.doc.nodes["blur"].bypass) == (False, False)
    click(tab, "blur")
    QTest.keyClick(tab.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    click(tab, "load", Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(tab.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)  # one of them off: it goes off too
    assert (tab.doc.nodes["load"].bypass, tab.doc.nodes["blur"].bypass) == (True, True)
    assert tab.undo_stack.undoText() == "Bypass Image Load"  # (what changed)


def test_the_nodes_menu_and_the_inspector_checkbox_toggle_it_too(window, tmp_path):
    tab = blur_tab(window, tmp_path)
    window.show()
    menu = right_click(tab, header_point(tab, "blur"))
    action = entries(menu)["menuBypass"]
    assert action.isCheckable() and not action.isChecked()
    assert action.text().endswith("\tCtrl+B")  # (the key shown; the window's Bypass action holds it)
    QTest.mouseClick(menu, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     menu.actionGeometry(action).center())
    assert tab.doc.nodes["blur"].bypass is True
    assert entries(right_click(tab, header_point(tab, "blur")))["menuBypass"].isChecked()
    window.menus.menu.close()
    box = window.inspector.fields["bypass"]
    assert box.objectName() == "field.bypass" and box.isChecked()
    QTest.mouseClick(box, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, box.rect().center())
    assert tab.doc.nodes["blur"].bypass is False
    assert tab.undo_stack.undoText() == "Un-bypass Image Blur"
    tab.undo_stack.undo()
    assert box.isChecked() and tab.scene.node_items["blur"].bypassed


def test_a_bypassed_input_is_greyed_in_the_run_panel_not_asked_for_and_the_log_says_what_it_left_empty(window):
    wf = (Flow("Doubling").node("in", "input", name="x", type="number", required=True)
          .node("t", "transform", expression="data * 2").node("out", "output", name="doubled")
          .edge("in.value", "t.data").edge("t.result", "out.value").build())
    for node, x in zip(wf.nodes, (0, 260, 520)):
        node.position = (x, 0)
    tab = window.add_tab(EditorDocument(wf, registry=window.registry))
    inputs = window.run_panel.inputs
    assert inputs.fields["x"].isEnabled() and inputs.fields["x"].placeholderText() == "required"
    click(tab, "in")
    QTest.keyClick(tab.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    field = inputs.fields["x"]
    assert not field.isEnabled() and field.placeholderText() == "bypassed"
    assert "bypassed" in field.toolTip()

    async def go():
        await window.runs.open_service()
        QTest.keyClick(tab.view, Qt.Key.Key_F5)
        await until(lambda: "■ " in window.run_panel.text(), what="the run's end line")

    on_loop(window, go)
    assert tab.scene.node_items["in"].data(1) == "bypassed" and tab.scene.node_items["out"].data(1) == "skipped"
    end = window.run_panel.text().splitlines()[-1]
    assert end.startswith("■ succeeded") and "Output: doubled skipped (Input: x is bypassed)" in end, end
    assert not field.styleSheet()  # never marked as missing
    tab.undo_stack.undo()  # on again: asked for as before
    assert inputs.fields["x"].isEnabled() and inputs.fields["x"].placeholderText() == "required"


def test_a_loops_ends_are_not_bypassed_and_the_status_bar_says_why(window):
    wf = (Flow().node("items", "constant", value=[1, 2]).node("each", "foreach").node("col", "collect")
          .edge("items.value", "each.items").edge("each.item", "col.value").build())
    for node, x in zip(wf.nodes, (0, 260, 520)):
        node.position = (x, 0)
    tab = window.add_tab(EditorDocument(wf, registry=window.registry))
    click(tab, "each")
    steps = tab.undo_stack.count()
    QTest.keyClick(tab.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert tab.doc.nodes["each"].bypass is False and tab.undo_stack.count() == steps
    assert "cannot be bypassed" in window.statusBar().currentMessage()


def _painted(item, background: QColor) -> QImage:
    rect = item.boundingRect()
    image = QImage(int(rect.width()) + 2, int(rect.height()) + 2, QImage.Format.Format_ARGB32)
    image.fill(background)
    painter = QPainter(image)
    painter.translate(-rect.topLeft())
    item.paint(painter, QStyleOptionGraphicsItem(), None)
    painter.end()
    return image


def _contrast(image: QImage, box: QRectF, background: QColor) -> float:
    """How far the pixels in ``box`` are from the canvas's colour, on average (0..765)."""
    far = [abs(c.red() - background.red()) + abs(c.green() - background.green()) + abs(c.blue() - background.blue())
           for x in range(int(box.left()), int(box.right())) for y in range(int(box.top()), int(box.bottom()))
           for c in (QColor(image.pixel(x, y)),)]
    return sum(far) / len(far)


def test_a_bypassed_node_is_drawn_dimmed_with_its_badge(window, tmp_path):
    tab = blur_tab(window, tmp_path)
    item = tab.scene.node_items["blur"]
    canvas = tab.scene.backgroundBrush().color()
    offset = -item.boundingRect().topLeft()
    header = QRectF(40, 4, 60, 16).translated(offset)   # the title's part of the header
    body = QRectF(40, HEADER + 4, 100, 12).translated(offset)  # between the port names
    icon = QRectF(7, 5, 15, 15).translated(offset)      # where the category icon is drawn
    plain = _painted(item, canvas)
    click(tab, "blur")
    QTest.keyClick(tab.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    tab.scene.clearSelection()  # (the selection outline aside)
    dimmed = _painted(item, canvas)
    for part in (header, body):  # faded into the canvas
        assert _contrast(dimmed, part, canvas) < 0.7 * _contrast(plain, part, canvas), part
    badge = {QColor(dimmed.pixel(int(x), int(y))).name() for x in range(int(icon.left()), int(icon.right()))
             for y in range(int(icon.top()), int(icon.bottom()))}
    assert BYPASS_COLOR.name() in badge and "#8957e5" == BYPASS_COLOR.name()  # the bypass badge, whole
    item.set_status("bypassed")
    assert "bypassed" in _status_texts(item)


def _status_texts(item) -> list[str]:
    from .test_newcomer_canvas import painted_texts

    return [t for t, _, _ in painted_texts(item)]
