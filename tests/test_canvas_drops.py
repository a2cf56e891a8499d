"""Files dropped on the canvas, as outside tester 3 found them (issue 26): an image dropped on an Image Load sets
its source (a folder on a List Files its folder) instead of stacking a new node on it; a drop answers its source
with a copy, never a move (a source that acts on "moved" deletes the user's file), and a refused drop is ignored;
a refusal says why, file by file. Drag events are delivered to the canvas as Qt delivers them from another
application."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from .editor_helpers import drop_block
from .test_paths import file_mime, photos  # noqa: F401 - (photos: a fixture)

COPY_OR_MOVE = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
SHIFT = Qt.KeyboardModifier.ShiftModifier  # (a file manager proposes a move when Shift is held)


def deliver(widget, at: QPoint, mime, modifiers=SHIFT) -> QDropEvent | None:
    """Drag-enter, drag-move and drop ``mime`` on ``widget`` at ``at`` from a source that allows a copy or a move:
    the drop event as the canvas left it (None when it refused the drag on entering)."""
    enter = QDragEnterEvent(at, COPY_OR_MOVE, mime, Qt.MouseButton.LeftButton, modifiers)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return None
    QApplication.sendEvent(widget, QDragMoveEvent(at, COPY_OR_MOVE, mime, Qt.MouseButton.LeftButton, modifiers))
    drop = QDropEvent(QPointF(at), COPY_OR_MOVE, mime, Qt.MouseButton.LeftButton, modifiers)
    QApplication.sendEvent(widget, drop)
    return drop


def over(tab, node_id: str) -> QPoint:
    """A point in the middle of a node's body."""
    return tab.view.mapFromScene(tab.scene.node_items[node_id].sceneBoundingRect().center())


def test_an_image_dropped_on_an_image_load_sets_its_source_in_one_step(window, photos):  # noqa: F811
    tab = window.workflows.new()
    tab.view.resetTransform()
    load = drop_block(window, tab, "image_load", QPoint(150, 150))
    blur = drop_block(window, tab, "image_blur", QPoint(450, 150))
    files = drop_block(window, tab, "list_files", QPoint(150, 400))
    steps = tab.undo_stack.count()
    viewport = tab.view.viewport()

    assert deliver(viewport, over(tab, load), file_mime(photos / "a.png")).isAccepted()
    assert set(tab.doc.nodes) == {load, blur, files}  # no new node stacked on it
    assert tab.doc.nodes[load].config["source"] == str(photos / "a.png")
    assert tab.undo_stack.count() == steps + 1
    assert tab.scene.selected_node_ids() == [load]  # (the inspector shows its new source)
    assert window.inspector.fields["source"].text() == str(photos / "a.png")
    window.actionUndo.trigger()
    assert tab.doc.nodes[load].config.get("source") in (None, "")

    assert deliver(viewport, over(tab, files), file_mime(photos)).isAccepted()  # a folder on a List Files: alike
    assert set(tab.doc.nodes) == {load, blur, files} and tab.doc.nodes[files].config["folder"] == str(photos)

    assert deliver(viewport, over(tab, blur), file_mime(photos / "b.jpg")).isAccepted()  # another kind: as before
    [new] = set(tab.doc.nodes) - {load, blur, files}
    assert tab.doc.nodes[new].type == "image_load" and tab.doc.nodes[new].config["source"] == str(photos / "b.jpg")
