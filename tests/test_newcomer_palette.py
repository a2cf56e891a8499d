"""A newcomer's smaller finds in the palette and the Edit menu ("The screen never lies", SPEC §8): searching by
what a block does, a clear word when nothing matches or the clipboard holds no nodes, and Undo/Redo entries
that say what they undo."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolBar, QToolButton

from .editor_helpers import drag, header_point


def palette_shown(window) -> set[str]:
    return {kind for kind, item in window.palette_panel.items.items() if not item.isHidden()}


def popup_shown(window) -> set[str]:
    popup = window.popup
    return {popup.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(popup.list.count())
            if not popup.list.item(i).isHidden()}


def test_blocks_declare_keywords_and_describe_them(window):
    from engine.blocks import Block

    assert Block.keywords == ()
    grayscale = window.registry.get("image_grayscale").describe()
    assert "grey" in grayscale["keywords"]
    assert all(isinstance(b.describe()["keywords"], list) for b in window.registry)


def test_palette_and_popup_search_descriptions_and_keywords(window):
    palette = window.palette_panel
    popup = window.popup
    popup.show_at(window.mapToGlobal(QPoint(300, 300)), QPointF(0, 0))
    for words, expected in (("grey", {"image_grayscale"}), ("write", {"image_save"}),
                            ("png", {"image_save", "image_load"}), ("blur", {"image_blur"})):
        palette.search.clear()
        QTest.keyClicks(palette.search, words)
        popup.search.setText(words)
        assert expected <= palette_shown(window), words
        assert expected <= popup_shown(window), words
        assert "transform" not in palette_shown(window) and "transform" not in popup_shown(window), words
        assert not palette.no_match.isVisible() and not popup.no_match.isVisible()
    palette.search.clear()
    QTest.keyClicks(palette.search, "zebra crossing")
    assert palette_shown(window) == set() and palette.no_match.isVisible()
    assert "No blocks match" in palette.no_match.text()
    popup.search.setText("zebra crossing")
    assert popup_shown(window) == set() and popup.no_match.isVisible()
    assert "No blocks match" in popup.no_match.text()
    palette.search.clear()
    assert not palette.no_match.isVisible() and len(palette_shown(window)) == len(palette.items)
    popup.hide()


def test_ctrl_v_of_text_that_holds_no_nodes_says_so(window, qtbot):
    tab = window.workflows.new()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    tab.view.setFocus()
    QGuiApplication.clipboard().setText("just a shopping list")
    QTest.keyClick(tab.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert tab.doc.nodes == {}
    assert "clipboard holds no Nodeloom nodes" in window.statusBar().currentMessage()
    QGuiApplication.clipboard().setText('{"some": "json"}')
    window.statusBar().clearMessage()
    QTest.keyClick(tab.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert "clipboard holds no Nodeloom nodes" in window.statusBar().currentMessage()
    nid = tab.add_block("transform")
    tab.copy_selection()
    window.statusBar().clearMessage()
    QTest.keyClick(tab.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert len(tab.doc.nodes) == 2 and nid in tab.doc.nodes  # real nodes still paste
    assert "no Nodeloom nodes" not in window.statusBar().currentMessage()
    from .builder import Flow

    exported = Flow("two").node("a", "constant", value=1).node("b", "transform", expression="data")
    QGuiApplication.clipboard().setText(exported.edge("a.value", "b.data").build().model_dump_json())
    QTest.keyClick(tab.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)  # a workflow's JSON pastes too
    assert len(tab.doc.nodes) == 4 and len(tab.doc.edges) == 1


def _toolbar_button(window, word: str) -> QToolButton:
    """The toolbar's Undo or Redo button (its own action, or the menu's)."""
    toolbar = window.findChild(QToolBar, "mainToolbar")
    names = (f"action{word}", f"toolbar{word}")
    [button] = [b for b in toolbar.findChildren(QToolButton)
                if b.defaultAction() is not None and b.defaultAction().objectName() in names]
    return button


def test_undo_and_redo_menu_entries_name_the_action_the_toolbar_keeps_short_words(window, qtbot):
    tab = window.workflows.new()
    tab.view.resetTransform()
    a = tab.add_block("image_blur", tab.view.mapToScene(QPoint(100, 100)))
    assert window.actionUndo.text().replace("&", "") == "Undo Add Image Blur"
    b = tab.add_block("transform", tab.view.mapToScene(QPoint(100, 300)))
    for nid in (a, b):
        tab.scene.node_items[nid].setSelected(True)
    drag(tab.view.viewport(), header_point(tab, a), header_point(tab, a) + QPoint(120, 40))
    assert window.actionUndo.text().replace("&", "") == "Undo Move 2 nodes"
    edit = next(m for m in window.menuBar().findChildren(type(window.menuBar().addMenu("x")))
                if m.title() == "&Edit")
    assert "Undo Move 2 nodes" in [act.text().replace("&", "") for act in edit.actions()]
    undo, redo = _toolbar_button(window, "Undo"), _toolbar_button(window, "Redo")
    assert (undo.text(), redo.text()) == ("Undo", "Redo")  # short and fixed: the toolbar does not jump
    assert "Move 2 nodes" in undo.toolTip()
    QTest.mouseClick(undo, Qt.MouseButton.LeftButton)  # the toolbar button undoes, as the menu entry would
    assert window.actionRedo.text().replace("&", "") == "Redo Move 2 nodes"
    assert window.actionUndo.text().replace("&", "") == "Undo Add Transform"
    assert (undo.text(), redo.text()) == ("Undo", "Redo")
    window.actionUndo.trigger()
    window.actionUndo.trigger()
    assert tab.doc.nodes == {}
    assert window.actionUndo.text().replace("&", "") == "Undo" and not window.actionUndo.isEnabled()
    assert not undo.isEnabled() and redo.isEnabled()
