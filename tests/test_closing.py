"""Closing never loses work (SPEC §8, issue 24): a modified tab closed with its ×, Ctrl+W or File ▸ Close asks
Save / Discard / Cancel as quitting does, through one code path; the crash journal holds exactly the tabs whose
edits are unsaved; a restored draft is based on the version it was edited from, says so, and never doubles a
tab of the same workflow. Driven on the real window through its stable names and real key and mouse events."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QTabBar

from app.document.commands import UpdateNode

from .builder import Flow


def _stored(window, name="Kept"):
    wf = Flow(name).node("c", "constant", value=1).node("t", "transform", expression="data + 1") \
        .edge("c.value", "t.data", "e1").build()
    return window.store.workflows.create(wf).id


def _edit(tab, value=5):
    tab.undo_stack.push(UpdateNode(tab.doc, "c", "Set value", config={"value": value}))
    assert tab.dirty


def _journal_keys(window):
    return sorted(e.path.stem for e in window.journal.entries())


def _asked(window, qtbot) -> QMessageBox:
    qtbot.waitUntil(lambda: (box := window.findChild(QMessageBox, "unsavedChanges")) is not None and box.isVisible(),
                    timeout=2000)
    return window.findChild(QMessageBox, "unsavedChanges")


def _press(box: QMessageBox, button) -> None:
    QTest.mouseClick(box.button(button), Qt.MouseButton.LeftButton)


def _close_button(window, tab):
    bar = window.tabs.tabBar()
    return bar.tabButton(window.tabs.indexOf(tab), QTabBar.ButtonPosition.RightSide)


def test_the_tabs_x_on_a_modified_tab_asks_and_cancel_keeps_it(window, qtbot):
    tab = window.workflows.open(_stored(window))
    _edit(tab)
    QTest.mouseClick(_close_button(window, tab), Qt.MouseButton.LeftButton)
    box = _asked(window, qtbot)
    assert "Kept" in box.text()
    names = {box.standardButton(b) for b in box.buttons()}
    assert names == {QMessageBox.StandardButton.Save, QMessageBox.StandardButton.Discard,
                     QMessageBox.StandardButton.Cancel}
    _press(box, QMessageBox.StandardButton.Cancel)
    assert window.tabs.indexOf(tab) >= 0 and tab.dirty  # kept, still modified
    assert _journal_keys(window) == [tab.journal_key]   # and still journaled


def test_ctrl_w_on_a_modified_tab_asks_and_save_stores_it_then_closes(window, qtbot):
    wid = _stored(window)
    tab = window.workflows.open(wid)
    _edit(tab, 7)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    QTest.keyClick(tab.view, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    _press(_asked(window, qtbot), QMessageBox.StandardButton.Save)
    qtbot.waitUntil(lambda: window.tabs.indexOf(tab) < 0, timeout=2000)
    assert window.store.workflows.get(wid).current_version == 2
    assert window.store.workflows.document(wid).nodes[0].config == {"value": 7}
    assert _journal_keys(window) == []  # saved: nothing left to offer


def test_file_close_on_a_modified_tab_asks_and_discard_leaves_nothing_behind(window, qtbot):
    wid = _stored(window)
    tab = window.workflows.open(wid)
    _edit(tab)
    action = window.findChild(QAction, "actionCloseTab")
    assert action is not None and action.text().replace("&", "") == "Close tab"
    action.trigger()
    _press(_asked(window, qtbot), QMessageBox.StandardButton.Discard)
    qtbot.waitUntil(lambda: window.tabs.indexOf(tab) < 0, timeout=2000)
    assert window.store.workflows.get(wid).current_version == 1  # not saved
    assert _journal_keys(window) == []                          # and not offered at the next start


def test_a_clean_tab_closes_at_once_and_a_read_only_tab_never_asks(window, qtbot):
    wid = _stored(window)
    clean = window.workflows.open(wid)
    old = window.workflows.open(wid, version=1, read_only=True)
    QTest.mouseClick(_close_button(window, clean), Qt.MouseButton.LeftButton)
    QTest.mouseClick(_close_button(window, old), Qt.MouseButton.LeftButton)
    assert window.editor_tabs() == []
    assert window.findChild(QMessageBox, "unsavedChanges") is None or \
        not window.findChild(QMessageBox, "unsavedChanges").isVisible()


def test_save_all_at_quit_leaves_no_journal_and_the_next_start_offers_nothing(make_window, tmp_path, qtbot):
    w = make_window(tmp_path)
    a = w.workflows.open(_stored(w, "A"))
    b = w.workflows.open(_stored(w, "B"))
    _edit(a)
    _edit(b, 9)
    QTest.mouseClick(_close_button(w, a), Qt.MouseButton.LeftButton)  # first a tab by its ×: asked, Cancel
    _press(_asked(w, qtbot), QMessageBox.StandardButton.Cancel)
    w.close()                                                          # then quit: Save all
    _press(_asked(w, qtbot), QMessageBox.StandardButton.SaveAll)
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=3000)
    assert _journal_keys(w) == []
    again = make_window(tmp_path)
    assert again.recovery.offer_box is None  # "closed with unsaved changes" is not said: nothing was lost


def test_the_journal_holds_exactly_the_unsaved_tabs(window):
    a = window.workflows.open(_stored(window, "A"))
    b = window.workflows.open(_stored(window, "B"))
    draft = window.workflows.new()
    assert _journal_keys(window) == []
    _edit(a)
    _edit(b)
    draft.add_block("constant")
    assert _journal_keys(window) == sorted([a.journal_key, b.journal_key, draft.journal_key])
    b.undo_stack.undo()  # back to what is saved
    window.tabs.setCurrentWidget(a)
    window.workflows.save()
    assert _journal_keys(window) == [draft.journal_key]


def test_a_restored_draft_is_based_on_its_version_says_so_and_never_doubles_a_tab(make_window, tmp_path, qtbot):
    w = make_window(tmp_path)
    wid = _stored(w)
    tab = w.workflows.open(wid)
    _edit(tab, 42)                       # edited from version 1
    w.leaving = "keep"                   # the session ends as on logging out: the edits stay journaled
    w.close()
    newer = Flow("Kept").node("c", "constant", value=2).build()
    w.store.workflows.save(wid, newer)   # meanwhile another process saved version 2

    again = make_window(tmp_path)
    box = again.recovery.offer_box
    assert box is not None and box.isVisible()
    again.workflows.open(wid)                 # the user opened the workflow before answering
    assert "version 1" in box.text() and "version 2" in box.text()  # what it is based on, and the newest
    QTest.mouseClick(_offered(box, "journalRestore"), Qt.MouseButton.LeftButton)
    tabs = [t for t in again.editor_tabs() if t.doc.workflow_id == wid and not t.doc.read_only]
    assert len(tabs) == 1 and again.current_tab() is tabs[0]  # one tab of the workflow, never two
    restored = tabs[0]
    assert restored.dirty and restored.doc.version == 1
    assert restored.doc.nodes["c"].config == {"value": 42}
    assert "v1" in again.tabs.tabText(again.tabs.indexOf(restored))  # the tab says what it is based on
    restored.undo_stack.undo()                                          # undo: version 1 as it was stored
    assert restored.doc.workflow() == again.store.workflows.document(wid, 1)


def test_another_open_windows_unsaved_work_is_not_offered_until_its_process_is_gone(make_window, tmp_path):
    """Two processes on one data folder: the second start must not offer (nor, on No, drop) the first's drafts."""
    import json
    import subprocess
    import sys

    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        w = make_window(tmp_path)
        tab = w.workflows.open(_stored(w))
        _edit(tab)
        w.leaving = "keep"
        w.close()
        [path] = (tmp_path / "journal").glob("*.json")
        data = json.loads(path.read_text())
        from engine.store.leases import process_identity

        host, _pid, _started = process_identity()
        data["writer"] = [host, other.pid, None]  # as if that live process had written it
        path.write_text(json.dumps(data))
        assert make_window(tmp_path).recovery.offer_box is None
        assert path.exists()
    finally:
        other.kill()
        other.wait()
    assert make_window(tmp_path).recovery.offer_box is not None  # its process is gone: offered now


