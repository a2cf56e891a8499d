"""A window that looks finished (issue 11): icons everywhere a desktop user expects them, a dot grid, nodes that
stand out from the canvas in both themes, and run statuses told by shape as well as colour."""

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from app.canvas.node_item import NodeItem
from app.look.icons import ICONS
from app.look import HEADER, NODE_WIDTH


def render(item: NodeItem) -> QImage:
    rect = item.boundingRect()
    image = QImage(int(rect.width()), int(rect.height()), QImage.Format.Format_ARGB32)
    image.fill(QColor(30, 31, 34))
    painter = QPainter(image)
    painter.translate(-rect.topLeft())
    item.paint(painter, QStyleOptionGraphicsItem(), None)
    painter.end()
    return image


def gray_badge(image: QImage, left: float) -> list[int]:
    """The badge area as grey levels: what a reader who cannot tell the colours apart sees."""
    x0 = int(NODE_WIDTH - 26 - left)
    return [qGray for y in range(2, HEADER - 2) for x in range(x0, x0 + 22)
            for qGray in [QColor(image.pixel(x, y)).lightness()]]


def test_the_app_and_its_actions_have_icons(window):
    assert not window.windowIcon().isNull()
    assert (ICONS / "nodeloom.svg").is_file()
    for size in (16, 32, 48, 64, 128, 256):
        assert (ICONS / "hicolor" / f"{size}x{size}" / "apps" / "nodeloom.png").is_file()
    for name in ("actionNew", "actionSave", "actionUndo", "actionRedo", "actionRun", "actionEnqueue", "actionStop"):
        assert not getattr(window, name).icon().isNull(), name
    toolbar = window.findChild(type(window.addToolBar("probe")), "mainToolbar")
    assert toolbar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon  # text beside the icon
    tree = window.palette_panel.tree
    categories = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    assert categories and all(not c.icon(0).isNull() for c in categories if c.childCount())


def test_statuses_differ_by_shape_not_only_by_colour(qapp):
    from engine.blocks import Port

    shapes = {}
    for status in ("succeeded", "failed", "cached", "cancelled", "skipped", "invalid", "queued"):
        item = NodeItem("n", "A node", "data", [Port("data", "any")], [Port("result", "any")])
        item.set_status(status, duration_ms=12.0 if status in ("succeeded", "failed") else None)
        shapes[status] = gray_badge(render(item), item.boundingRect().left())
    statuses = list(shapes)
    for i, a in enumerate(statuses):
        for b in statuses[i + 1:]:
            different = sum(abs(x - y) > 40 for x, y in zip(shapes[a], shapes[b]))
            assert different >= 8, (a, b)


def test_node_bodies_stand_out_from_the_canvas_in_both_themes(window):
    for theme in ("dark", "light"):
        window.set_theme(theme)
        tab = window.workflows.new()
        nid = tab.add_block("transform")
        item = tab.scene.node_items[nid]
        canvas = tab.scene.backgroundBrush().color()
        image = render(item)
        body = QColor(image.pixel(int(NODE_WIDTH / 2 - item.boundingRect().left()), int(HEADER + 3)))
        assert abs(body.lightness() - canvas.lightness()) >= 20, theme
        window.closing.discard(tab)
    window.set_theme("dark")


def test_the_canvas_has_a_dot_grid(window):
    tab = window.workflows.new()
    window.show()
    tab.view.resetTransform()
    image = QImage(240, 240, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    tab.view.drawBackground(painter, QRectF(0, 0, 240, 240))
    painter.end()
    colours = {image.pixel(x, y) for x in range(240) for y in range(240)}
    assert len(colours) >= 2  # dots on the plain background
    tab.view.scale(0.2, 0.2)
    painter = QPainter(image)
    image.fill(0)
    tab.view.drawBackground(painter, QRectF(0, 0, 240, 240))
    painter.end()
    assert len({image.pixel(x, y) for x in range(240) for y in range(240)}) == 1  # zoomed far out: no noise
