"""Two dialogs of the real window (issue "The screen never lies", items 4 and 5): the folder-watch dialog checks
what is typed — a folder that is not there, a pattern that leaves the folder, inputs that are not a JSON object
are marked at their field with the reason and OK is off — and its text never overlaps, even at its minimum
size; the server dialog's curl command masks the token as the token field does, until Show reveals both."""

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QWidget

from .test_queue_gui import on_loop, until
from .test_triggers_gui import sizes


def type_into(qtbot, field: QLineEdit, text: str) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClicks(field, text)


def marked(dialog, field: QLineEdit) -> str:
    """The reason shown at ``field`` (its note under it), or "" when it is not marked."""
    note = dialog.findChild(QLabel, field.objectName() + "Problem")
    bad = "border" in field.styleSheet()
    assert bad == (note is not None and note.isVisible()), (field.objectName(), field.styleSheet())
    return note.text() if bad else ""


def folder_dialog(window, qtbot):
    sizes(window)
    qtbot.mouseClick(window.triggers_panel.add_folder, Qt.MouseButton.LeftButton)
    dialog = window.triggers.dialog
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: not dialog._timer.isActive())  # (what is in the folder, shown after a pause)
    QApplication.processEvents()
    offset = dialog.frameGeometry().center() - window.frameGeometry().center()
    assert abs(offset.x()) <= 2 and abs(offset.y()) <= 2, offset  # opened whole, over the middle of the window
    return dialog


