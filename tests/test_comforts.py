"""Issue 26, small comforts, each driven by real mouse and key events on the real window: File ▸ Open recent,
a double-click on a tab renames its workflow, Edit ▸ Undo history, align and distribute the selected nodes, and
snap to the dot grid."""

from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu, QUndoView, QWidget

from app.document.model import EditorDocument
from engine.model import Workflow

from .editor_helpers import drag, header_point
from .test_canvas_menus import right_click


def open_menu(window, title: str) -> QMenu:
    """Click a menu of the menu bar ("&File") with the mouse; the menu that opened."""
    bar = window.menuBar()
    action = next(a for a in bar.actions() if a.text() == title)
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     bar.actionGeometry(action).center())
    assert action.menu().isVisible()
    return action.menu()


def click_entry(menu: QMenu, name: str, qtbot=None):
    """Click the entry called ``name`` (its objectName) in an open menu; a submenu it opens is returned (once it
    shows: a menu opens its submenu a moment after the click)."""
    action = next(a for a in menu.actions() if a.objectName() == name)
    QTest.mouseClick(menu, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     menu.actionGeometry(action).center())
    if action.menu() is not None:
        qtbot.waitUntil(action.menu().isVisible, timeout=3000)
    return action.menu()


def activate(window, qtbot) -> None:
    """The window has the keys (its shortcuts answer), as when a person clicks into it."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def workflow_doc(window, positions: dict[str, tuple[float, float]], kind="constant") -> Workflow:
    nodes = [{"id": nid, "type": kind, "position": list(pos), "config": {"value": 1}} for nid, pos in positions.items()]
    return Workflow.model_validate({"name": "arrange", "nodes": nodes, "edges": []})


def arrange_tab(window, positions):
    tab = window.add_tab(EditorDocument(workflow_doc(window, positions), registry=window.registry))
    tab.view.resetTransform()
    tab.view.centerOn(150, 150)
    return tab


def select_by_mouse(tab, ids) -> None:
    viewport = tab.view.viewport()
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, header_point(tab, ids[0]))
    for nid in ids[1:]:
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                         header_point(tab, nid))
    assert sorted(tab.scene.selected_node_ids()) == sorted(ids)


def positions(tab) -> dict[str, tuple[float, float]]:
    return {nid: tuple(n.position) for nid, n in tab.doc.nodes.items()}


# -- File ▸ Open recent -------------------------------------------------------------------------------------

def recent_names(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if a.objectName() == "recentWorkflow"]


def test_file_open_recent_lists_the_last_ten_workflows_opened_and_opens_one(make_window, tmp_path, qtbot):
    window = make_window(tmp_path)
    ids = [window.store.workflows.create(Workflow(name=f"Flow {i}")).id for i in range(12)]
    for wid in ids:
        window.workflows.open(wid)
    window.close_current_tab()  # (Flow 11: opened last, then closed)
    window.store.workflows.delete(ids[10])  # a deleted workflow is not offered
    recent = click_entry(open_menu(window, "&File"), "actionOpenRecent", qtbot)
    assert recent.isVisible()
    assert recent_names(recent) == ["Flow 11", "Flow 9", "Flow 8", "Flow 7", "Flow 6", "Flow 5", "Flow 4", "Flow 3",
                                    "Flow 2", "Flow 1"]  # the last ten, newest first
    entry = next(a for a in recent.actions() if a.text() == "Flow 11")
    QTest.mouseClick(recent, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     recent.actionGeometry(entry).center())
    assert window.current_tab().doc.workflow_id == ids[11]
    window.settings.sync()

    again = make_window(tmp_path)  # remembered for the next session
    recent = click_entry(open_menu(again, "&File"), "actionOpenRecent", qtbot)
    assert recent_names(recent)[:3] == ["Flow 11", "Flow 9", "Flow 8"]
    recent.close()


# -- a double-click on a tab renames its workflow ------------------------------------------------------------

def test_double_clicking_a_tab_renames_its_workflow_in_one_undoable_step(window, qtbot):
    tab = window.workflows.new()
    activate(window, qtbot)
    bar = window.tabs.tabBar()
    index = window.tabs.indexOf(tab)
    QTest.mouseDClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, bar.tabRect(index).center())
    editor = bar.findChild(QLineEdit, "tabRename")
    assert editor is not None and editor.isVisible() and editor.text() == "Untitled" and editor.hasSelectedText()
    QTest.keyClicks(editor, "Holiday photos")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    assert not editor.isVisible()
    assert tab.doc.name == "Holiday photos" and bar.tabText(index) == "Holiday photos *"
    assert tab.undo_stack.count() == 1 and tab.undo_stack.undoText() == "Rename workflow"
    QTest.keyClick(tab.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert tab.doc.name == "Untitled" and bar.tabText(index) == "Untitled"

    # Esc leaves it as it was, and no step is added
    QTest.mouseDClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, bar.tabRect(index).center())
    QTest.keyClicks(editor, "Nope")
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert tab.doc.name == "Untitled" and not editor.isVisible() and tab.undo_stack.index() == 0
    # an empty name is refused with a reason
    QTest.mouseDClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, bar.tabRect(index).center())
    QTest.keyClick(editor, Qt.Key.Key_Delete)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    assert tab.doc.name == "Untitled" and "name" in window.statusBar().currentMessage().lower()
    # a rename that works next says so: the refusal does not stay in the status bar
    QTest.mouseDClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, bar.tabRect(index).center())
    QTest.keyClicks(editor, "Holiday photos")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    assert tab.doc.name == "Holiday photos"
    assert "not renamed" not in window.statusBar().currentMessage() and "Holiday photos" in window.statusBar().currentMessage()


def test_a_very_long_workflow_name_is_elided_on_its_tab_and_whole_in_its_tooltip(window, qtbot):
    tab = window.workflows.new()
    name = "A very long workflow name that goes on and on and on to see what the tab strip does with it okay"
    command_name(window, tab, name)
    bar = window.tabs.tabBar()
    index = window.tabs.indexOf(tab)
    text = bar.tabText(index)
    assert "…" in text and text.startswith("A very") and text.endswith(" *")  # the start, the end and its mark
    assert bar.tabToolTip(index) == name + " *"
    assert bar.fontMetrics().horizontalAdvance(text) <= 300 and bar.tabRect(index).width() < 340  # room for others
    window.workflows.save()
    assert "…" in bar.tabText(index) and bar.tabText(index).endswith("okay") and bar.tabToolTip(index) == name


def command_name(window, tab, name: str) -> None:
    """Rename the tab's workflow as a double-click on its tab does."""
    bar = window.tabs.tabBar()
    QTest.mouseDClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                      bar.tabRect(window.tabs.indexOf(tab)).center())
    editor = bar.findChild(QLineEdit, "tabRename")
    editor.setText(name)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    assert tab.doc.name == name
    # the welcome page's tab is not a workflow
    QTest.mouseDClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, bar.tabRect(0).center())
    assert not editor.isVisible()


