"""Python code in the editor: approval before the first run of an imported workflow, and the off switch."""

import asyncio
import json

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from .builder import Flow
from app.window.loop import EventLoop  # noqa: E402


def code_workflow(tmp_path):
    wf = (Flow("Has code").node("p", "python", code="def main(data):\n    print('thinking hard')\n    return 6 * 7\n")
          .node("o", "output", name="answer").edge("p.result", "o.value").build())
    path = tmp_path / "with-code.json"
    path.write_text(json.dumps(wf.model_dump(mode="json")))
    return path


def answer_approval(window, button, seen):
    """Click ``button`` of the approval box as soon as it shows (the run awaits it, the loop keeps turning)."""

    def look():
        box = window.code.approval_box
        if box is None or not box.isVisible():
            QTimer.singleShot(10, look)
            return
        seen.append(box.text())
        assert "print('thinking hard')" in box.detailedText()  # the code itself can be read first
        box.button(button).click()

    QTimer.singleShot(10, look)


def test_imported_python_code_asks_once_before_it_runs(window, tmp_path):
    [tab] = window.workflows.import_files([str(code_workflow(tmp_path))])
    seen = []
    with asyncio.Runner(loop_factory=EventLoop) as runner:
        answer_approval(window, QMessageBox.StandardButton.No, seen)
        refused = runner.run(window.runs.run_tab(tab))
        assert refused is None and len(seen) == 1
        assert "imported from a file and runs Python code in 1 node(s): p" in seen[0]
        answer_approval(window, QMessageBox.StandardButton.Yes, seen)
        approved = runner.run(window.runs.run_tab(tab))
        assert len(seen) == 2 and approved.status == "succeeded" and approved.outputs == {"answer": 42}
        again = runner.run(window.runs.run_tab(tab))  # remembered: no box this time
        assert len(seen) == 2 and again.status == "succeeded"
        runner.run(window.aclose())
    log = window.run_panel.text()
    assert "not run: its Python code was not approved" in log
    assert "  Python: thinking hard" in log  # (named as on the canvas) the code's prints are in the run log


def test_code_made_here_runs_without_asking_and_the_setting_turns_it_off(window):
    tab = window.workflows.new()
    tab.add_block("python")
    window.workflows.save()
    with asyncio.Runner(loop_factory=EventLoop) as runner:
        ok = runner.run(window.runs.run_tab(tab))
        assert ok.status == "succeeded"
        window.actionAllowPython.trigger()  # off
        assert not window.actionAllowPython.isChecked()
        off = runner.run(window.runs.run_tab(tab))
        runner.run(window.aclose())
    assert off.status == "failed" and "python blocks are turned off in the settings" in off.error
    assert str(window.settings.value("python/enabled")) == "false"


def test_a_refused_import_says_why_without_blocking(window, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "nodeloom.workflow", "schema_version": 1, "name": "x", "nodes": [{"id": "a"}]}')
    before = window.store.workflows.list().total
    assert window.workflows.import_files([str(bad)]) == []  # returns at once: the box is open, not exec'd
    box = window.workflows.import_refused
    assert box.isVisible() and "bad.json" in box.text()
    assert window.store.workflows.list().total == before
    box.accept()


def test_the_inspector_offers_stored_workflows_and_an_unset_version(window):
    from PySide6.QtWidgets import QComboBox

    window.store.workflows.create(Flow("times ten").node("x", "input", name="x").build())
    tab = window.workflows.new()
    node_id = tab.add_block("sub_workflow")
    tab.scene.node_items[node_id].setSelected(True)
    fields = window.inspector.fields
    combo = fields["workflow"]
    assert isinstance(combo, QComboBox) and "times ten" in [combo.itemText(i) for i in range(combo.count())]
    combo.setCurrentText("times ten")
    combo.activated.emit(combo.currentIndex())
    assert tab.doc.nodes[node_id].config["workflow"] == "times ten"
    version = window.inspector.fields["version"]
    assert version.text() == "—"  # unset: the latest version
    version.setValue(2)
    version.editingFinished.emit()
    assert tab.doc.nodes[node_id].config["version"] == 2
    window.inspector.fields["version"].setValue(window.inspector.fields["version"].minimum())
    window.inspector.fields["version"].editingFinished.emit()
    assert tab.doc.nodes[node_id].config.get("version") is None
    tab.undo_stack.undo()
    assert tab.doc.nodes[node_id].config["version"] == 2


def test_double_clicking_a_sub_workflow_node_opens_the_workflow_it_calls(window, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from .editor_helpers import header_point

    child = window.store.workflows.create(Flow("the child").node("x", "input", name="x").build())
    tab = window.workflows.new()
    node_id = tab.add_block("sub_workflow")
    tab.doc.nodes[node_id].config["workflow"] = "the child"
    QTest.mouseDClick(tab.view.viewport(), Qt.MouseButton.LeftButton, pos=header_point(tab, node_id))
    opened = window.current_tab()
    assert opened is not tab and opened.doc.workflow_id == child.id and opened.doc.name == "the child"
