"""What a tester driving the app from outside (by mouse, under Xvfb) found, each checked in the real window: a
node's status text drawn whole in its header; a compare tab that leaves the docks' widths alone; block
descriptions that end where their sentence does; a preview whose headings say how each offered node relates to
the selected one; and a node dropped where the minimap is drawn landing clear of it."""

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QListWidget, QPushButton, QTreeWidget, QWidget

from app.canvas.node_item import MAX_NODE_WIDTH
from app.document.commands import UpdateNode
from app.look import NODE_WIDTH
from engine.blocks import default_registry

from .builder import Flow
from .diff_helpers import three_versions
from .editor_helpers import drop_block
from .test_compare_gui import click_version
from .test_newcomer_canvas import painted_texts
from .test_queue_gui import on_loop, until

# -- 1. the status text and badge in a node's header ------------------------------------------------------

STATUSES = [("queued", None, "queued"), ("succeeded", 1234.0, "1234 ms"), ("succeeded", 99_900.0, "99.9 s"),
            ("cached", None, "cached"), ("skipped", None, "skipped"), ("failed", 12.0, "12 ms"),
            ("cancelled", None, "cancelled"), ("invalid", None, "invalid")]
LABELS = ["", "Blur", "Threshold it", "Image Threshold at level", "Rather long label for a node, cut short",
          "An extremely long label that is never going to fit in any node header at all"]


def test_every_status_text_is_drawn_whole_beside_the_title_at_every_node_width(window):
    tab = window.workflows.new()
    nid = tab.add_block("image_threshold")
    item = tab.scene.node_items[nid]
    widths = set()
    for label in LABELS:
        tab.undo_stack.push(UpdateNode(tab.doc, nid, "Rename", label=label or None))
        for pinned in (False, True):
            item.set_pinned(pinned)
            widths.add(item.width)
            for status, duration, shown in STATUSES:
                item.set_status(status, duration_ms=duration)
                texts = painted_texts(item)
                title_text, title_box, title_font = texts[0]
                boxes = {text: (box, font) for text, box, font in texts}
                where = f"{status} on a {item.width}-wide node titled {title_text!r}"
                assert shown in boxes, (where, list(boxes))
                box, font = boxes[shown]
                # the painter's own font (as it resolved it): what is really drawn
                assert QFontMetricsF(font).horizontalAdvance(shown) <= box.width(), where
                title_ends = title_box.left() + QFontMetricsF(title_font).horizontalAdvance(title_text)
                assert title_ends <= box.left() + 0.5, where  # after the title, never under it
                assert box.right() <= item.width - 24, where   # and before the badge (8 px from the edge, r = 8)
    assert min(widths) == NODE_WIDTH and max(widths) == MAX_NODE_WIDTH


# -- 2. a compare tab leaves the docks' widths alone -------------------------------------------------------

def _settle():
    QApplication.processEvents()  # (the layout's pending requests: the docks take their widths)
    QApplication.processEvents()


def test_opening_and_closing_a_compare_tab_never_changes_the_docks_widths(window, qtbot):
    wid = three_versions(window.store.workflows)
    window.workflows.open(wid)
    window.history_dock.show()
    window.history_dock.raise_()
    _settle()
    palette = window.findChild(QDockWidget, "palette")
    right = window.findChild(QDockWidget, "historyDock")  # (the right-hand docks share one width)
    before = (palette.width(), right.width())
    history = window.findChild(QListWidget, "historyList")
    click_version(history, 1)
    click_version(history, 3, Qt.KeyboardModifier.ControlModifier)
    QTest.mouseClick(window.findChild(QPushButton, "compareVersions"), Qt.MouseButton.LeftButton)
    tab = window.current_tab()
    assert tab.diff_of == (1, 3)
    _settle()
    legend = tab.findChild(QWidget, "diffLegend")
    assert legend.isVisible()
    assert (palette.width(), right.width()) == before  # open: nothing squeezed
    assert legend.minimumSizeHint().width() <= 320, legend.minimumSizeHint()
    summary = legend.findChild(QLabel, "diffSummary")
    assert "1 node added" in summary.toolTip()  # the summary, maybe cut short, is whole in its tooltip
    window.actionCloseTab.trigger()
    assert window.current_tab() is not tab
    _settle()
    assert (palette.width(), right.width()) == before  # closed: as they were


# -- 3. a block's description is its whole first sentence --------------------------------------------------

@pytest.mark.parametrize("cls", sorted(default_registry(), key=lambda c: c.type), ids=lambda c: c.type)
def test_every_blocks_description_ends_with_its_sentence(cls):
    text = cls.describe()["description"]
    assert text.rstrip().endswith((".", "?", "!")), text
    assert text.count("(") == text.count(")"), text
    assert "\n" not in text and "  " not in text, text


def test_the_palette_and_the_inspector_say_image_saves_whole_description(window):
    save = window.palette_panel.items["image_save"]
    assert save.text(0) == "Image Save"
    tooltip = " ".join(save.toolTip(0).split())  # (in lines of a readable length)
    assert tooltip.endswith("when it is set (and may not leave it), else against the workflow's folder."), tooltip
    assert max(len(line) for line in save.toolTip(0).splitlines()) <= 80
    tab = window.workflows.new()
    tab.add_block("image_save")
    heading = window.inspector.heading.text()
    assert "(and may not leave it), else against the workflow's folder." in heading, heading