# -- Edit ▸ Undo history -------------------------------------------------------------------------------------

def test_the_undo_history_lists_the_tabs_steps_and_a_click_goes_back_to_one(window, qtbot):
    tab = window.workflows.new()
    activate(window, qtbot)
    for kind in ("image_load", "image_blur", "image_save"):
        tab.add_block(kind)
    QTest.keyClick(tab.view, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    history = window.findChild(QWidget, "undoHistory")
    assert history is not None and history.isVisible()
    view = history.findChild(QUndoView, "undoView")
    model = view.model()
    rows = [model.index(i, 0).data() for i in range(model.rowCount())]
    assert rows == ["As opened", "Add Image Load", "Add Image Blur", "Add Image Save"], rows
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     view.visualRect(model.index(1, 0)).center())
    assert tab.undo_stack.index() == 1 and [n.type for n in tab.doc.nodes.values()] == ["image_load"]
    other = window.workflows.new()  # the list follows the tab on show
    other.add_block("constant")
    assert [model.index(i, 0).data() for i in range(model.rowCount())] == ["As opened", "Add Constant"]
    window.tabs.setCurrentWidget(tab)
    assert model.rowCount() == 4


def test_esc_or_its_own_shortcut_closes_the_undo_history_and_the_shortcut_opens_it_again(window, qtbot):
    tab = window.workflows.new()
    activate(window, qtbot)
    tab.add_block("constant")
    keys = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(tab.view, Qt.Key.Key_H, keys)
    history = window.findChild(QWidget, "undoHistory")
    view = history.findChild(QUndoView, "undoView")
    for key, modifiers in ((Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier), (Qt.Key.Key_H, keys)):
        assert history.isVisible()
        history.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is history, timeout=2000)
        QTest.keyClick(view, key, modifiers)  # the keys are the history's: it closes
        assert not history.isVisible()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)  # the window has them again
        QTest.keyClick(tab.view, Qt.Key.Key_H, keys)  # and the shortcut opens it again
    assert history.isVisible()
    QTest.keyClick(tab.view, Qt.Key.Key_H, keys)  # from the window too, the shortcut switches it off
    assert not history.isVisible()


# -- align and distribute ----------------------------------------------------------------------------------

