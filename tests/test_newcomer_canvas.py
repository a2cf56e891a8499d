"""A newcomer's smaller finds on the canvas ("The screen never lies", SPEC §8): node headers that say what a
node is, Input nodes named by their input, a minimap one can move or hide, and "Insert a node…" on a link that
offers only what fits."""

from PySide6.QtCore import QPointF, QRectF, QSettings, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from app.document.commands import MoveNodes, UpdateNode
from app.window.outputs import label_of

from .test_canvas_menus import _covered, entries, right_click


class _Recorder(QPainter):
    """A painter that remembers each text the item draws, with its box and the font it used."""

    def __init__(self, device):
        super().__init__(device)
        self.texts: list[tuple[str, QRectF, object]] = []

    def drawText(self, *args):
        if len(args) == 3 and isinstance(args[0], QRectF):
            self.texts.append((args[2], QRectF(args[0]), self.font()))
        return super().drawText(*args)


def painted_texts(item) -> list[tuple[str, QRectF, object]]:
    rect = item.boundingRect()
    image = QImage(int(rect.width()) + 2, int(rect.height()) + 2, QImage.Format.Format_ARGB32)
    image.fill(QColor(30, 31, 34))
    painter = _Recorder(image)
    painter.translate(-rect.topLeft())
    item.paint(painter, QStyleOptionGraphicsItem(), None)
    painter.end()
    return painter.texts


def test_a_nodes_header_shows_its_blocks_title_and_its_id_is_in_the_tooltip(window):
    tab = window.workflows.new()
    nid = tab.add_block("image_blur")
    item = tab.scene.node_items[nid]
    assert nid == "image_blur_1"
    assert item.title == "Image Blur"
    assert [t for t, _, _ in painted_texts(item)][0] == "Image Blur"
    assert nid in item.toolTip()
    item.set_status("failed", duration_ms=3.0, error="ValueError: radius too large")
    assert nid in item.toolTip() and "radius too large" in item.toolTip()
    assert label_of(tab.doc, nid) == "Image Blur"  # the run log and the preview call it what the canvas does
    assert window.inspector.fields["label"].placeholderText() == "Image Blur"  # what an empty label shows
    tab.undo_stack.push(UpdateNode(tab.doc, nid, "Rename", label="Soften"))
    assert item.title == "Soften" and label_of(tab.doc, nid) == "Soften"  # a label, when given, wins
    assert nid in item.toolTip()


def test_a_long_title_and_its_duration_both_fit_in_the_header_and_links_still_meet_the_ports(window):
    tab = window.workflows.new()
    draw = tab.add_block("image_draw_boxes")
    blur = tab.add_block("image_blur", QPointF(600, 0))
    from app.document.commands import Connect
    from engine.model import Edge

    tab.undo_stack.push(Connect(tab.doc, Edge(id="e1", source=draw, source_port="image", target=blur,
                                              target_port="image")))
    item = tab.scene.node_items[draw]
    item.set_status("succeeded", duration_ms=1234.0)
    texts = {text: (box, font) for text, box, font in painted_texts(item)}
    assert "Image Draw Boxes" in texts, list(texts)  # not cut to "Image Dr…"
    assert "1234 ms" in texts
    title_box, title_font = texts["Image Draw Boxes"]
    badge_box, badge_font = texts["1234 ms"]
    title_ends = title_box.left() + QFontMetricsF(title_font).horizontalAdvance("Image Draw Boxes")
    badge_starts = badge_box.right() - QFontMetricsF(badge_font).horizontalAdvance("1234 ms")  # right-aligned
    assert title_ends <= badge_starts  # side by side, not over each other
    # the output port sits on the node's right edge, and the link leaves from it
    body_right = item.shape().boundingRect().right() - 5  # (the shape reaches a port radius beyond the body)
    port = item.port_scene_pos("out", "image")
    assert port.x() == item.x() + body_right
    edge = tab.scene.edge_items["e1"]
    start = edge.path().elementAt(0)
    assert (start.x, start.y) == (port.x(), port.y())


