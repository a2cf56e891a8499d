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


COPIED, IGNORED = (True, Qt.DropAction.CopyAction), (False, Qt.DropAction.IgnoreAction)


def deliver(widget, at: QPoint, mime, modifiers=SHIFT) -> tuple[bool, Qt.DropAction] | None:
    """Drag-enter, drag-move and drop ``mime`` on ``widget`` at ``at`` from a source that allows a copy or a move
    (and proposes a move): whether the drop was accepted and as what, as its source learns it (None when the drag
    was refused on entering: no drop comes)."""
    enter = QDragEnterEvent(at, COPY_OR_MOVE, mime, Qt.MouseButton.LeftButton, modifiers)
    assert enter.proposedAction() == Qt.DropAction.MoveAction
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return None
    QApplication.sendEvent(widget, QDragMoveEvent(at, COPY_OR_MOVE, mime, Qt.MouseButton.LeftButton, modifiers))
    drop = QDropEvent(QPointF(at), COPY_OR_MOVE, mime, Qt.MouseButton.LeftButton, modifiers)
    QApplication.sendEvent(widget, drop)
    return drop.isAccepted(), drop.dropAction()


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

    assert deliver(viewport, over(tab, load), file_mime(photos / "a.png")) == COPIED
    assert set(tab.doc.nodes) == {load, blur, files}  # no new node stacked on it
    assert tab.doc.nodes[load].config["source"] == str(photos / "a.png")
    assert tab.undo_stack.count() == steps + 1
    assert tab.scene.selected_node_ids() == [load]  # (the inspector shows its new source)
    assert window.inspector.fields["source"].text() == str(photos / "a.png")
    window.actionUndo.trigger()
    assert tab.doc.nodes[load].config.get("source") in (None, "")

    assert deliver(viewport, over(tab, files), file_mime(photos)) == COPIED  # a folder on a List Files: alike
    assert set(tab.doc.nodes) == {load, blur, files} and tab.doc.nodes[files].config["folder"] == str(photos)

    assert deliver(viewport, over(tab, blur), file_mime(photos / "b.jpg")) == COPIED  # another kind: as before
    [new] = set(tab.doc.nodes) - {load, blur, files}
    assert tab.doc.nodes[new].type == "image_load" and tab.doc.nodes[new].config["source"] == str(photos / "b.jpg")


def test_a_drop_is_taken_as_a_copy_even_when_the_source_proposes_a_move_and_a_refused_one_is_ignored(window, photos):  # noqa: F811
    tab = window.workflows.new()
    tab.view.resetTransform()
    viewport = tab.view.viewport()
    mime = file_mime(photos / "a.png")  # (kept: an event does not own its data)
    enter = QDragEnterEvent(QPoint(300, 200), COPY_OR_MOVE, mime, Qt.MouseButton.LeftButton, SHIFT)
    assert enter.proposedAction() == Qt.DropAction.MoveAction  # what the source asks for
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted() and enter.dropAction() == Qt.DropAction.CopyAction
    assert deliver(viewport, QPoint(300, 200), file_mime(photos / "a.png")) == COPIED  # a copy: the file stays
    [load] = tab.doc.nodes
    assert deliver(viewport, over(tab, load), file_mime(photos / "b.jpg")) == COPIED  # on the node: its source, a copy too
    assert tab.doc.nodes[load].config["source"] == str(photos / "b.jpg")

    # a block from the palette (a drag that allows a move): a copy too, or the palette would lose its entry
    assert deliver(viewport, QPoint(500, 400), window.palette_panel.mime_for("image_blur")) == COPIED

    # a drop the canvas takes nothing from (an image on a read-only version) is ignored: nothing moved, nothing copied
    old = window.workflows.open(window.store.workflows.create(tab.doc.workflow()).id, read_only=True)
    nodes = dict(old.doc.nodes)
    assert deliver(old.view.viewport(), QPoint(300, 420), file_mime(photos / "b.jpg")) == IGNORED
    assert old.doc.nodes == nodes
    assert window.statusBar().currentMessage() == "This version is read-only: nothing added"
    window.tabs.setCurrentWidget(tab)

    # a file dropped on a path field of the inspector: a copy as well
    tab.scene.clearSelection()
    tab.scene.node_items[load].setSelected(True)
    field = window.inspector.fields["source"]
    assert deliver(field, QPoint(5, 5), file_mime(photos / "a.png")) == COPIED
    assert tab.doc.nodes[load].config["source"] == str(photos / "a.png")


def test_a_refused_drop_says_why_file_by_file(window, photos):  # noqa: F811
    tab = window.workflows.new()
    tab.view.resetTransform()
    viewport = tab.view.viewport()
    said = window.statusBar().currentMessage
    missing = photos / "missing.png"

    assert deliver(viewport, QPoint(300, 200), file_mime(photos / "notes.txt")) is None  # refused as it comes in
    assert said() == "Not added: notes.txt is neither an image nor a folder"
    assert deliver(viewport, QPoint(300, 200), file_mime(missing)) is None
    assert said() == "Not added: missing.png does not exist"
    (photos / "more.txt").write_text("neither")
    assert deliver(viewport, QPoint(300, 200), file_mime(photos / "notes.txt", photos / "more.txt")) is None
    assert said() == "Not added: notes.txt, more.txt are neither images nor folders"
    assert tab.doc.nodes == {}

    # with an image among them: the image is added, and the others named with their reasons
    assert deliver(viewport, QPoint(300, 200), file_mime(photos / "notes.txt", missing, photos / "a.png")) == COPIED
    assert [n.config["source"] for n in tab.doc.nodes.values()] == [str(photos / "a.png")]
    assert said() == "Not added: notes.txt is neither an image nor a folder; missing.png does not exist"


def test_a_dropped_workflow_whose_name_is_taken_is_imported_as_a_new_one_and_the_status_bar_says_so(window, tmp_path):
    import json

    from .builder import Flow

    doc = Flow("Grey photo").node("c", "constant", value=1).build()
    window.store.workflows.create(doc)
    path = tmp_path / "grey.json"
    path.write_text(json.dumps(doc.model_dump(mode="json")))
    tab = window.workflows.new()
    assert deliver(tab.view.viewport(), QPoint(300, 200), file_mime(path)) == COPIED
    named = [i for i in window.store.workflows.list(limit=100).items if i.name == "Grey photo"]
    assert len(named) == 2 and window.current_tab().doc.name == "Grey photo"  # not renamed
    said = window.statusBar().currentMessage()
    assert "Imported as a new workflow 'Grey photo'" in said and "another workflow has that name" in said, said
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**doc.model_dump(mode="json"), "name": "Brand new"}))
    assert deliver(tab.view.viewport(), QPoint(300, 200), file_mime(other)) == COPIED
    assert "another workflow" not in window.statusBar().currentMessage()
