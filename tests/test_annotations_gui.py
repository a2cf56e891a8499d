"""Groups and notes on the canvas (SPEC §2 annotations, §8), driven with real mouse and key events: Ctrl+G frames
the selected nodes; dragging the group's title moves it and its nodes as one undo step; its corner resizes it;
a double-click on its title renames it; its menu ungroups; a note from the canvas menu is typed in place and
shown as markdown; copy/paste brings a group whose nodes all come along; they are saved with the workflow,
drawn in the minimap and on the welcome page's cards."""

from PySide6.QtCore import QPoint, QPointF, QSize, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from engine.graph import validate
from engine.model import Workflow

from .editor_helpers import drag, drop_block, header_point
from .test_canvas_menus import entries, right_click

LEFT, CTRL, NONE = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.NoModifier


def active(window, qtbot):
    window.resize(1300, 900)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def two_nodes(window, qtbot):
    tab = window.workflows.new()
    active(window, qtbot)
    tab.view.resetTransform()
    a = drop_block(window, tab, "image_load", QPoint(120, 140))
    b = drop_block(window, tab, "image_blur", QPoint(160, 300))
    return tab, a, b


def select(tab, *node_ids):
    viewport = tab.view.viewport()
    QTest.mouseClick(viewport, LEFT, NONE, header_point(tab, node_ids[0]))
    for nid in node_ids[1:]:
        QTest.mouseClick(viewport, LEFT, CTRL, header_point(tab, nid))
    assert sorted(tab.scene.selected_node_ids()) == sorted(node_ids)


def group_key(tab):
    QTest.keyClick(tab.view, Qt.Key.Key_G, CTRL)
    groups = [a for a in tab.doc.annotations.values() if a.kind == "group"]
    assert len(groups) == 1, tab.doc.annotations
    return groups[0].id


def title_point(tab, annotation_id: str, dx: float = 30) -> QPoint:
    box = tab.scene.annotation_items[annotation_id].sceneBoundingRect()
    return tab.view.mapFromScene(box.topLeft() + QPointF(dx, 12))


def pick(menu, name: str) -> None:
    """Click a menu's entry (the menu closes, as it does for a person)."""
    action = entries(menu)[name]
    QTest.mouseClick(menu, LEFT, NONE, menu.actionGeometry(action).center())
    assert not menu.isVisible()


def double_click(viewport, at: QPoint) -> None:
    """What a person's double-click delivers: a press and release, then the double-click and its release."""
    QTest.mouseClick(viewport, LEFT, NONE, at)
    QTest.mouseDClick(viewport, LEFT, NONE, at)  # (QTest sends the double-click event alone)
    QTest.mouseRelease(viewport, LEFT, NONE, at)


def positions(tab, *node_ids):
    return [tuple(tab.doc.nodes[n].position) for n in node_ids]