def test_the_folder_watch_dialog_marks_each_bad_field_with_its_reason_as_it_is_typed(window, qtbot, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    dialog = folder_dialog(window, qtbot)
    assert not dialog.ok.isEnabled()  # no folder yet
    type_into(qtbot, dialog.folder, str(tmp_path / "not-there"))
    assert "does not exist" in marked(dialog, dialog.folder) and not dialog.ok.isEnabled()
    type_into(qtbot, dialog.folder, "inbox")
    assert "full path" in marked(dialog, dialog.folder) and not dialog.ok.isEnabled()
    type_into(qtbot, dialog.folder, str(inbox))
    assert marked(dialog, dialog.folder) == "" and dialog.ok.isEnabled()

    type_into(qtbot, dialog.patterns, "*.png, ../*.jpg")
    assert "may not leave the folder" in marked(dialog, dialog.patterns) and not dialog.ok.isEnabled()
    type_into(qtbot, dialog.patterns, "*.png, *.jpg")
    assert marked(dialog, dialog.patterns) == "" and dialog.ok.isEnabled()

    type_into(qtbot, dialog.inputs, "[1, 2]")
    assert "JSON object" in marked(dialog, dialog.inputs) and not dialog.ok.isEnabled()
    type_into(qtbot, dialog.inputs, '{"width": ')
    assert "not JSON" in marked(dialog, dialog.inputs) and not dialog.ok.isEnabled()
    type_into(qtbot, dialog.inputs, '{"width": 200}')  # checked against the workflow: it has no input 'width'
    assert "unknown input 'width'" in marked(dialog, dialog.inputs) and not dialog.ok.isEnabled()
    type_into(qtbot, dialog.inputs, '{"path": "/x"}')   # the watch gives each run its file's path itself
    assert "sets the input 'path' itself" in marked(dialog, dialog.inputs) and not dialog.ok.isEnabled()
    type_into(qtbot, dialog.inputs, "")
    assert marked(dialog, dialog.inputs) == "" and dialog.ok.isEnabled()
    assert window.store.triggers.list() == []  # nothing stored while typing
    dialog.reject()


def overlaps(dialog) -> list[str]:
    """Visible widgets of ``dialog`` that overlap another, and wrapped labels cut short."""
    leaves = [w for w in dialog.findChildren(QWidget) if w.isVisible() and w.parent() is not None
              and (isinstance(w, (QLabel, QLineEdit, QPushButton, QPlainTextEdit)) or w.metaObject().className() in
                   ("QComboBox", "QCheckBox", "QSpinBox"))
              and not any(isinstance(a, (QLineEdit, QPlainTextEdit)) or a.metaObject().className() in
                          ("QComboBox", "QSpinBox") for a in ancestors(w, dialog))]
    rects = {w: QRect(w.mapTo(dialog, w.rect().topLeft()), w.size()) for w in leaves}
    found = []
    for i, a in enumerate(leaves):
        if not dialog.rect().contains(rects[a]):
            found.append(f"{name(a)} outside the dialog")
        for b in leaves[i + 1:]:
            if rects[a].intersects(rects[b]):
                found.append(f"{name(a)} overlaps {name(b)}")
        if isinstance(a, QLabel) and a.wordWrap() and a.text() and a.height() < a.heightForWidth(a.width()):
            found.append(f"{name(a)} cut: {a.height()} < {a.heightForWidth(a.width())} px")
    return found


def ancestors(w, top):
    p = w.parent()
    while p is not None and p is not top:
        yield p
        p = p.parent()


def name(w) -> str:
    return w.objectName() or f"{type(w).__name__}({getattr(w, 'text', lambda: '')()[:30]!r})"


def test_the_folder_watch_dialogs_text_does_not_overlap_at_its_minimum_size(window, qtbot, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(15):
        (inbox / f"a_rather_long_file_name_for_a_photo_taken_on_holiday_number_{i}_{'x' * 60}.png").touch()
    dialog = folder_dialog(window, qtbot)
    for folder, inputs in ((str(tmp_path / "not-there"), "[1]"), (str(inbox), "{"), (str(tmp_path), "")):
        type_into(qtbot, dialog.patterns, "*.png, /etc/*" if inputs else "*.png")
        type_into(qtbot, dialog.folder, folder)
        type_into(qtbot, dialog.inputs, inputs)
        qtbot.waitUntil(lambda: not dialog._timer.isActive())  # the listing of the folder is in
        QApplication.processEvents()
        dialog.resize(dialog.minimumSize())
        QApplication.processEvents()
        # a long file name does not widen it, a long listing does not make it taller than a 1280×720 screen
        assert dialog.minimumWidth() <= 600 and dialog.minimumHeight() <= 600, (folder, dialog.minimumSize())
        assert dialog.screen().availableGeometry().contains(dialog.frameGeometry()), dialog.frameGeometry()
        assert overlaps(dialog) == [], (folder, inputs, dialog.size())
    dialog.reject()


def test_the_server_dialogs_curl_command_masks_the_token_until_show(window, qtbot):
    tab = sizes(window)
    window.store.set_setting("server.port", 0)

    async def go():
        window.actionServerStart.trigger()
        await until(lambda: window.server.server is not None, what="the server started")
        window.actionServerInfo.trigger()
        dialog = window.server.dialog
        token, command = window.server.token(), window.server.curl()
        show = dialog.findChild(QPushButton, "serverShowToken")
        assert show is not None, "no Show button"
        seen = {"masked": (dialog.token.displayText(), dialog.curl.toPlainText())}
        qtbot.mouseClick(show, Qt.MouseButton.LeftButton)
        seen["shown"] = (dialog.token.displayText(), dialog.curl.toPlainText())
        qtbot.mouseClick(show, Qt.MouseButton.LeftButton)
        seen["hidden"] = (dialog.token.displayText(), dialog.curl.toPlainText())
        qtbot.mouseClick(dialog.findChild(QPushButton, "copyCurl"), Qt.MouseButton.LeftButton)
        seen["copied"] = QGuiApplication.clipboard().text()
        qtbot.mouseClick(dialog.copy_token, Qt.MouseButton.LeftButton)
        seen["copied token"] = QGuiApplication.clipboard().text()
        window.actionServerStop.trigger()
        await until(lambda: window.server.server is None, what="the server stopped")
        return token, command, seen

    token, command, seen = on_loop(window, go)
    assert f"/api/v1/workflows/{tab.doc.workflow_id}/run" in command and token in command
    for state in ("masked", "hidden"):
        field, curl = seen[state]
        assert token not in field and token not in curl, state
        assert "Authorization: Bearer " in curl and f"/api/v1/workflows/{tab.doc.workflow_id}/run" in curl
    assert seen["shown"] == (token, command)
    assert seen["copied"] == command and seen["copied token"] == token
