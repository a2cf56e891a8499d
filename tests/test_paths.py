"""Paths (issue 26): config fields that are paths say so in their block's schema (``format``: ``file``, ``folder``,
``save-file``), get a Browse… button (a file dialog that starts where the field points, else in the folder last
picked, remembered in the window's settings) and take a file dropped on them from a file manager (a file URL);
an image file dropped on the canvas makes an Image Load of it where it was dropped, a folder a List Files, and a
.json file is imported as a workflow, as before. A relative path stays relative to the workflow's file.

The file dialog is Qt's own (not the platform's: ``AA_DontUseNativeDialogs``, Qt's switch), found as the
window's child and driven with keys."""

import json

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QToolButton

from .builder import Flow
from .editor_helpers import drop_block

NO_NATIVE = Qt.ApplicationAttribute.AA_DontUseNativeDialogs


@pytest.fixture
def qt_dialogs():
    app = QApplication.instance()
    was = app.testAttribute(NO_NATIVE)
    app.setAttribute(NO_NATIVE, True)
    yield
    app.setAttribute(NO_NATIVE, was)


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for name, color in (("a.png", "red"), ("b.jpg", "blue")):
        Image.new("RGB", (8, 6), color).save(folder / name)
    (folder / "notes.txt").write_text("not an image")
    return folder