def test_ctrl_g_frames_the_selected_nodes_its_title_drags_them_in_one_step_its_corner_resizes(window, qtbot):
    tab, a, b = two_nodes(window, qtbot)
    select(tab, a, b)
    gid = group_key(tab)
    group = tab.doc.annotations[gid]
    assert sorted(group.nodes) == sorted([a, b])
    frame = tab.scene.annotation_items[gid].sceneBoundingRect()
    for nid in (a, b):  # a frame around its nodes, drawn behind them
        assert frame.contains(tab.scene.node_items[nid].sceneBoundingRect())
        assert tab.scene.annotation_items[gid].zValue() < tab.scene.node_items[nid].zValue()
    assert window.actionUndo.text() == "&Undo Group 2 nodes"

    before, group_before, steps = positions(tab, a, b), tuple(group.position), tab.undo_stack.count()
    start = title_point(tab, gid)
    drag(tab.view.viewport(), start, start + QPoint(90, 50))
    assert tab.undo_stack.count() == steps + 1  # one step for the whole drag
    after = positions(tab, a, b)
    assert [(x - x0, y - y0) for (x, y), (x0, y0) in zip(after, before)] == [(90, 50), (90, 50)]
    assert tuple(tab.doc.annotations[gid].position) == (group_before[0] + 90, group_before[1] + 50)
    window.actionUndo.trigger()
    assert positions(tab, a, b) == before and tuple(tab.doc.annotations[gid].position) == group_before
    assert tab.scene.node_items[a].pos() == QPointF(*before[0])
    window.actionRedo.trigger()
    assert positions(tab, a, b) == after

    # a drag in its empty middle is a rubber band on the canvas: it selects nodes, the group stays put
    body = tab.view.mapFromScene(tab.scene.annotation_items[gid].sceneBoundingRect().bottomLeft() + QPointF(8, -8))
    where = tuple(tab.doc.annotations[gid].position)
    drag(tab.view.viewport(), body, body + QPoint(250, -60))
    assert tuple(tab.doc.annotations[gid].position) == where and tab.scene.selected_annotation_ids() == []
    assert b in tab.scene.selected_node_ids()

    # its corner resizes it (one step)
    item = tab.scene.annotation_items[gid]
    size = tuple(tab.doc.annotations[gid].size)
    corner = tab.view.mapFromScene(item.sceneBoundingRect().bottomRight() - QPointF(4, 4))
    drag(tab.view.viewport(), corner, corner + QPoint(60, 30))
    assert tuple(tab.doc.annotations[gid].size) == (size[0] + 60, size[1] + 30)
    window.actionUndo.trigger()
    assert tuple(tab.doc.annotations[gid].size) == size

    # a node dragged out on its own stays in the group; "Fit to its nodes" frames them again (one step)
    drag(tab.view.viewport(), header_point(tab, b), header_point(tab, b) + QPoint(300, 0))
    assert not item.sceneBoundingRect().contains(tab.scene.node_items[b].sceneBoundingRect())
    pick(right_click(tab, title_point(tab, gid)), "menuFitGroup")
    for nid in (a, b):
        assert item.sceneBoundingRect().contains(tab.scene.node_items[nid].sceneBoundingRect())
    assert window.actionUndo.text() == "&Undo Fit group"


def test_a_group_is_renamed_by_double_click_ungrouped_from_its_menu_and_survives_save_and_reopen(window, qtbot):
    tab, a, b = two_nodes(window, qtbot)
    select(tab, a, b)
    gid = group_key(tab)
    double_click(tab.view.viewport(), title_point(tab, gid))
    assert not window.popup.isVisible()  # not the "add block" popup of an empty spot
    QTest.keyClick(tab.view, Qt.Key.Key_A, CTRL)
    QTest.keyClicks(tab.view, "Fix the photo")  # (an F or a space on the canvas would frame or pan)
    QTest.keyClick(tab.view, Qt.Key.Key_Backspace)
    QTest.keyClick(tab.view, Qt.Key.Key_Return)
    assert tab.doc.annotations[gid].title == "Fix the phot"
    assert tab.doc.nodes.keys() == {a, b}  # Backspace edited the title: no node deleted
    assert window.actionUndo.text() == "&Undo Rename group"

    window.actionSave.trigger()
    dialog = window.workflows.properties_dialog
    dialog.name.setText("Grouped")
    dialog.ok.click()
    saved = tab.doc.workflow()
    workflow_id = tab.doc.workflow_id
    window.close_current_tab()
    window.browser.refresh()
    [card] = window.browser.workflows.findItems("Grouped", Qt.MatchFlag.MatchStartsWith)
    window.browser.workflows.itemActivated.emit(card)
    reopened = window.current_tab()
    assert reopened.doc.workflow_id == workflow_id
    assert window.store.workflows.document(workflow_id).annotations == saved.annotations
    [group] = reopened.doc.annotations.values()
    assert group.title == "Fix the phot" and sorted(group.nodes) == sorted([a, b])
    assert gid in reopened.scene.annotation_items

    menu = right_click(reopened, title_point(reopened, gid))
    assert menu.objectName() == "groupMenu"
    pick(menu, "menuUngroup")
    assert reopened.doc.annotations == {} and reopened.doc.nodes.keys() == {a, b}
    assert reopened.scene.annotation_items == {}
    window.actionUndo.trigger()
    assert gid in reopened.doc.annotations and gid in reopened.scene.annotation_items


