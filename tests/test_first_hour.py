"""What a newcomer does in the first hour (issue 11), on the real window: workflow inputs that follow the
document, required inputs asked for, inputs kept with a draft and its crash journal."""

import asyncio

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QMessageBox, QPushButton

from app.document.commands import Connect, UpdateNode
from engine.model import Edge

from .builder import Flow
from .conftest import leave_unasked
from .editor_helpers import on_loop


def fields(window):
    return window.run_panel.inputs.fields


def test_a_new_input_node_shows_its_field_at_once_and_follows_renames(window):
    tab = window.workflows.new()
    nid = tab.add_block("input")
    assert tab.doc.nodes[nid].config == {"name": nid}  # a new input is valid at once: named after its node
    assert list(fields(window)) == [nid] and window.run_panel.inputs.isVisible()
    tab.undo_stack.push(UpdateNode(tab.doc, nid, "Rename", config={"name": "count", "type": "integer"}))
    assert list(fields(window)) == ["count"]
    assert "integer" in fields(window)["count"].toolTip()
    tab.undo_stack.undo()
    assert list(fields(window)) == [nid]
    tab.delete_selection()
    assert fields(window) == {} and not window.run_panel.inputs.isVisible()


def test_a_required_input_without_a_value_is_asked_for_instead_of_running(window):
    from app.document.model import EditorDocument

    wf = (Flow("double").node("n", "input", name="n", type="integer", required=True)
          .node("t", "transform", expression="data * 2").node("o", "output", name="o")
          .edge("n.value", "t.data").edge("t.result", "o.value").build())
    tab = window.add_tab(EditorDocument(wf, registry=window.registry))
    field = fields(window)["n"]
    assert field.placeholderText() == "required"

    async def go():
        refused = await window.runs.run_tab(tab)
        marked = field.styleSheet()
        field.setText("21")
        ran = await window.runs.run_tab(tab)
        return refused, marked, ran

    refused, marked, ran = on_loop(window, go)
    assert refused is None and marked  # not run; the field is marked
    assert "not run: give a value for the required input 'n'" in window.run_panel.text()
    assert ran.status == "succeeded" and ran.outputs == {"o": 42}
    assert window.store.runs.list(draft_id=tab.journal_key)[0].id == ran.run_id  # only the real run


def test_a_wrong_value_is_marked_at_its_field(window):
    from app.document.model import EditorDocument

    wf = Flow("typed").node("n", "input", name="n", type="integer").node("o", "output", name="o") \
        .edge("n.value", "o.value").build()
    tab = window.add_tab(EditorDocument(wf, registry=window.registry))
    fields(window)["n"].setText("twelve")
    assert on_loop(window, lambda: window.runs.run_tab(tab)) is None
    assert fields(window)["n"].styleSheet()
    assert "input 'n' must be of type integer" in window.run_panel.text()


def test_inputs_stay_with_a_draft_through_its_crash_journal_and_move_to_it_on_save(make_window, tmp_path):
    window = make_window(tmp_path)
    tab = window.workflows.new()
    nid = tab.add_block("input")
    key = tab.journal_key
    fields(window)[nid].setText("[1, 2, 3]")
    fields(window)[nid].editingFinished.emit()
    assert window.journal.entries()  # the unsaved draft is journaled
    window.leaving = "keep"          # the session ends unasked (logging out, a crash): the draft stays journaled
    window.close()
    window = make_window(tmp_path)
    window.recovery.offer_box.findChild(QPushButton, "journalRestore").click()
    [restored] = window.editor_tabs()
    assert restored.journal_key == key and fields(window)[nid].text() == "[1, 2, 3]"
    window.workflows.save()
    wid = restored.doc.workflow_id
    assert window.settings.value(f"inputs/{wid}") == {nid: "[1, 2, 3]"}
    assert window.settings.value(f"inputs/draft-{key}") is None
    window.close_tab(window.tabs.indexOf(restored))
    window.workflows.open(wid)
    assert fields(window)[nid].text() == "[1, 2, 3]"