def _offered(box, name: str) -> QPushButton:
    button = box.findChild(QPushButton, name)
    assert button is not None and button.isVisible(), name
    return button


def test_the_restore_offer_lists_each_draft_with_when_and_what_and_later_keeps_them_discard_drops_them(
        make_window, tmp_path):
    import json
    import time

    w = make_window(tmp_path)
    wid = _stored(w, "Thumbnails")
    _edit(w.workflows.open(wid), 42)                  # edited from version 1
    w.workflows.new().add_block("constant")           # and a draft never saved
    w.leaving = "keep"
    w.close()
    w.store.workflows.save(wid, Flow("Thumbnails").node("c", "constant", value=2).build())  # version 2 meanwhile
    edited = time.mktime((2031, 3, 5, 10, 20, 0, 0, 0, -1))
    for path in (tmp_path / "journal").glob("*.json"):  # when each was last edited, known to the minute
        data = json.loads(path.read_text())
        data["saved_at"] = edited if data["workflow_id"] else edited + 3600
        path.write_text(json.dumps(data))

    again = make_window(tmp_path)
    box = again.recovery.offer_box
    lines = box.text().splitlines()
    assert [b.text().replace("&", "") for b in (_offered(box, "journalRestore"), _offered(box, "journalLater"),
                                                _offered(box, "journalDiscard"))] == ["Restore", "Later", "Discard"]
    [saved] = [line for line in lines if "Thumbnails" in line]
    assert "2031-03-05 10:20" in saved and "based on version 1" in saved and "newest is version 2" in saved
    [draft] = [line for line in lines if "Untitled" in line]
    assert "2031-03-05 11:20" in draft and "never saved" in draft

    QTest.mouseClick(_offered(box, "journalLater"), Qt.MouseButton.LeftButton)  # Later: kept for the next start
    assert again.editor_tabs() == [] and len(again.journal.entries()) == 2
    again.leaving = "keep"
    again.close()

    third = make_window(tmp_path)
    box = third.recovery.offer_box
    assert box is not None and "Thumbnails" in box.text()
    QTest.mouseClick(_offered(box, "journalDiscard"), Qt.MouseButton.LeftButton)  # Discard: deleted
    assert third.editor_tabs() == [] and third.journal.entries() == []
    assert make_window(tmp_path).recovery.offer_box is None