def test_a_note_from_the_canvas_menu_is_typed_in_place_and_shown_as_markdown(window, qtbot):
    tab = window.workflows.new()
    active(window, qtbot)
    tab.view.resetTransform()
    spot = QPoint(200, 160)
    menu = right_click(tab, spot)
    assert menu.objectName() == "canvasMenu"
    pick(menu, "menuAddNote")
    [nid] = tab.doc.annotations
    assert tab.doc.annotations[nid].kind == "note"
    QTest.keyClicks(tab.view, "Fix **this** first")
    QTest.keyClick(tab.view, Qt.Key.Key_Escape)  # done: the text is kept
    assert tab.doc.annotations[nid].text == "Fix **this** first"
    item = tab.scene.annotation_items[nid]
    assert item.shown_text() == "Fix this first"  # drawn as markdown: the stars make it bold
    assert "font-weight" in item.text_html()
    assert window.actionUndo.text() == "&Undo Edit note"
    window.actionUndo.trigger()
    assert tab.doc.annotations[nid].text == ""
    window.actionRedo.trigger()

    # a double-click edits it again, from its own text; a click elsewhere ends the edit
    double_click(tab.view.viewport(), tab.view.mapFromScene(item.sceneBoundingRect().center()))
    QTest.keyClick(tab.view, Qt.Key.Key_End, CTRL)
    for line in ("- one", "- two"):
        QTest.keyClick(tab.view, Qt.Key.Key_Return)  # (a new line in a note; Ctrl+Enter ends the edit)
        QTest.keyClicks(tab.view, line)
    QTest.mouseClick(tab.view.viewport(), LEFT, NONE, QPoint(30, tab.view.viewport().height() - 30))
    assert tab.doc.annotations[nid].text == "Fix **this** first\n- one\n- two"
    assert item.shown_text().endswith("one\ntwo")  # a list

    # a note is dragged anywhere on it, and deleted with the Delete key
    before = tuple(tab.doc.annotations[nid].position)
    at = tab.view.mapFromScene(item.sceneBoundingRect().center())
    drag(tab.view.viewport(), at, at + QPoint(40, 20))
    assert tuple(tab.doc.annotations[nid].position) == (before[0] + 40, before[1] + 20)
    assert item.isSelected()
    QTest.keyClick(tab.view, Qt.Key.Key_Delete)
    assert tab.doc.annotations == {}


def test_copy_paste_brings_a_group_whose_nodes_all_come_and_deleting_a_node_leaves_its_group(window, qtbot):
    tab, a, b = two_nodes(window, qtbot)
    select(tab, a, b)
    gid = group_key(tab)
    select(tab, a, b)
    QTest.keyClick(tab.view, Qt.Key.Key_C, CTRL)
    QTest.keyClick(tab.view, Qt.Key.Key_V, CTRL)
    assert len(tab.doc.nodes) == 4 and len(tab.doc.annotations) == 2
    [copy] = [g for g in tab.doc.annotations.values() if g.id != gid]
    new_nodes = set(tab.doc.nodes) - {a, b}
    assert set(copy.nodes) == new_nodes and copy.title == tab.doc.annotations[gid].title
    assert copy.id in tab.scene.annotation_items
    window.actionUndo.trigger()  # the paste is one step, group and all
    assert set(tab.doc.nodes) == {a, b} and list(tab.doc.annotations) == [gid]

    select(tab, a)  # one of its nodes only: the group stays behind
    QTest.keyClick(tab.view, Qt.Key.Key_C, CTRL)
    QTest.keyClick(tab.view, Qt.Key.Key_V, CTRL)
    assert len(tab.doc.nodes) == 3 and list(tab.doc.annotations) == [gid]
    window.actionUndo.trigger()

    select(tab, b)
    QTest.keyClick(tab.view, Qt.Key.Key_Delete)
    assert tab.doc.annotations[gid].nodes == [a]  # a deleted node leaves its group
    assert validate(tab.doc.workflow()) == []
    window.actionUndo.trigger()
    assert sorted(tab.doc.annotations[gid].nodes) == sorted([a, b])