def test_connect_then_run_a_new_graph_with_its_input_field(window):
    """The newcomer's path: drop Input, Transform and Output, connect them, type a value, F5."""
    tab = window.workflows.new()
    i, t, o = tab.add_block("input"), tab.add_block("transform"), tab.add_block("output")
    tab.undo_stack.push(UpdateNode(tab.doc, t, "Expression", config={"expression": "data * 10"}))
    tab.undo_stack.push(Connect(tab.doc, Edge(id="e1", source=i, source_port="value", target=t, target_port="data")))
    tab.undo_stack.push(Connect(tab.doc, Edge(id="e2", source=t, source_port="result", target=o,
                                              target_port="value")))
    fields(window)[i].setText("4")
    result = on_loop(window, lambda: window.runs.run_tab(tab))
    assert result.status == "succeeded" and result.outputs == {o: 40}


def test_rename_describe_and_tag_a_workflow_undoably(window):
    tab = window.workflows.new()
    window.actionProperties.trigger()
    dialog = window.workflows.properties_dialog
    dialog.name.clear()
    assert not dialog.ok.isEnabled() and dialog.problem.text() == "A workflow needs a name."
    dialog.name.setText("Photo thumbnails")
    dialog.description.setPlainText("Resize every photo")
    dialog.tags.setText("image, web ,image,")
    dialog.ok.click()
    assert (tab.doc.name, tab.doc.props["description"], tab.doc.props["tags"]) == (
        "Photo thumbnails", "Resize every photo", ["image", "web"])
    assert window.tabs.tabText(window.tabs.indexOf(tab)).startswith("Photo thumbnails")
    window.actionUndo.trigger()
    assert tab.doc.name == "Untitled"
    window.actionRedo.trigger()
    window.actionSave.trigger()  # named already: saved at once
    info = window.store.workflows.get(tab.doc.workflow_id)
    assert (info.name, info.description, info.tags) == ("Photo thumbnails", "Resize every photo", ["image", "web"])


def test_export_duplicate_delete_and_restore_from_the_trash(window, tmp_path):
    import json

    from PySide6.QtCore import Qt

    tpl = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Big or small")
    tab = window.workflows.new_from_template(tpl.id)
    path = window.workflows.export_to(tab, str(tmp_path / "out.json"))
    assert json.loads(path.read_text())["name"] == "Big or small"
    assert window.workflows.export_to(tab, str(tmp_path)) is None  # a folder: said, nothing written
    assert "is a folder" in window.statusBar().currentMessage()
    copy = window.workflows.duplicate()
    assert copy.doc.name == "Big or small (copy)" and copy.doc.workflow_id != tab.doc.workflow_id
    assert window.store.base_dir(copy.doc.workflow_id) == window.store.base_dir(tab.doc.workflow_id)
    window.actionDeleteWorkflow.trigger()
    window.workflows.delete_box.button(window.workflows.delete_box.StandardButton.Yes).click()
    assert copy not in window.editor_tabs()
    assert window.store.workflows.list(deleted=True).items[0].name == "Big or small (copy)"
    window.tabs.setCurrentIndex(0)
    window.browser.trash.click()
    [item] = window.browser.workflows.findItems("Big or small (copy)", Qt.MatchFlag.MatchStartsWith)
    window.browser.workflows.itemActivated.emit(item)  # double-click in the trash: restored and opened
    assert window.current_tab().doc.name == "Big or small (copy)"
    assert not window.store.workflows.list(deleted=True).items


def test_undo_and_redo_toolbar_buttons_keep_their_text_so_they_do_not_move(window):
    tab = window.workflows.new()
    tab.add_block("transform")
    assert (window.toolbarUndo.text(), window.toolbarUndo.toolTip()) == ("Undo", "Undo Add Transform")
    assert window.actionUndo.text() == "&Undo Add Transform"  # the Edit menu names it
    window.actionUndo.trigger()
    assert (window.toolbarRedo.text(), window.toolbarRedo.toolTip()) == ("Redo", "Redo Add Transform")