def test_an_input_nodes_title_follows_its_name_as_it_is_edited(window):
    tab = window.workflows.new()
    nid = tab.add_block("input")
    item = tab.scene.node_items[nid]
    assert item.title == f"Input: {nid}"  # a new input is named after its node
    field = window.inspector.fields["name"]
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, "photo")
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert tab.doc.nodes[nid].config["name"] == "photo"
    assert item.title == "Input: photo"
    assert label_of(tab.doc, nid) == "Input: photo"
    assert "Input: photo" in window.inspector.heading.text()  # the inspector names it as the canvas does
    assert window.inspector.fields["label"].placeholderText() == "Input: photo"
    window.actionUndo.trigger()
    assert item.title == f"Input: {nid}"


def _corner_of(minimap) -> str:
    vp = minimap.view.viewport().rect()
    box = minimap.rect()
    vertical = "top" if box.top() < vp.height() / 2 else "bottom"
    horizontal = "left" if box.left() < vp.width() / 2 else "right"
    return f"{vertical}-{horizontal}"


def _open_minimap_menu(tab):
    minimap = tab.view.minimap
    QTest.mouseClick(tab.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     minimap.button_rect().center())
    menu = minimap.menu
    assert menu is not None and menu.isVisible()
    return menu


def test_the_minimap_moves_to_another_corner_or_hides_from_its_own_button(make_window, tmp_path, qtbot):
    window = make_window(tmp_path)
    window.resize(1200, 800)
    qtbot.waitExposed(window)
    tpl = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Image pipeline")
    tab = window.workflows.new_from_template(tpl.id)
    minimap = tab.view.minimap
    qtbot.waitUntil(minimap.isVisible, timeout=3000)
    assert _corner_of(minimap) == "bottom-right"
    centre_before = tab.view.mapToScene(tab.view.viewport().rect().center())
    acts = entries(_open_minimap_menu(tab))
    assert tab.view.mapToScene(tab.view.viewport().rect().center()) == centre_before  # the button does not pan
    assert {"minimapTopLeft", "minimapTopRight", "minimapBottomLeft", "minimapBottomRight", "minimapHide"} <= set(acts)
    acts["minimapTopLeft"].trigger()
    assert _corner_of(minimap) == "top-left"
    window.actionFrame.trigger()
    assert _covered(tab) == []  # framing keeps the graph out of the minimap's new corner
    other = window.workflows.new_from_template(tpl.id)
    qtbot.waitUntil(other.view.minimap.isVisible, timeout=3000)
    assert _corner_of(other.view.minimap) == "top-left"  # every tab's minimap
    window.settings.sync()
    assert QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat).value("minimapCorner") == "top-left"

    entries(_open_minimap_menu(other))["minimapHide"].trigger()
    assert not other.view.minimap.isVisible() and not minimap.isVisible()
    assert not window.actionMinimap.isChecked()
    window.actionMinimap.trigger()  # View ▸ Show minimap brings it back, where it was
    assert other.view.minimap.isVisible() and _corner_of(other.view.minimap) == "top-left"

    again = make_window(tmp_path)  # the next session remembers the corner
    later = again.workflows.new_from_template(tpl.id)
    qtbot.waitUntil(later.view.minimap.isVisible, timeout=3000)
    assert _corner_of(later.view.minimap) == "top-left"


