"""Where new nodes land, as outside tester 3 found it (issue 26): nodes made by dropping several files, by the
add-block popup (Tab), by a link dropped on empty canvas and by inserting a node into a link land clear of the
nodes already there — nudged to the nearest free spot — and never under the minimap, in sight. Real mouse, keys
and drag events."""

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QCursor
from PySide6.QtTest import QTest

from .editor_helpers import drag, drop_block, port_point
from .test_paths import deliver_drop, file_mime, photos  # noqa: F401 - (photos: a fixture)


def minimap_area(tab) -> QRectF:
    return tab.view.mapToScene(tab.view.minimap.rect()).boundingRect()


def assert_clear(tab, new: set[str]) -> None:
    """The new nodes overlap no other node, none is under the minimap, and each is in sight."""
    rects = {nid: item.sceneBoundingRect() for nid, item in tab.scene.node_items.items()}
    seen = tab.view.mapToScene(tab.view.viewport().rect()).boundingRect()
    for nid in new:
        others = [other for other, rect in rects.items() if other != nid and rect.intersects(rects[nid])]
        assert others == [], (nid, others)
        assert not rects[nid].intersects(minimap_area(tab)), nid
        assert seen.contains(rects[nid]), nid
        assert tuple(tab.doc.nodes[nid].position) == (rects[nid].x() + 6, rects[nid].y() + 1)  # (the document agrees)


def canvas(window):
    tab = window.workflows.new()
    window.resize(1300, 900)
    tab.view.resetTransform()
    tab.view.centerOn(QPointF(450, 300))
    return tab


def test_several_files_dropped_on_a_node_land_clear_of_it_and_of_each_other_in_one_step(window, photos):  # noqa: F811
    tab = canvas(window)
    blur = drop_block(window, tab, "image_blur", QPoint(300, 120))
    below = drop_block(window, tab, "image_grayscale", QPoint(300, 260))
    steps = tab.undo_stack.count()
    at = tab.view.mapFromScene(tab.scene.node_items[blur].sceneBoundingRect().topLeft() + QPointF(20, 10))
    assert deliver_drop(tab.view.viewport(), at, file_mime(photos / "a.png", photos / "b.jpg", photos))
    new = set(tab.doc.nodes) - {blur, below}
    assert len(new) == 3 and tab.undo_stack.count() == steps + 1
    assert_clear(tab, new)
    tab.undo_stack.undo()
    assert set(tab.doc.nodes) == {blur, below}


def test_a_block_added_with_tab_over_a_node_lands_clear_of_it(window, qtbot):
    tab = canvas(window)
    window.activateWindow()
    blur = drop_block(window, tab, "image_blur", QPoint(300, 200))
    spot = tab.scene.node_items[blur].sceneBoundingRect().center()
    QCursor.setPos(tab.view.viewport().mapToGlobal(tab.view.mapFromScene(spot)))
    tab.view.setFocus()
    QTest.keyClick(tab.view, Qt.Key.Key_Tab)
    popup = window.popup
    assert popup.isVisible()
    QTest.keyClicks(popup.search, "grayscale")
    QTest.keyClick(popup.search, Qt.Key.Key_Return)
    [added] = set(tab.doc.nodes) - {blur}
    assert_clear(tab, {added})


def test_a_block_added_by_a_link_dropped_beside_a_node_lands_clear_of_it(window):
    tab = canvas(window)
    load = drop_block(window, tab, "image_load", QPoint(100, 150))
    other = drop_block(window, tab, "image_info", QPoint(420, 150))
    # released just left of the other node: empty canvas there, but a new node's body would cover it
    left = tab.scene.node_items[other].sceneBoundingRect()
    empty = tab.view.mapFromScene(QPointF(left.left() - 30, left.top() + 40))
    assert tab.scene.node_at(tab.view.mapToScene(empty)) is None
    drag(tab.view.viewport(), port_point(tab, load, "out", "image"), empty)
    assert window.popup.isVisible()
    QTest.keyClicks(window.popup.search, "blur")
    QTest.keyClick(window.popup.search, Qt.Key.Key_Return)
    [blur] = set(tab.doc.nodes) - {load, other}
    assert {(e.source, e.target) for e in tab.doc.edges.values()} == {(load, blur)}
    assert_clear(tab, {blur})
