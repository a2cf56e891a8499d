"""What outside tester 3 found on the canvas (issue 26), each checked in the real window: a selected link shows
its selection in its own pen, without Qt's dashed box round it; a link dropped on empty canvas leaves no stale
"Cannot connect" in the status bar; a node snapped to the grid sits on the dots that are drawn."""

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPathStroker

from .editor_helpers import drag, drop_block, header_point, port_point


def linked(window):
    tab = window.workflows.new()
    tab.view.resetTransform()
    load = drop_block(window, tab, "image_load", QPoint(100, 120))
    blur = drop_block(window, tab, "image_blur", QPoint(420, 260))
    drag(tab.view.viewport(), port_point(tab, load, "out", "image"), port_point(tab, blur, "in", "image"))
    [edge] = tab.doc.edges
    return tab, load, blur, edge


def test_a_selected_link_is_drawn_in_its_own_highlight_without_a_dashed_box_round_it(window):
    tab, load, blur, edge = linked(window)
    item = tab.scene.edge_items[edge]
    item.setSelected(True)
    assert item.selected_look  # its pen says it is selected
    rect = item.sceneBoundingRect()
    others = [i for i in tab.scene.items() if i.parentItem() is None and i is not item and i.isVisible()]
    for other in others:  # (only the link is drawn: what Qt's own drawing of the scene paints for it)
        other.hide()
    image = QImage(int(rect.width()) + 2, int(rect.height()) + 2, QImage.Format.Format_ARGB32)
    image.fill(QColor(0, 0, 0, 0))
    painter = QPainter(image)
    brush = tab.scene.backgroundBrush()
    tab.scene.setBackgroundBrush(Qt.BrushStyle.NoBrush)
    tab.scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
    painter.end()
    tab.scene.setBackgroundBrush(brush)
    for other in others:
        other.show()
    stroker = QPainterPathStroker()
    stroker.setWidth(16)
    near = stroker.createStroke(item.path())  # (where the link itself is drawn)
    border = [QPointF(x, y) for x in range(int(rect.left()) + 1, int(rect.right()) - 1, 2)
              for y in (rect.top() + 0.5, rect.bottom() - 1)] + \
             [QPointF(x, y) for y in range(int(rect.top()) + 1, int(rect.bottom()) - 1, 2)
              for x in (rect.left() + 0.5, rect.right() - 1)]
    far = [p for p in border if not near.contains(p)]
    assert len(far) > 50
    drawn = [p for p in far if image.pixelColor((p - rect.topLeft()).toPoint()).alpha() > 0]
    assert drawn == []  # nothing on its bounding box away from the curve: no dashed box
    line = [p for p in item.path().toSubpathPolygons()[0]][len(item.path().toSubpathPolygons()[0]) // 2]
    assert image.pixelColor((line - rect.topLeft()).toPoint()).alpha() > 0  # (the link is drawn)


def test_a_link_dropped_on_empty_canvas_after_passing_over_its_own_node_leaves_no_stale_refusal(window):
    from PySide6.QtTest import QTest

    tab = window.workflows.new()
    tab.view.resetTransform()
    blur = drop_block(window, tab, "image_blur", QPoint(150, 150))
    viewport = tab.view.viewport()
    said = window.statusBar().currentMessage
    start, own = port_point(tab, blur, "out", "image"), port_point(tab, blur, "in", "image")
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for p in (start + QPoint(-40, 0), own):
        QTest.mouseMove(viewport, p)
    assert said() == "Cannot connect: a node cannot feed itself"  # (over its own input: said, rightly)
    empty = QPoint(560, 420)
    for p in (own + QPoint(0, 120), empty):
        QTest.mouseMove(viewport, p)
    assert said() == ""  # off the port: no longer so
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, empty)
    assert window.popup.isVisible()  # the add-block search for a block to link
    assert "Cannot connect" not in said()
    QTest.keyClick(window.popup.search, Qt.Key.Key_Escape)


def test_a_node_snapped_to_the_grid_has_its_corner_on_a_drawn_dot_at_any_zoom(window):
    from app.document.commands import MoveNodes

    tab = window.workflows.new()
    window.show()
    if not window.actionSnapGrid.isChecked():
        window.actionSnapGrid.trigger()
    view, grid = tab.view, tab.scene.snap
    assert grid == 24
    nid = tab.add_block("image_blur", QPointF(0, 0))
    item = tab.scene.node_items[nid]
    for zoom in (1.0, 0.55, 0.8, 1.7):
        view.resetTransform()
        view.scale(zoom, zoom)
        x0, y0 = tab.doc.nodes[nid].position
        tab.undo_stack.push(MoveNodes(tab.doc, {nid: (x0, y0)}, {nid: (1000.0 + 7, 613.0)}))  # far from the origin
        view.centerOn(item)
        start = header_point(tab, nid)
        drag(view.viewport(), start, start + QPoint(30, 17))
        x, y = tab.doc.nodes[nid].position
        assert (x % grid, y % grid) == (0, 0)  # snapped
        size = view.viewport().size()
        image = QImage(size.width(), size.height(), QImage.Format.Format_RGB32)
        painter = QPainter(image)
        painter.setTransform(view.viewportTransform())  # (as the view paints: scene coordinates)
        view.drawBackground(painter, view.mapToScene(view.viewport().rect()).boundingRect())
        painter.end()
        background = tab.scene.backgroundBrush().color()
        corner = view.viewportTransform().map(QPointF(x, y))  # the body's top-left corner, on screen
        cx, cy = round(corner.x()), round(corner.y())
        dots = [(px, py) for px in range(cx - 1, cx + 2) for py in range(cy - 1, cy + 2)
                if image.pixelColor(px, py) != background]
        assert dots, (zoom, corner)  # a dot where the corner is
