"""Drop a link into empty space (issue 26): a link dragged from a port and released on empty canvas opens the
add-block popup with only the blocks that have a fitting port (SPEC §3's can_feed); the block chosen is placed
there and wired, one undo step. From an input too (backwards). Esc changes nothing. Real mouse and keys."""

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from .editor_helpers import drag, drop_block, port_point


def offered(window) -> set[str]:
    popup = window.popup
    return {popup.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(popup.list.count())
            if not popup.list.item(i).isHidden()}


def links(tab) -> set[tuple]:
    return {(e.source, e.source_port, e.target, e.target_port) for e in tab.doc.edges.values()}


def test_a_link_dropped_on_empty_canvas_offers_the_blocks_that_fit_and_wires_the_one_chosen(window, qtbot):
    tab = window.workflows.new()
    tab.view.resetTransform()
    viewport = tab.view.viewport()
    load = drop_block(window, tab, "image_load", QPoint(120, 150))
    steps = tab.undo_stack.count()
    empty = QPoint(520, 260)
    assert tab.scene.node_at(tab.view.mapToScene(empty)) is None

    drag(viewport, port_point(tab, load, "out", "image"), empty)
    popup = window.popup
    assert popup.isVisible()
    assert popup.search.placeholderText() == f"A block to link from {load}.image…"
    shown = offered(window)
    assert {"image_blur", "image_resize", "image_save", "image_info", "template"} <= shown  # take an image
    assert not shown & {"constant", "input", "list_files", "json_parse", "image_load"}  # cannot
    QTest.keyClicks(popup.search, "blur")
    QTest.keyClick(popup.search, Qt.Key.Key_Return)
    assert not popup.isVisible()
    [blur] = set(tab.doc.nodes) - {load}
    assert tab.doc.nodes[blur].type == "image_blur"
    assert links(tab) == {(load, "image", blur, "image")}
    where = tab.view.mapFromScene(tab.scene.node_items[blur].port_scene_pos("in", "image"))
    assert (where - empty).manhattanLength() <= 40  # placed there: its input where the link was dropped
    assert tab.scene.selected_node_ids() == [blur]
    assert tab.undo_stack.count() == steps + 1
    assert window.actionUndo.text().replace("&", "") == "Undo Add Image Blur"

    QTest.keyClick(tab.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # node and link together
    assert set(tab.doc.nodes) == {load} and links(tab) == set()
    QTest.keyClick(tab.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert set(tab.doc.nodes) == {load, blur} and links(tab) == {(load, "image", blur, "image")}


def test_esc_in_the_popup_changes_nothing(window):
    tab = window.workflows.new()
    tab.view.resetTransform()
    load = drop_block(window, tab, "image_load", QPoint(120, 150))
    steps, nodes = tab.undo_stack.count(), dict(tab.doc.nodes)
    drag(tab.view.viewport(), port_point(tab, load, "out", "width"), QPoint(520, 300))
    popup = window.popup
    assert popup.isVisible()
    assert "image_blur" not in offered(window) and "delay" in offered(window)  # an integer: not an image
    QTest.keyClicks(popup.search, "delay")
    QTest.keyClick(popup.search, Qt.Key.Key_Escape)
    assert not popup.isVisible()
    assert tab.doc.nodes == nodes and links(tab) == set() and tab.undo_stack.count() == steps
    # the popup opened by Tab afterwards adds a plain block, wired to nothing
    QTest.mouseDClick(tab.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(520, 420))
    assert popup.isVisible() and "image_load" in offered(window) and popup.search.placeholderText() == "Add block…"
    QTest.keyClicks(popup.search, "image blur")
    QTest.keyClick(popup.search, Qt.Key.Key_Return)
    assert links(tab) == set() and len(tab.doc.nodes) == 2


def test_from_an_input_backwards_blocks_with_an_output_that_feeds_it_and_a_linked_input_is_replaced(window):
    tab = window.workflows.new()
    tab.view.resetTransform()
    viewport = tab.view.viewport()
    save = drop_block(window, tab, "image_save", QPoint(560, 160))
    drag(viewport, port_point(tab, save, "in", "image"), QPoint(200, 200))
    popup = window.popup
    assert popup.isVisible()
    shown = offered(window)
    assert {"image_load", "image_blur", "image_threshold", "constant"} <= shown  # give an image (or any value)
    assert not shown & {"image_save", "image_info", "list_files", "template", "output"}
    QTest.keyClicks(popup.search, "image load")
    QTest.keyClick(popup.search, Qt.Key.Key_Return)
    [load] = set(tab.doc.nodes) - {save}
    assert tab.doc.nodes[load].type == "image_load"
    assert links(tab) == {(load, "image", save, "image")}
    where = tab.view.mapFromScene(tab.scene.node_items[load].port_scene_pos("out", "image"))
    assert (where - QPoint(200, 200)).manhattanLength() <= 40  # its output where the link was dropped

    # again from the same input, now linked: the new block's link replaces the old one, in the same one step
    steps = tab.undo_stack.count()
    drag(viewport, port_point(tab, save, "in", "image"), QPoint(300, 420))
    QTest.keyClicks(popup.search, "grayscale")
    QTest.keyClick(popup.search, Qt.Key.Key_Return)
    [gray] = set(tab.doc.nodes) - {save, load}
    assert links(tab) == {(gray, "image", save, "image")}
    assert tab.undo_stack.count() == steps + 1
    window.actionUndo.trigger()
    assert set(tab.doc.nodes) == {save, load} and links(tab) == {(load, "image", save, "image")}


def test_enter_takes_the_block_whose_title_matches_before_one_whose_description_does(window):
    tab = window.workflows.new()
    tab.view.resetTransform()
    files = drop_block(window, tab, "list_files", QPoint(120, 150))
    drag(tab.view.viewport(), port_point(tab, files, "out", "paths"), QPoint(520, 260))
    QTest.keyClicks(window.popup.search, "foreach")  # (Transform's description mentions a ForEach too)
    assert {"foreach", "transform"} <= offered(window)
    QTest.keyClick(window.popup.search, Qt.Key.Key_Return)
    [loop] = set(tab.doc.nodes) - {files}
    assert tab.doc.nodes[loop].type == "foreach" and links(tab) == {(files, "paths", loop, "items")}


def test_a_link_released_on_a_node_or_a_refused_port_opens_no_popup(window):
    tab = window.workflows.new()
    tab.view.resetTransform()
    viewport = tab.view.viewport()
    load = drop_block(window, tab, "image_load", QPoint(120, 150))
    blur = drop_block(window, tab, "image_blur", QPoint(480, 150))
    item = tab.scene.node_items[blur]
    body = tab.view.mapFromScene(item.mapToScene(item.boundingRect().center()))
    drag(viewport, port_point(tab, load, "out", "image"), body)
    assert not window.popup.isVisible() and links(tab) == set()
    drag(viewport, port_point(tab, load, "out", "width"), port_point(tab, blur, "in", "image"))
    assert not window.popup.isVisible() and links(tab) == set()  # refused with a reason, as before
    assert "type mismatch" in (tab.view.last_refusal or "")
