"""Right-click menus on the real canvas (issue 11): a node, a link, the empty canvas; and the palette and
add-block popup a newcomer searches."""

import asyncio

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication

from .editor_helpers import header_point
from app.window.loop import EventLoop  # noqa: E402


def right_click(tab, at: QPoint):
    viewport = tab.view.viewport()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, viewport.mapToGlobal(at))
    QApplication.sendEvent(viewport, event)
    return tab.window().menus.menu


def entries(menu):
    return {a.objectName(): a for a in menu.actions() if a.objectName()}


def test_a_nodes_menu_runs_pins_shows_renames_duplicates_and_deletes(window):
    tpl = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Image pipeline")
    tab = window.workflows.new_from_template(tpl.id)
    window.show()
    tab.scene.node_items["load"].setSelected(True)
    menu = right_click(tab, header_point(tab, "resize"))
    assert menu.objectName() == "nodeMenu"
    assert tab.scene.selected_node_ids() == ["resize"]  # right-click selects the node alone
    acts = entries(menu)
    assert {"menuRunNode", "menuShowOutputs", "menuPin", "menuRename", "menuDuplicate", "menuDelete"} <= set(acts)
    assert not acts["menuShowOutputs"].isEnabled() and not acts["menuPin"].isEnabled()  # nothing run yet
    menu.close()

    async def run_from_menu():
        acts["menuRunNode"].trigger()
        await asyncio.sleep(0)
        while window.runs.running_on(window.current_tab()) or window.outputs.of(tab, "resize") is None:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)

    async def pin_and_show():  # (menus act on the running loop, as in the app)
        acts = entries(right_click(tab, header_point(tab, "resize")))
        assert acts["menuShowOutputs"].isEnabled() and acts["menuPin"].text() == "Pin outputs"
        acts["menuPin"].trigger()
        assert tab.doc.nodes["resize"].pinned is not None
        acts["menuShowOutputs"].trigger()
        await asyncio.sleep(0.2)

    with asyncio.Runner(loop_factory=EventLoop) as runner:
        runner.run(run_from_menu())
        runner.run(pin_and_show())
        runner.run(window.aclose())
    assert window.preview_panel.info.text().startswith("Thumbnail")
    acts = entries(right_click(tab, header_point(tab, "resize")))
    assert acts["menuPin"].text() == "Unpin outputs"
    acts["menuRename"].trigger()
    assert window.inspector.fields["label"].hasFocus() or window.inspector.fields["label"].selectedText() == "Thumbnail"
    before = len(tab.doc.nodes)
    entries(right_click(tab, header_point(tab, "resize")))["menuDuplicate"].trigger()
    assert len(tab.doc.nodes) == before + 1
    [copy] = tab.scene.selected_node_ids()
    entries(right_click(tab, header_point(tab, copy)))["menuDelete"].trigger()
    assert len(tab.doc.nodes) == before and copy not in tab.doc.nodes


def test_a_links_menu_deletes_it_or_inserts_a_node_in_one_step(window):
    from app.document.model import EditorDocument

    from .builder import Flow

    wf = (Flow("chain").node("a", "transform", expression="data + 1")
          .node("b", "transform", expression="data * 2").edge("a.result", "b.data").build())
    wf.nodes[1].position = (230.0, 0.0)  # close: the link's middle is under the nodes
    tab = window.add_tab(EditorDocument(wf, registry=window.registry))
    window.show()
    tab.view.resetTransform()
    [edge] = tab.scene.edge_items.values()
    middle = tab.view.mapFromScene(edge.path().pointAtPercent(0.5))
    menu = right_click(tab, middle)
    assert menu.objectName() == "linkMenu" and edge.isSelected()
    entries(menu)["menuInsertNode"].trigger()
    popup = window.popup
    assert popup.isVisible()
    popup.search.setText("template")
    popup.search.returnPressed.emit()
    assert len(tab.doc.nodes) == 3 and len(tab.doc.edges) == 2
    new = next(n for n in tab.doc.nodes if n not in ("a", "b"))
    assert {(e.source, e.target) for e in tab.doc.edges.values()} == {("a", new), (new, "b")}
    placed = tab.scene.node_items[new].sceneBoundingRect()
    assert not any(placed.intersects(tab.scene.node_items[n].sceneBoundingRect()) for n in ("a", "b"))
    window.actionUndo.trigger()  # one step
    assert set(tab.doc.nodes) == {"a", "b"} and [(e.source, e.target) for e in tab.doc.edges.values()] == [("a", "b")]
    [edge] = tab.scene.edge_items.values()
    entries(right_click(tab, middle))["menuDeleteLink"].trigger()
    assert tab.doc.edges == {}