def test_settings_apply_as_they_are_made_and_the_data_folder_waits_for_a_restart(window, tmp_path):
    from engine.folders import configured_home
    from engine.store import CACHE_LIMIT_MB, MAX_CONCURRENT_RUNS

    window.prefs.config = tmp_path / "config.json"

    async def go():
        service = await window.runs.open_service()
        await asyncio.get_running_loop().run_in_executor(None, window.store.cache.put, "k", {"v": b"x" * 50_000})
        dialog = window.prefs.open()
        await window.prefs.show_cache_use()
        used = dialog.cache_use.text()
        dialog.theme.setCurrentIndex(dialog.theme.findData("light"))
        dialog.runs_at_once.setValue(5)
        dialog.python.setChecked(False)
        dialog.cache_limit.setValue(64)
        dialog.cache_limit.editingFinished.emit()
        dialog.home.setText(str(tmp_path / "elsewhere"))
        dialog.home.editingFinished.emit()
        dialog.clear_cache.click()
        await asyncio.sleep(0.2)
        return service.settings, used, dialog.cache_use.text()

    settings, used, after = on_loop(window, go)
    assert used.endswith("of 2,048 MB") and after.endswith("of 64 MB")
    assert float(after.split()[0]) < 50 and after.split()[1] == "KB"  # emptied (the index itself remains)
    assert window.actionThemeLight.isChecked() and str(window.settings.value("theme")) == "light"
    assert (settings.max_concurrent_runs, settings.allow_python_blocks) == (5, False)
    assert not window.actionAllowPython.isChecked()
    assert (window.store.setting(MAX_CONCURRENT_RUNS), window.store.setting(CACHE_LIMIT_MB)) == (5, 64)
    assert configured_home(tmp_path / "config.json") == tmp_path / "elsewhere"
    assert "takes effect when Nodeloom starts again" in window.prefs.dialog.home_note.text()


def test_the_status_bar_is_there_from_the_start(window):
    """It used to appear with the first message and move the whole window under a drag."""
    assert window.statusBar().isVisible()
    height = window.centralWidget().height()
    window.statusBar().showMessage("a node cannot feed itself", 1000)
    assert window.centralWidget().height() == height


def test_quitting_with_unsaved_changes_asks_and_the_answer_is_not_called_a_crash(qtbot, tmp_path):
    from app.main_window import create

    def dirty_window():
        w = create(home=tmp_path)
        qtbot.addWidget(w, before_close_func=leave_unasked)
        w.show()
        tab = w.workflows.new()
        tab.add_block("constant")
        return w, tab

    w, tab = dirty_window()
    w.close()
    assert w.isVisible() and w.closing.box.isVisible() and "Untitled" in w.closing.box.text()
    w.closing.box.button(QMessageBox.StandardButton.Cancel).click()
    assert w.isVisible()  # cancelled: still open, still unsaved
    w.close()
    w.closing.box.button(QMessageBox.StandardButton.Discard).click()
    assert not w.isVisible()
    w.store.close()
    again = create(home=tmp_path)
    qtbot.addWidget(again)
    assert again.recovery.offer_box is None  # discarded: no "restore unsaved work?" on the next start
    again.store.close()

    w, tab = dirty_window()
    w.close()
    w.closing.box.button(QMessageBox.StandardButton.Save).click()
    assert not w.isVisible()
    [info] = w.store.workflows.list(templates=False).items
    assert info.name == "Untitled" and w.store.workflows.document(info.id).nodes[0].type == "constant"
    w.store.close()
    again = create(home=tmp_path)
    qtbot.addWidget(again)
    assert again.recovery.offer_box is None
    again.store.close()


def test_an_invalid_expression_keeps_its_text_and_says_why_until_fixed_or_reverted(window):
    tab = window.workflows.new()
    t = tab.add_block("transform")
    inspector = window.inspector
    inspector.show_node(tab.doc, tab.undo_stack, t)
    field = inspector.fields["expression"]
    field.setPlainText("data * 2")
    field.focusOutEvent(QFocusEvent(QEvent.Type.FocusOut))
    assert tab.doc.nodes[t].config["expression"] == "data * 2"
    field.setPlainText("data * (")
    field.focusOutEvent(QFocusEvent(QEvent.Type.FocusOut))  # focus leaves to the canvas
    assert tab.doc.nodes[t].config["expression"] == "data * 2"  # not applied
    problem = inspector.problems["expression"]
    assert field.toPlainText() == "data * (" and field.property("invalid") is True
    assert not problem.isHidden() and "Value error" not in problem.text() and problem.text()[0].isupper()
    # the node is deselected and selected again: the text and the reason are still there
    tab.scene.clearSelection()
    tab.scene.node_items[t].setSelected(True)
    field, problem = inspector.fields["expression"], inspector.problems["expression"]
    assert field.toPlainText() == "data * (" and not problem.isHidden()
    # undo changes the stored value the text did not replace: the field shows what is stored, unmarked
    window.actionUndo.trigger()
    assert field.toPlainText() == "" and problem.isHidden() and field.property("invalid") is False
    window.actionRedo.trigger()
    assert field.toPlainText() == "data * 2"
    field.setPlainText("data * (")
    field.focusOutEvent(QFocusEvent(QEvent.Type.FocusOut))
    problem.linkActivated.emit("revert")
    assert field.toPlainText() == "data * 2" and problem.isHidden()
    field.setPlainText("data * (")
    field.focusOutEvent(QFocusEvent(QEvent.Type.FocusOut))
    field.setPlainText("data * 3")  # fixed
    field.focusOutEvent(QFocusEvent(QEvent.Type.FocusOut))
    assert tab.doc.nodes[t].config["expression"] == "data * 3" and problem.isHidden()


