"""The main window: runs on the qasync loop, remembered settings, and the editing gestures beyond the basics."""

import asyncio

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.main_window import create

from .editor_helpers import drag, drop_block, port_point
from app.window.loop import EventLoop  # noqa: E402



def test_objectnames_and_shortcuts(window):
    from PySide6.QtWidgets import QDockWidget, QGraphicsView

    docks = {d.objectName() for d in window.findChildren(QDockWidget)}
    assert {"palette", "inspector", "runPanel", "previewDock", "historyDock"} <= docks
    for name in ("actionRun", "actionStop", "actionSave", "actionRunNode", "actionUndo", "actionRedo"):
        assert getattr(window, name).objectName() == name
    tab = window.workflows.new()
    assert tab.view.objectName() == "canvas" and isinstance(tab.view, QGraphicsView)
    assert window.actionRun.shortcut().toString() == "F5"
    assert {s.toString() for s in window.actionDelete.shortcuts()} >= {"Del", "Backspace"}
    assert "Ctrl+Q" in {s.toString() for s in window.actionQuit.shortcuts()}


def test_running_a_template_from_the_editor(window):
    tpl = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Image pipeline")
    tab = window.workflows.new_from_template(tpl.id)
    with asyncio.Runner(loop_factory=EventLoop) as runner:
        first = runner.run(window.runs.run_tab(tab))
        again = runner.run(window.runs.run_tab(tab))
        runner.run(window.aclose())
    assert first.status == again.status == "succeeded"
    log = window.run_panel.text()
    label = tab.doc.nodes["resize"].label
    assert label and label != "resize"  # the log names nodes as the canvas does; the id is in the tooltip
    assert f"{label}: succeeded" in log and f"{label}: cached" in log and "■ succeeded" in log
    assert "resize:" not in log
    line = next(window.run_panel.events.item(i) for i in range(window.run_panel.events.count())
                if window.run_panel.events.item(i).text().startswith(f"  {label}: cached"))
    assert line.toolTip() == "node id: resize"
    from engine.store import Store

    store = Store(window.home)
    assert [r.trigger for r in store.runs.list()] == ["editor", "editor"]
    store.close()


def test_geometry_docks_and_recent_workflows_persist(qtbot, tmp_path):
    w = create(home=tmp_path)
    qtbot.addWidget(w)
    w.show()
    height = w.minimumSizeHint().height() + 23  # fits the offscreen screen, which restoreGeometry clamps to
    w.resize(w.minimumSizeHint().width(), height)
    size = w.size()
    w.history_dock.hide()
    tab = w.workflows.new()
    tab.add_block("constant")
    w.workflows.save()
    wid = tab.doc.workflow_id
    w.close()
    w.store.close()
    again = create(home=tmp_path)
    qtbot.addWidget(again)
    again.show()
    # the offscreen screen is 800 px wide and clamps widths; the height shows the geometry came back
    assert size.height() == again.size().height() == height and again.history_dock.isHidden()
    assert again.settings.value("recent")[0] == wid
    again.close()
    again.store.close()


def test_copy_paste_between_tabs_duplicate_delete_and_layout(window):
    a = window.workflows.new()
    a.view.resetTransform()
    c = drop_block(window, a, "constant", QPoint(100, 100))
    t = drop_block(window, a, "transform", QPoint(400, 120))
    drag(a.view.viewport(), port_point(a, c, "out", "value"), port_point(a, t, "in", "data"))
    for item in a.scene.node_items.values():
        item.setSelected(True)
    window.actionCopy.trigger()
    b = window.workflows.new()
    window.actionPaste.trigger()
    assert sorted(n.type for n in b.doc.nodes.values()) == ["constant", "transform"]
    assert len(b.doc.edges) == 1 and set(b.doc.nodes).isdisjoint(set()) is True
    window.actionUndo.trigger()
    assert b.doc.nodes == {}  # pasting is one step

    window.tabs.setCurrentWidget(a)
    a.scene.clearSelection()
    a.scene.node_items[t].setSelected(True)
    window.actionDuplicate.trigger()
    assert len(a.doc.nodes) == 3 and a.scene.selected_node_ids() != [t]

    a.scene.clearSelection()
    a.scene.node_items[c].setSelected(True)
    window.actionDelete.trigger()
    assert c not in a.doc.nodes and a.doc.edges == {}  # the node and its link, one step
    window.actionUndo.trigger()
    assert c in a.doc.nodes and len(a.doc.edges) == 1

    window.actionLayout.trigger()
    assert a.doc.nodes[c].position[0] < a.doc.nodes[t].position[0]
    window.actionUndo.trigger()  # the layout is one step too


