"""A version saved elsewhere (another window or process on the same data folder) is never silently overwritten
(SPEC §8: the screen never loses work): a tab with no unsaved edits shows it; a tab with edits says it is behind,
and saving it asks first."""

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from app.document.commands import UpdateNode

from .builder import Flow
from .test_queue_gui import on_loop, until


def _wf():
    return Flow("Shared").node("c", "constant", value=1).node("t", "transform", expression="data + 1") \
        .edge("c.value", "t.data", "e1").build()


def _box(window):
    return next((b for b in window.findChildren(QMessageBox, "savedElsewhere") if b.isVisible()), None)


def test_saving_over_a_version_saved_elsewhere_asks_first(make_window, tmp_path):
    a = make_window(tmp_path)
    wid = a.store.workflows.create(_wf()).id
    mine = a.workflows.open(wid)
    mine.undo_stack.push(UpdateNode(mine.doc, "c", "Set value", config={"value": 5}))
    b = make_window(tmp_path)
    theirs = b.workflows.open(wid)
    theirs.undo_stack.push(UpdateNode(theirs.doc, "t", "Rename", label="Blur B"))
    assert b.workflows.save(tab=theirs) == 2

    async def go():
        a.watch.start()
        await until(lambda: mine.behind == 2, timeout=3, what="the tab noticed version 2")
        assert "newest v2" in a.tabs.tabText(a.tabs.indexOf(mine))
        a.tabs.setCurrentWidget(mine)
        a.findChild(type(a.actionSave), "actionSave").trigger()
        await until(lambda: _box(a) is not None, what="the question")
        assert "version 2" in _box(a).text()
        QTest.mouseClick(_box(a).button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
        await until(lambda: _box(a) is None, what="the answer")
        assert a.store.workflows.get(wid).current_version == 2 and mine.dirty  # not saved, nothing lost
        a.actionSave.trigger()
        await until(lambda: _box(a) is not None, what="the question again")
        QTest.mouseClick(_box(a).button(QMessageBox.StandardButton.Save), Qt.MouseButton.LeftButton)
        await until(lambda: a.store.workflows.get(wid).current_version == 3, what="saved anyway")

    on_loop(a, go, b)
    assert not mine.dirty and mine.doc.version == 3
    assert a.store.workflows.document(wid, 2).nodes[1].label == "Blur B"  # theirs stays in the history


def test_a_tab_without_edits_shows_the_version_saved_elsewhere(make_window, tmp_path):
    a = make_window(tmp_path)
    wid = a.store.workflows.create(_wf()).id
    mine = a.workflows.open(wid)
    newer = _wf()
    newer.nodes[0].config["value"] = 42
    a.store.workflows.save(wid, newer)  # (as another process would)

    async def go():
        a.watch.start()
        await until(lambda: mine.doc.version == 2, timeout=3, what="the tab followed version 2")

    on_loop(a, go)
    assert mine.doc.nodes["c"].config == {"value": 42} and not mine.dirty
    assert list((tmp_path / "journal").glob("*.json")) == []  # nothing unsaved was made of it


def _deleted_box(window):
    return next((b for b in window.findChildren(QMessageBox, "deletedElsewhere") if b.isVisible()), None)


def _delete_elsewhere(home, wid):
    """``nodeloom delete`` in another process on the same data folder."""
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "app.cli", "delete", wid], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "NODELOOM_HOME": str(home), "PYTHONWARNINGS": "ignore"})
    assert done.returncode == 0, done.stderr


def test_saving_a_workflow_deleted_elsewhere_offers_to_save_it_as_a_new_one(make_window, tmp_path, qtbot):
    a = make_window(tmp_path)
    wid = a.store.workflows.create(_wf()).id
    mine = a.workflows.open(wid)
    mine.undo_stack.push(UpdateNode(mine.doc, "c", "Set value", config={"value": 5}))
    _delete_elsewhere(tmp_path, wid)

    a.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is a, timeout=2000)
    QTest.keyClick(mine.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    box = _deleted_box(a)
    assert box is not None and "deleted elsewhere" in box.text()
    new = box.findChild(QPushButton, "saveAsNew")
    assert new.text() == "Save as new workflow"
    QTest.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _deleted_box(a) is None)
    assert mine.dirty and mine.doc.workflow_id == wid  # not saved, nothing lost

    a.actionSave.trigger()
    QTest.mouseClick(_deleted_box(a).findChild(QPushButton, "saveAsNew"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not mine.dirty)
    fresh = mine.doc.workflow_id
    assert fresh not in (None, wid) and mine.doc.version == 1  # the tab points to the new workflow now
    assert a.store.workflows.document(fresh) == mine.doc.workflow()
    assert a.store.workflows.document(fresh).nodes[0].config == {"value": 5}
    assert [i.id for i in a.store.workflows.list(deleted=True).items] == [wid]  # the deleted one stays in the trash
    a.actionSave.trigger()  # saved again: no question, the new workflow is the tab's
    assert _deleted_box(a) is None and not mine.dirty