# -- 4. the preview says which nodes feed the selected one and which it may only read --------------------

FEED = "Nodes that feed this node"
OTHER = "Other nodes this node's fields may read"


def _groups(tree: QTreeWidget) -> dict[str, list[str]]:
    out = {}
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        if tree.path_of(top) is None and top.childCount() and tree.path_of(top.child(0)) is None:
            out[top.text(0)] = [top.child(j).text(0) for j in range(top.childCount())]
    return out


def test_the_preview_puts_the_nodes_that_feed_the_selected_one_apart_from_the_others_it_may_read(window, tmp_path):
    Image.new("RGB", (8, 8), "red").save(tmp_path / "in.png")
    wf = (Flow("finds").node("load", "image_load", source=str(tmp_path / "in.png"))
          .node("blur", "image_blur", radius=1).node("gray", "image_grayscale")
          .node("save", "image_save", path=str(tmp_path / "out.png")).node("thr", "image_threshold", level=100)
          .node("k", "constant", value=5)
          .chain("load.image", "blur.image", "gray.image", "save.image").edge("load.image", "thr.image").build())
    tab = window.workflows.open(window.store.workflows.create(wf).id)

    async def go():
        window.actionRun.trigger()
        await until(lambda: all(i.status == "succeeded" for i in tab.scene.node_items.values()), what="the run")
        shown = {}
        for nid in ("thr", "blur", "load"):  # (a node that ran shows its own values, read on the loop, first)
            tab.scene.clearSelection()
            tab.scene.node_items[nid].setSelected(True)
            await until(lambda: tree.node_id == nid and tree.topLevelItemCount(), what=f"{nid}'s preview")
            shown[nid] = _groups(tree)
            if nid == "blur":  # a value under either heading still drags as its reference
                other = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
                         if tree.topLevelItem(i).text(0) == OTHER][0].child(0).child(0)
                shown["dragged"] = tree.path_of(other)
        return shown

    tree = window.preview_panel.tree
    shown = on_loop(window, go)
    assert list(shown["thr"]) == [FEED, OTHER], shown["thr"]
    assert shown["thr"][FEED] == ["↑ Image Load"]  # its real upstream
    assert sorted(shown["thr"][OTHER]) == ["Constant", "Image Blur", "Image Grayscale", "Image Save"]  # not "earlier"
    assert shown["blur"] == {FEED: ["↑ Image Load"], OTHER: ["Constant", "Image Threshold"]}, shown["blur"]
    assert shown["dragged"] == ("nodes", "k", "value")
    assert shown["load"] == {OTHER: ["Constant"]}  # nothing feeds it: no heading that says something does


# -- 5. a node dropped where the minimap is drawn lands clear of it ---------------------------------------

def _minimap_in_scene(tab) -> QRectF:
    return tab.view.mapToScene(tab.view.minimap.rect()).boundingRect()


def test_a_block_dropped_on_the_minimap_lands_clear_of_it_and_one_undo_takes_it_away(window, qtbot):
    for dock in window.docks:  # a canvas wide enough for a node beside the minimap
        if window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea:
            dock.hide()
    tab = window.workflows.new()
    tab.add_block("image_load", QPointF(0, 0))
    _settle()
    minimap = tab.view.minimap
    qtbot.waitUntil(minimap.isVisible)
    for at in (minimap.rect().center(), minimap.rect().topLeft() + QPoint(3, 3),
               minimap.rect().topLeft() - QPoint(40, 30)):  # (beside it: the node's body would reach under it)
        nid = drop_block(window, tab, "image_blur", at)
        box = tab.scene.node_items[nid].sceneBoundingRect()
        assert not box.intersects(_minimap_in_scene(tab)), (at, box, _minimap_in_scene(tab))
        assert tab.view.mapToScene(tab.view.viewport().rect()).boundingRect().contains(box)  # still in sight
        item = tab.scene.node_items[nid]
        assert tuple(tab.doc.nodes[nid].position) == (item.x(), item.y())  # (the document agrees)
    tab.undo_stack.undo()
    assert nid not in tab.doc.nodes and len(tab.doc.nodes) == 3  # one step


def test_the_first_block_and_one_added_with_the_popup_land_clear_of_the_minimap(window, qtbot):
    tab = window.workflows.new()
    minimap = tab.view.minimap
    assert not minimap.isVisible()  # an empty canvas: it shows once there is a node
    first = drop_block(window, tab, "image_blur", minimap.rect().center())
    qtbot.waitUntil(minimap.isVisible)
    assert not tab.scene.node_items[first].sceneBoundingRect().intersects(_minimap_in_scene(tab))
    viewport = tab.view.viewport()
    box = minimap.rect()  # a free spot beside it, from where a new node's body would reach under it
    [at] = [p for p in (QPoint(box.left() - 30, box.center().y()), QPoint(box.center().x(), box.top() - 20))
            if tab.scene.node_at(tab.view.mapToScene(p)) is None][:1]
    QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    popup = window.popup
    assert popup.isVisible()
    QTest.keyClicks(popup.search, "grayscale")
    QTest.keyClick(popup.search, Qt.Key.Key_Return)
    [added] = set(tab.doc.nodes) - {first}
    assert tab.doc.nodes[added].type == "image_grayscale"
    assert not tab.scene.node_items[added].sceneBoundingRect().intersects(_minimap_in_scene(tab))