def test_insert_a_node_offers_only_blocks_that_fit_both_ends_and_places_it_clear(window, qtbot):
    from app.document.model import EditorDocument

    from .builder import Flow

    wf = (Flow("images").node("load", "image_load", source="photo.png").node("blur", "image_blur")
          .edge("load.image", "blur.image").build())
    window.resize(1200, 800)
    qtbot.waitExposed(window)
    tab = window.add_tab(EditorDocument(wf, registry=window.registry))
    tab.view.resetTransform()
    minimap = tab.view.minimap
    qtbot.waitUntil(minimap.isVisible, timeout=3000)
    corner = tab.view.mapToScene(minimap.rect()).boundingRect()
    # the link's middle just left of the minimap: a node put where the click was would reach under it
    mid = QPointF(corner.left() - 40, corner.center().y())
    load, blur = tab.scene.node_items["load"], tab.scene.node_items["blur"]
    dy = load.port_dy("out", "image")
    width = load.port_scene_pos("out", "image").x() - load.x()
    tab.undo_stack.push(MoveNodes(tab.doc, {n: tuple(tab.doc.nodes[n].position) for n in ("load", "blur")},
                                  {"load": (mid.x() - 160 - width, mid.y() - dy),
                                   "blur": (mid.x() + 160, mid.y() - blur.port_dy("in", "image"))}))
    [edge] = tab.scene.edge_items.values()
    at = tab.view.mapFromScene(edge.path().pointAtPercent(0.5))
    menu = right_click(tab, at)
    assert menu.objectName() == "linkMenu"
    entries(menu)["menuInsertNode"].trigger()
    popup = window.popup
    assert popup.isVisible()
    offered = {popup.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(popup.list.count())
               if not popup.list.item(i).isHidden()}
    assert {"image_grayscale", "image_resize", "image_draw_boxes", "image_blur"} <= offered
    assert not offered & {"image_save", "image_info", "constant", "input", "output", "json_parse", "template",
                          "list_files"}  # cannot take an image, or cannot give one
    popup.search.setText("save")
    assert popup.no_match.isVisible()
    popup.search.setText("gray")
    QTest.keyClick(popup.search, Qt.Key.Key_Return)
    [new] = [n for n in tab.doc.nodes if n not in ("load", "blur")]
    assert tab.doc.nodes[new].type == "image_grayscale"
    placed = tab.scene.node_items[new].sceneBoundingRect()
    assert not any(placed.intersects(tab.scene.node_items[n].sceneBoundingRect()) for n in ("load", "blur"))
    assert not tab.view.mapFromScene(placed).boundingRect().intersects(minimap.rect())
    assert window.actionUndo.text().replace("&", "") == "Undo Insert Image Grayscale"


def test_a_drag_that_begins_as_a_double_click_moves_the_node_its_links_and_the_document(window):
    from PySide6.QtCore import QEvent, QPoint
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from .editor_helpers import header_point

    tab = window.workflows.new()
    tab.view.resetTransform()
    a = tab.add_block("constant", tab.view.mapToScene(QPoint(80, 80)))
    b = tab.add_block("transform", tab.view.mapToScene(QPoint(420, 80)))
    from app.document.commands import Connect
    from engine.model import Edge

    tab.undo_stack.push(Connect(tab.doc, Edge(id="e1", source=a, source_port="value", target=b, target_port="data")))
    viewport = tab.view.viewport()
    at = header_point(tab, b)
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    # a second press soon after the click is a double-click for Qt; the pointer then moves with the button held
    item = tab.scene.node_items[b]
    before = item.pos()

    def send(kind, point, button, buttons):
        QApplication.sendEvent(viewport, QMouseEvent(kind, QPointF(point), viewport.mapToGlobal(QPointF(point)), button,
                                                     buttons, Qt.KeyboardModifier.NoModifier))

    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    send(QEvent.Type.MouseButtonDblClick, at, left, left)
    for i in range(1, 7):
        send(QEvent.Type.MouseMove, at + QPoint(10 * i, 20 * i), none, left)
    send(QEvent.Type.MouseButtonRelease, at + QPoint(60, 120), left, none)
    assert item.pos() != before  # it moved on the screen…
    assert tuple(tab.doc.nodes[b].position) == (item.x(), item.y())  # …and in the document
    end = tab.scene.edge_items["e1"].path().elementAt(tab.scene.edge_items["e1"].path().elementCount() - 1)
    assert (end.x, end.y) == (item.port_scene_pos("in", "data").x(), item.port_scene_pos("in", "data").y())
    assert window.actionUndo.text().replace("&", "") == "Undo Move"


def test_the_run_log_tells_two_nodes_of_one_title_apart_by_their_ids(window):
    tab = window.workflows.new()
    a, b, c = tab.add_block("transform"), tab.add_block("transform"), tab.add_block("constant")
    assert label_of(tab.doc, a) == f"Transform ({a})" and label_of(tab.doc, b) == f"Transform ({b})"
    assert label_of(tab.doc, c) == "Constant"  # the only one: its title alone
    tab.undo_stack.push(UpdateNode(tab.doc, b, "Rename", label="Double"))
    assert label_of(tab.doc, a) == "Transform" and label_of(tab.doc, b) == "Double"