def file_mime(*paths) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def deliver_drop(widget, at: QPoint, mime: QMimeData) -> bool:
    """Drag-enter, drag-move and drop ``mime`` on ``widget`` at ``at``, as Qt delivers a drag from another
    application; whether the drop was taken."""
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(at, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    QApplication.sendEvent(widget, QDragMoveEvent(at, actions, mime, Qt.MouseButton.LeftButton,
                                                  Qt.KeyboardModifier.NoModifier))
    drop = QDropEvent(QPointF(at), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return drop.isAccepted()


def browse(window, qtbot, key: str) -> QFileDialog:
    """Click the field's Browse… button: the file dialog it opens."""
    button = window.inspector.findChild(QToolButton, f"browse.{key}")
    assert button is not None and button.isVisible() and button.text() == "Browse…"
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(QFileDialog, "browseDialog")
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    # the dialog has the keys, as a window manager gives them to a dialog it shows (offscreen, none does): typed
    # text is then the dialog's to complete, not overwritten by the file its list selects
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def pick(dialog: QFileDialog, text: str) -> None:
    """Type into the dialog's file name box and press Enter."""
    name = dialog.findChild(QLineEdit, "fileNameEdit")
    name.setFocus()
    name.selectAll()
    QTest.keyClicks(name, str(text))
    QTest.keyClick(name, Qt.Key.Key_Return)


def test_path_fields_say_so_in_their_blocks_schema(window):
    formats = {(t, k): window.registry.get(t).config_schema()["properties"][k].get("format")
               for t, k in (("image_load", "source"), ("list_files", "folder"), ("image_save", "path"),
                            ("image_save", "folder"))}
    assert formats == {("image_load", "source"): "file", ("list_files", "folder"): "folder",
                       ("image_save", "path"): "save-file", ("image_save", "folder"): "folder"}


def test_browse_picks_a_file_a_folder_and_a_file_to_save_and_remembers_the_folder(window, qtbot, qt_dialogs, photos):
    tab = window.workflows.new()
    load = drop_block(window, tab, "image_load", QPoint(150, 150))
    assert window.inspector.node_id == load
    dialog = browse(window, qtbot, "source")
    assert dialog.fileMode() == QFileDialog.FileMode.ExistingFile
    assert dialog.acceptMode() == QFileDialog.AcceptMode.AcceptOpen
    pick(dialog, str(photos / "a.png"))
    qtbot.waitUntil(lambda: tab.doc.nodes[load].config == {"source": str(photos / "a.png")})
    assert not dialog.isVisible()
    assert window.inspector.fields["source"].text() == str(photos / "a.png")  # the field shows it at once
    assert window.settings.value("browseFolder") == str(photos)
    window.actionUndo.trigger()  # one step
    assert tab.doc.nodes[load].config == {}
    window.actionRedo.trigger()

    files = drop_block(window, tab, "list_files", QPoint(150, 400))
    dialog = browse(window, qtbot, "folder")
    assert dialog.fileMode() == QFileDialog.FileMode.Directory
    assert dialog.directory().absolutePath() == str(photos)  # the folder last picked
    pick(dialog, str(photos))
    qtbot.waitUntil(lambda: tab.doc.nodes[files].config.get("folder") == str(photos))

    save = drop_block(window, tab, "image_save", QPoint(450, 150))
    dialog = browse(window, qtbot, "path")
    assert dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    assert dialog.directory().absolutePath() == str(photos)
    pick(dialog, "small.png")  # a file that is not there yet
    qtbot.waitUntil(lambda: tab.doc.nodes[save].config.get("path") == str(photos / "small.png"))

    window.inspector.show_node(tab.doc, tab.undo_stack, load)  # the field's own folder comes first
    window.settings.setValue("browseFolder", str(photos.parent))
    dialog = browse(window, qtbot, "source")
    assert dialog.directory().absolutePath() == str(photos)
    QTest.keyClick(dialog, Qt.Key.Key_Escape)  # cancelled: nothing changes
    assert not dialog.isVisible() and tab.doc.nodes[load].config == {"source": str(photos / "a.png")}


def test_image_loads_browse_offers_images_first_and_path_hints_fit_the_inspector(window, qtbot, qt_dialogs):
    window.resize(1400, 860)  # the first start's size and docks (on a test screen they start narrower)
    window.resizeDocks([window.palette_dock, window.inspector_dock], [220, 320], Qt.Orientation.Horizontal)
    tab = window.workflows.new()
    drop_block(window, tab, "image_load", QPoint(150, 150))
    dialog = browse(window, qtbot, "source")
    images = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp)"
    assert dialog.nameFilters() == [images, "All files (*)"] and dialog.selectedNameFilter() == images
    QTest.keyClick(dialog, Qt.Key.Key_Escape)

    for block, keys in (("image_load", ["source"]), ("list_files", ["folder"]), ("image_save", ["path", "folder"])):
        tab.add_block(block)
        QApplication.processEvents()  # (laid out at the inspector's width on first start)
        for key in keys:
            field = window.inspector.fields[key]
            hint = field.placeholderText()
            assert field.fontMetrics().horizontalAdvance(hint) + 8 <= field.width(), (block, key, hint)  # whole
            assert "drop" in field.toolTip()  # (the longer hint: a file can be dropped on it)


def test_a_relative_path_stays_relative_to_the_workflows_file(window, qtbot, qt_dialogs, tmp_path):
    folder = tmp_path / "project"
    (folder / "img").mkdir(parents=True)
    for name in ("a.png", "b.png"):
        Image.new("RGB", (4, 4), "green").save(folder / "img" / name)
    Image.new("RGB", (4, 4), "green").save(tmp_path / "elsewhere.png")
    wf = Flow("project").node("load", "image_load", source="img/a.png").build()
    path = folder / "flow.json"
    path.write_text(json.dumps(wf.model_dump(mode="json")))
    [tab] = window.workflows.import_files([str(path)])
    window.select_node("load")
    dialog = browse(window, qtbot, "source")
    assert dialog.directory().absolutePath() == str(folder / "img")  # where the relative path points
    pick(dialog, str(folder / "img" / "b.png"))
    qtbot.waitUntil(lambda: tab.doc.nodes["load"].config == {"source": "img/b.png"})
    dialog = browse(window, qtbot, "source")
    pick(dialog, str(tmp_path / "elsewhere.png"))  # outside the workflow's folder: as picked
    qtbot.waitUntil(lambda: tab.doc.nodes["load"].config == {"source": str(tmp_path / "elsewhere.png")})


def test_a_file_dropped_on_a_path_field_becomes_its_value(window, photos):
    tab = window.workflows.new()
    load = drop_block(window, tab, "image_load", QPoint(150, 150))
    field = window.inspector.fields["source"]
    steps = tab.undo_stack.count()
    assert not deliver_drop(field, QPoint(5, 5), file_mime(photos))  # a folder is not an image file
    assert window.inspector.problems["source"].text() == "photos is a folder: drop a file here"  # said, while over it
    assert deliver_drop(field, QPoint(5, 5), file_mime(photos / "b.jpg"))
    assert tab.doc.nodes[load].config == {"source": str(photos / "b.jpg")}
    assert field.text() == str(photos / "b.jpg") and tab.undo_stack.count() == steps + 1
    files = drop_block(window, tab, "list_files", QPoint(150, 400))
    field = window.inspector.fields["folder"]
    assert not deliver_drop(field, QPoint(5, 5), file_mime(photos / "a.png"))  # a file is not a folder
    assert deliver_drop(field, QPoint(5, 5), file_mime(photos))
    assert tab.doc.nodes[files].config["folder"] == str(photos)


def test_an_image_or_a_folder_dropped_on_the_canvas_makes_a_node_of_it(window, photos, tmp_path):
    tab = window.workflows.new()
    tab.view.resetTransform()
    viewport = tab.view.viewport()
    at = QPoint(300, 200)
    assert deliver_drop(viewport, at, file_mime(photos / "a.png"))
    [load] = tab.doc.nodes.values()
    assert load.type == "image_load" and load.config == {"source": str(photos / "a.png")}
    item = tab.scene.node_items[load.id]
    assert item.sceneBoundingRect().contains(tab.view.mapToScene(at))  # where it was dropped
    assert tab.scene.selected_node_ids() == [load.id]

    assert deliver_drop(viewport, QPoint(300, 420), file_mime(photos))
    [files] = [n for n in tab.doc.nodes.values() if n.type == "list_files"]
    assert files.config == {"folder": str(photos)}

    steps = tab.undo_stack.count()
    before = set(tab.doc.nodes)
    assert deliver_drop(viewport, QPoint(600, 200), file_mime(photos / "a.png", photos / "b.jpg"))
    new = [tab.doc.nodes[n] for n in set(tab.doc.nodes) - before]
    assert sorted(n.config["source"] for n in new) == [str(photos / "a.png"), str(photos / "b.jpg")]
    rects = [tab.scene.node_items[n.id].sceneBoundingRect() for n in new]
    assert not rects[0].intersects(rects[1])  # one under the other
    assert tab.undo_stack.count() == steps + 1  # one step for the drop
    window.actionUndo.trigger()
    assert set(tab.doc.nodes) == before

    nodes = dict(tab.doc.nodes)
    assert not deliver_drop(viewport, at, file_mime(photos / "notes.txt"))  # neither an image nor a folder
    assert tab.doc.nodes == nodes
    assert window.statusBar().currentMessage() == "Not added: notes.txt is neither an image nor a folder"
    assert deliver_drop(viewport, at, file_mime(photos / "notes.txt", photos / "b.jpg"))  # the image, and why not it
    assert [n.config for n in tab.doc.nodes.values() if n.id not in nodes] == [{"source": str(photos / "b.jpg")}]
    assert window.statusBar().currentMessage() == "Not added: notes.txt is neither an image nor a folder"
    window.actionUndo.trigger()

    wf = Flow("dropped").node("c", "constant", value=1).build()
    path = tmp_path / "dropped.json"
    path.write_text(json.dumps(wf.model_dump(mode="json")))
    assert deliver_drop(viewport, at, file_mime(path))  # a workflow file is imported, as before
    assert window.current_tab().doc.name == "dropped" and tab.doc.nodes == nodes


def test_a_file_of_another_kind_dropped_on_a_path_field_is_taken_with_a_warning(window, photos):
    tab = window.workflows.new()
    load = drop_block(window, tab, "image_load", QPoint(150, 150))
    field = window.inspector.fields["source"]
    assert deliver_drop(field, QPoint(5, 5), file_mime(photos / "notes.txt"))  # the user may know better
    assert tab.doc.nodes[load].config == {"source": str(photos / "notes.txt")}
    said = "notes.txt does not look like an image"
    note = window.inspector.problems["source"]
    assert note.isVisible() and note.text().startswith(said), note.text()
    assert said in window.statusBar().currentMessage()
    assert deliver_drop(field, QPoint(5, 5), file_mime(photos / "a.png"))  # an image: nothing to say
    assert tab.doc.nodes[load].config == {"source": str(photos / "a.png")} and not note.isVisible()