def test_a_number_a_spin_box_had_to_clamp_says_so(window):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    tab = window.workflows.new()
    t = tab.add_block("transform")
    window.inspector.show_node(tab.doc, tab.undo_stack, t)
    attempts = window.inspector.fields["settings.attempts"]
    attempts.lineEdit().selectAll()
    QTest.keyClicks(attempts.lineEdit(), "500")  # Qt alone would refuse the last 0 without a word
    QTest.keyClick(attempts, Qt.Key.Key_Return)
    note = window.inspector.problems["settings.attempts"]
    assert not note.isHidden() and "500" in note.text() and "100" in note.text()
    assert tab.doc.nodes[t].settings.retry.max_attempts == 100


def test_the_canvas_gets_the_room_and_disabled_actions_look_disabled(make_window, qtbot, tmp_path):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    window = make_window(tmp_path / "fresh")
    window.resize(1400, 860)
    window.show()
    qtbot.waitExposed(window)
    tab = window.workflows.new()
    qtbot.wait(20)
    assert window.run_dock.height() <= 0.3 * window.height()
    assert tab.view.height() >= 0.55 * window.height() and tab.view.width() >= 0.55 * window.width()
    window.set_theme("light")
    palette = QApplication.palette()
    for role in (QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
        active = palette.color(QPalette.ColorGroup.Active, role).lightness()
        disabled = palette.color(QPalette.ColorGroup.Disabled, role).lightness()
        assert disabled - active >= 80, role
    window.set_theme("dark")


def test_the_welcome_page_shows_cards_with_a_drawing_a_description_and_the_last_run(window):
    browser = window.browser
    browser.refresh()
    assert browser.workflows.isHidden() and not browser.hint.isHidden() and "No workflows yet" in browser.hint.text()
    cards = [browser.templates.item(i) for i in range(browser.templates.count())]
    assert len(cards) >= 8
    for card in cards:
        name, description = card.text().split("\n")[:2]
        assert description and not card.icon().isNull(), name
    pixmap = cards[0].icon().pixmap(browser.templates.iconSize())
    colours = {pixmap.toImage().pixelColor(x, y).name() for x in range(0, pixmap.width(), 4)
               for y in range(0, pixmap.height(), 4)}
    assert len(colours) > 3  # a drawing, not a blank
    tpl = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Square a number")
    tab = window.workflows.new_from_template(tpl.id)
    on_loop(window, lambda: window.runs.run_tab(tab))
    window.tabs.setCurrentIndex(0)
    [card] = browser.workflows.findItems("Square a number", Qt.MatchFlag.MatchStartsWith)
    assert not browser.workflows.isHidden() and browser.hint.isHidden() and card.text().endswith("last run succeeded")


def test_the_largest_image_is_a_setting_of_the_data_folder(window):
    from engine.runs import RunSettings
    from engine.store import MAX_IMAGE_MEGAPIXELS

    dialog = window.prefs.open()
    assert dialog.image_limit.value() == 200
    dialog.image_limit.setValue(120)
    dialog.image_limit.editingFinished.emit()
    assert window.store.setting(MAX_IMAGE_MEGAPIXELS) == 120
    assert RunSettings.from_store(window.store).max_image_megapixels == 120  # the CLI and workers read it too
    dialog.close()