def test_add_block_popup_and_zoom(window):
    tab = window.workflows.new()
    viewport = tab.view.viewport()
    QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(200, 200))
    popup = window.popup
    assert popup.isVisible()
    QTest.keyClicks(popup.search, "blur")
    QTest.keyClick(popup.search, Qt.Key.Key_Return)
    assert [n.type for n in tab.doc.nodes.values()] == ["image_blur"]
    zoom = tab.view.zoom()
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    ev = QWheelEvent(QPointF(150, 150), QPointF(tab.view.mapToGlobal(QPoint(150, 150))), QPoint(0, 0), QPoint(0, 240),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, ev)
    assert tab.view.zoom() == pytest.approx(zoom * 1.15 ** 2)


def test_minimap_shows_the_graph_and_moves_the_view(window, qtbot):
    tpl = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Image pipeline")
    tab = window.workflows.new_from_template(tpl.id)
    tab.view.resetTransform()
    minimap = tab.view.minimap
    minimap.refresh()
    assert minimap.isVisible() and not minimap.pixmap.isNull()
    target = minimap.scene_point(QPoint(minimap.width() - 10, minimap.height() // 2))
    QTest.mouseClick(tab.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     minimap.rect().topLeft() + QPoint(minimap.width() - 10, minimap.height() // 2))
    centre = tab.view.mapToScene(tab.view.viewport().rect().center())
    assert abs(centre.x() - target.x()) < 40


def test_invalid_config_is_marked_at_the_field_and_not_applied(window):
    tab = window.workflows.new()
    node = tab.add_block("constant")
    window.inspector.show_node(tab.doc, tab.undo_stack, node)
    field = window.inspector.fields["value"]
    field.setText("{not json")
    field.editingFinished.emit()
    assert field.property("invalid") is True and tab.doc.nodes[node].config == {}
    field.setText('{"ok": 1}')
    field.editingFinished.emit()
    assert field.property("invalid") is False and tab.doc.nodes[node].config == {"value": {"ok": 1}}


def test_dropping_a_workflow_file_imports_it(window, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    from engine.folders import templates_dir

    tab = window.workflows.new()
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(templates_dir() / "condition_merge.json"))])
    args = (Qt.DropAction.CopyAction, md, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(tab.view.viewport(), QDragEnterEvent(QPoint(50, 50), *args))
    QApplication.sendEvent(tab.view.viewport(), QDropEvent(QPointF(50, 50), *args))
    imported = window.current_tab()
    assert imported is not tab and imported.doc.name == "Big or small" and imported.doc.workflow_id


def test_save_with_a_message_and_tag(window):
    tab = window.workflows.new()
    tab.add_block("constant")
    window.actionSaveMessage.trigger()
    dialog = window.workflows.save_dialog
    assert dialog.isVisible()
    dialog.setTextValue("first sketch #draft")
    dialog.accept()
    [v] = window.store.workflows.versions(tab.doc.workflow_id)
    assert (v.message, v.tag) == ("first sketch", "draft")
    assert "v1" in window.history.list.item(0).text() and "[draft]" in window.history.list.item(0).text()


def test_run_this_node_runs_its_upstream_and_previews_the_image(window):
    tpl = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Image pipeline")
    tab = window.workflows.new_from_template(tpl.id)
    tab.scene.node_items["resize"].setSelected(True)
    with asyncio.Runner(loop_factory=EventLoop) as runner:
        result = runner.run(window.runs.run_node(tab, "resize"))
        runner.run(window.aclose())
    assert result.status == "succeeded"
    assert window.outputs.last_node_outputs["image"].size == (160, 120)
    panel = window.preview_panel
    assert (panel.qimage.width(), panel.qimage.height()) == (160, 120) and "160 × 120 px" in panel.info.text()
    assert tab.scene.node_items["resize"].thumbnail is not None  # and a thumbnail on the node
    assert set(result.nodes) == {"load", "resize"}  # only what the node depends on ran


def test_no_two_actions_share_a_shortcut_and_ctrl_w_closes_a_tab(window, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QKeySequence
    from PySide6.QtTest import QTest

    from app.window.actions import shortcut_clashes

    assert shortcut_clashes(window) == []
    assert QKeySequence("Ctrl+W") in window.actionCloseTab.shortcuts()
    assert QKeySequence("Ctrl+Q") in window.actionQuit.shortcuts()
    window.workflows.new()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    before = window.tabs.count()
    QTest.keyClick(window.current_tab().view, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.count() == before - 1  # the shortcut is not "ambiguous" any more: it works