def test_the_selected_nodes_align_left_from_their_menu_in_one_undo_step(window, qtbot):
    tab = arrange_tab(window, {"a": (0, 0), "b": (130, 120), "c": (60, 250), "d": (400, 400)})
    before = positions(tab)
    select_by_mouse(tab, ["a", "b", "c"])
    menu = right_click(tab, header_point(tab, "b"))
    align = click_entry(menu, "menuAlign", qtbot)
    assert align.isVisible()
    click_entry(align, "actionAlignLeft")
    after = positions(tab)
    assert [after[n][0] for n in "abc"] == [0, 0, 0] and [after[n][1] for n in "abc"] == [0, 120, 250]
    assert after["d"] == before["d"]  # not selected: left alone
    assert tab.undo_stack.undoText() == "Align 3 nodes left"
    activate(window, qtbot)
    QTest.keyClick(tab.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert positions(tab) == before


def test_align_and_distribute_from_the_edit_menu(window, qtbot):
    tab = arrange_tab(window, {"a": (0, 0), "b": (50, 40), "c": (500, 70)})
    width = tab.scene.node_items["a"].body_rect().width()
    select_by_mouse(tab, ["a", "b", "c"])
    click_entry(click_entry(open_menu(window, "&Edit"), "menuAlign", qtbot), "actionDistributeH")
    x = {n: p[0] for n, p in positions(tab).items()}
    assert x["a"] == 0 and x["c"] == 500  # the outer ones stay; the gaps between them are equal
    assert x["b"] - (x["a"] + width) == x["c"] - (x["b"] + width)
    click_entry(click_entry(open_menu(window, "&Edit"), "menuAlign", qtbot), "actionAlignMiddle")
    height = tab.scene.node_items["a"].body_rect().height()
    middles = {p[1] + height / 2 for p in positions(tab).values()}
    assert middles == {(0 + 70 + height) / 2}  # the middle of the three, top to bottom
    assert tab.undo_stack.count() == 2
    window.actionUndo.trigger()
    window.actionUndo.trigger()
    click_entry(click_entry(open_menu(window, "&Edit"), "menuAlign", qtbot), "actionDistributeV")
    assert [positions(tab)[n][1] for n in "abc"] == [0, 35, 70]  # (equal heights: equal gaps, equal steps)


# -- snap to the dot grid ----------------------------------------------------------------------------------

def test_snap_to_grid_snaps_a_dragged_node_on_release_and_is_remembered(make_window, tmp_path, qtbot):
    window = make_window(tmp_path)
    tab = arrange_tab(window, {"a": (5, 7), "b": (300, 30)})
    assert not window.actionSnapGrid.isChecked()
    viewport = tab.view.viewport()
    drag(viewport, header_point(tab, "a"), header_point(tab, "a") + QPoint(37, 13))
    assert positions(tab)["a"] == (42, 20)  # off: where it was dropped
    click_entry(open_menu(window, "&View"), "actionSnapGrid")
    assert window.actionSnapGrid.isChecked()
    drag(viewport, header_point(tab, "a"), header_point(tab, "a") + QPoint(37, 13))
    assert positions(tab)["a"] == (72, 24)  # (79, 33) snapped to the 24-unit grid
    assert tab.scene.node_items["a"].pos().toTuple() == (72, 24)
    activate(window, qtbot)
    QTest.keyClick(tab.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert positions(tab)["a"] == (42, 20)  # one step
    window.settings.sync()
    assert QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat).value("snapToGrid") in (True, "true")
    again = make_window(tmp_path)
    assert again.actionSnapGrid.isChecked()
    other = arrange_tab(again, {"n": (1, 1)})
    drag(other.view.viewport(), header_point(other, "n"), header_point(other, "n") + QPoint(30, 30))
    assert positions(other)["n"] == (24, 24)


def test_one_remembered_workflow_stays_one_entry_in_the_next_session(make_window, tmp_path, qtbot):
    from engine.store import Store

    store = Store(tmp_path)
    first = store.workflows.create(Workflow(name="First")).id
    second = store.workflows.create(Workflow(name="Second")).id
    store.close()
    # what the last session left: an INI file keeps a list of one as a bare string
    (tmp_path / "settings.ini").write_text(f"[General]\nrecent={first}\n")
    window = make_window(tmp_path)
    window.workflows.open(second)
    assert window.settings.value("recent", [], type=list) == [second, first]  # not [second, "f", "i", …]
    recent = click_entry(open_menu(window, "&File"), "actionOpenRecent", qtbot)
    assert recent_names(recent) == ["Second", "First"]
    recent.close()