def test_the_canvas_menu_adds_pastes_frames_and_lays_out(window):
    tab = window.workflows.new()
    window.show()
    n = tab.add_block("constant")
    tab.copy_selection()
    tab.scene.clearSelection()
    spot = QPoint(60, 60)
    menu = right_click(tab, spot)
    assert menu.objectName() == "canvasMenu"
    acts = entries(menu)
    assert {"menuAddBlock", "menuPaste", "menuFrameAll", "menuLayout", "menuSelectAll"} <= set(acts)
    acts["menuPaste"].trigger()
    [pasted] = [x for x in tab.doc.nodes if x != n]
    where = tab.view.mapToScene(spot)
    assert tab.doc.nodes[pasted].position == (where.x(), where.y())  # pasted where the menu was opened
    entries(right_click(tab, spot + QPoint(0, 300)))["menuAddBlock"].trigger()
    window.popup.search.setText("Transform")
    window.popup.search.returnPressed.emit()
    assert len(tab.doc.nodes) == 3
    entries(right_click(tab, QPoint(5, 5)))["menuLayout"].trigger()
    positions = {tuple(node.position) for node in tab.doc.nodes.values()}
    assert len(positions) == 3


def test_palette_search_hides_empty_categories_and_shows_plain_tooltips(window):
    palette = window.palette_panel
    palette.search.setText("blur")
    shown = [palette.tree.topLevelItem(i) for i in range(palette.tree.topLevelItemCount())
             if not palette.tree.topLevelItem(i).isHidden()]
    assert [c.text(0) for c in shown] == ["Image"]
    palette.search.clear()
    assert all(not palette.tree.topLevelItem(i).isHidden() for i in range(palette.tree.topLevelItemCount()))
    assert all("``" not in item.toolTip(0) for item in palette.items.values())
    titles = {item.text(0) for item in palette.items.values()}
    popup_titles = {window.popup.list.item(i).text().split("   ·")[0] for i in range(window.popup.list.count())}
    assert titles == popup_titles and Qt  # the popup shows the palette's titles


def _covered(tab) -> list[str]:
    """Nodes the minimap hides (their rectangles on the viewport meet the minimap's)."""
    minimap = tab.view.minimap
    box = minimap.geometry()
    return [nid for nid, item in tab.scene.node_items.items()
            if minimap.isVisible() and tab.view.mapFromScene(item.sceneBoundingRect()).boundingRect().intersects(box)]


def test_frame_all_leaves_the_minimap_clear_and_the_view_menu_toggles_it(window, qtbot):
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    for name in ("Image pipeline", "Big or small", "Parallel squares"):
        tpl = next((i for i in window.store.workflows.list(templates=True).items if i.name == name), None)
        if tpl is None:
            continue
        tab = window.workflows.new_from_template(tpl.id)
        qtbot.wait(50)
        assert tab.view.minimap.isVisible() and _covered(tab) == [], name  # just opened: framed, clear
        tab.view.resetTransform()
        window.actionFrame.trigger()
        assert _covered(tab) == [], name
    window.actionMinimap.trigger()
    assert not window.actionMinimap.isChecked() and not tab.view.minimap.isVisible()
    assert window.settings.value("minimap") in (False, "false")
    window.actionMinimap.trigger()
    assert tab.view.minimap.isVisible()


def test_the_minimap_follows_statuses_and_the_selection(window, qtbot):
    from app.look import STATUS_COLORS

    tab = window.workflows.new()
    nid = tab.add_block("transform")
    minimap = tab.view.minimap

    def colours():
        image = minimap.pixmap.toImage()
        return {image.pixelColor(x, y).name() for x in range(image.width()) for y in range(image.height())}

    tab.scene.clearSelection()
    qtbot.waitUntil(lambda: "#ffd866" not in colours(), timeout=3000)
    tab.scene.node_items[nid].set_status("failed")  # its look changed: the minimap redraws by itself
    qtbot.waitUntil(lambda: STATUS_COLORS["failed"].name() in colours(), timeout=3000)
    tab.scene.node_items[nid].setSelected(True)
    qtbot.waitUntil(lambda: "#ffd866" in colours(), timeout=3000)