def _has_color(image, color: QColor, box=None, tolerance: int = 40) -> bool:
    x0, y0, x1, y1 = box or (0, 0, image.width(), image.height())
    for y in range(y0, y1):
        for x in range(x0, x1):
            c = image.pixelColor(x, y)
            if abs(c.red() - color.red()) + abs(c.green() - color.green()) + abs(c.blue() - color.blue()) < tolerance:
                return True
    return False


def test_groups_and_notes_are_drawn_in_the_minimap_and_on_the_welcome_cards(window, qtbot):
    from app.panels.cards import graph_pixmap

    doc = {"name": "drawn", "nodes": [{"id": "c", "type": "constant", "position": [0, 0]}],
           "annotations": [{"id": "g", "kind": "group", "position": [-40, -60], "size": [900, 700],
                            "color": "#20c020", "nodes": ["c"]},
                           {"id": "n", "kind": "note", "position": [1400, 0], "size": [300, 200],
                            "color": "#e02020", "text": "hello"}]}
    wf = Workflow.model_validate(doc)
    green, red = QColor("#20c020"), QColor("#e02020")
    card = graph_pixmap(wf, window.registry, QSize(232, 120)).toImage()
    assert _has_color(card, green, tolerance=90) and _has_color(card, red, tolerance=90)
    bare = graph_pixmap(Workflow.model_validate({**doc, "annotations": []}), window.registry).toImage()
    assert not _has_color(bare, red, tolerance=90)

    tab = window.workflows.open(window.store.workflows.create(wf).id)
    assert set(tab.scene.annotation_items) == {"g", "n"}
    tab.view.minimap.refresh()
    shot = tab.view.minimap.pixmap.toImage()
    assert _has_color(shot, red, tolerance=90) and _has_color(shot, green, tolerance=120)


def test_ctrl_enter_in_a_note_ends_its_edit_and_runs_nothing(window, qtbot):
    tab = window.workflows.new()
    active(window, qtbot)
    nid = tab.add_note()
    item = tab.scene.annotation_items[nid]
    QTest.keyClicks(tab.view, "first line")
    window.statusBar().clearMessage()
    QTest.keyClick(tab.view, Qt.Key.Key_Return, CTRL)  # (Ctrl+Enter is also "Run this node": the note has it first)
    assert not item.editing
    assert tab.doc.annotations[nid].text == "first line"
    assert window.statusBar().currentMessage() == ""  # not "Select one node to run it"
    assert window.actionUndo.text() == "&Undo Edit note"


def test_a_groups_colour_menu_marks_its_colour(window, qtbot):
    from app.look.annotations import COLORS

    tab, a, b = two_nodes(window, qtbot)
    select(tab, a, b)
    gid = group_key(tab)

    def marked() -> list[str]:
        menu = right_click(tab, title_point(tab, gid))
        colours = menu.findChild(QMenu, "menuColour")
        shown = [action.text() for action in colours.actions() if action.isCheckable() and action.isChecked()]
        assert all(action.isCheckable() for action in colours.actions())
        menu.close()
        return shown

    assert marked() == ["Blue"]  # a group's colour when none was picked
    tab.scene.clearSelection()
    menu = right_click(tab, title_point(tab, gid))
    entries(menu.findChild(QMenu, "menuColour"))["colourRed"].trigger()
    menu.close()
    assert tab.doc.annotations[gid].color == COLORS["Red"]
    assert marked() == ["Red"]
