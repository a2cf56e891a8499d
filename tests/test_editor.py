"""The editor, driven offscreen with real widgets and mouse events on the canvas view (SPEC §8)."""

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from app.main_window import create

from .conftest import leave_unasked
from .editor_helpers import drag, drop_block, header_point, port_point


@pytest.fixture
def window(make_window, qtbot, tmp_path):
    """The conftest's window (closed without asking afterwards), exposed before the test starts."""
    w = make_window(tmp_path)
    qtbot.waitExposed(w)
    return w


def undo_redo(window, check_done, check_undone):
    window.actionUndo.trigger()
    check_undone()
    window.actionRedo.trigger()
    check_done()


def test_build_connect_edit_save_and_reopen(window, qtbot):
    tab = window.workflows.new()
    viewport = tab.view.viewport()
    tab.view.resetTransform()

    load = drop_block(window, tab, "image_load", QPoint(120, 150))
    assert tab.doc.nodes[load].type == "image_load"
    undo_redo(window, lambda: load in tab.doc.nodes, lambda: load not in tab.doc.nodes)

    resize = drop_block(window, tab, "image_resize", QPoint(480, 170))
    undo_redo(window, lambda: resize in tab.doc.nodes, lambda: resize not in tab.doc.nodes)

    drag(viewport, port_point(tab, load, "out", "image"), port_point(tab, resize, "in", "image"))
    edges = lambda: [(e.source, e.source_port, e.target, e.target_port) for e in tab.doc.edges.values()]  # noqa: E731
    assert edges() == [(load, "image", resize, "image")]
    assert len(tab.scene.edge_items) == 1
    undo_redo(window, lambda: edges() == [(load, "image", resize, "image")], lambda: edges() == [])

    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, header_point(tab, resize))
    assert tab.scene.selected_node_ids() == [resize]
    width = window.inspector.fields["width"]
    width.selectAll()
    QTest.keyClicks(width, "128")
    QTest.keyClick(width, Qt.Key.Key_Return)
    assert tab.doc.nodes[resize].config == {"width": 128}
    undo_redo(window, lambda: tab.doc.nodes[resize].config == {"width": 128},
              lambda: tab.doc.nodes[resize].config == {})

    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, header_point(tab, load))
    source = window.inspector.fields["source"]
    QTest.keyClicks(source, "photo.png")
    QTest.keyClick(source, Qt.Key.Key_Return)
    assert tab.doc.nodes[load].config == {"source": "photo.png"}

    before = tuple(tab.doc.nodes[load].position)
    drag(viewport, header_point(tab, load), header_point(tab, load) + QPoint(0, 80))
    moved = tuple(tab.doc.nodes[load].position)
    assert moved[1] > before[1] + 60  # the whole drag is one step:
    undo_redo(window, lambda: tuple(tab.doc.nodes[load].position) == moved,
              lambda: tuple(tab.doc.nodes[load].position) == before)

    window.actionSave.trigger()  # a new "Untitled" workflow is named on its first save
    dialog = window.workflows.properties_dialog
    assert dialog.isVisible() and tab.doc.workflow_id is None
    dialog.name.setText("Resized photos")
    dialog.ok.click()
    built = tab.doc.workflow()
    assert built.name == "Resized photos" and tab.title() == "Resized photos"
    workflow_id = tab.doc.workflow_id
    assert workflow_id and tab.doc.version == 1 and not tab.dirty
    window.close_current_tab()
    assert window.current_tab() is None

    window.browser.refresh()
    items = window.browser.workflows.findItems("Resized photos", Qt.MatchFlag.MatchStartsWith)
    window.browser.workflows.itemActivated.emit(items[0])
    reopened = window.current_tab()
    assert reopened.doc.workflow_id == workflow_id
    stored = window.store.workflows.document(workflow_id)
    assert stored == built == reopened.doc.workflow()
    assert [(n.id, n.type, n.config) for n in stored.nodes] == [
        (load, "image_load", {"source": "photo.png"}), (resize, "image_resize", {"width": 128})]


def test_refused_links_say_why_and_change_nothing(window):
    tab = window.workflows.new()
    tab.view.resetTransform()
    viewport = tab.view.viewport()
    info = drop_block(window, tab, "image_info", QPoint(100, 100))
    resize = drop_block(window, tab, "image_resize", QPoint(450, 120))
    a = drop_block(window, tab, "transform", QPoint(100, 380))
    b = drop_block(window, tab, "transform", QPoint(450, 380))
    drag(viewport, port_point(tab, a, "out", "result"), port_point(tab, b, "in", "data"))
    assert len(tab.doc.edges) == 1
    snapshot, steps = tab.doc.workflow(), tab.undo_stack.count()

    drag(viewport, port_point(tab, info, "out", "width"), port_point(tab, resize, "in", "image"))
    assert tab.view.last_refusal == "type mismatch: integer cannot feed image"
    assert "type mismatch" in window.statusBar().currentMessage()

    drag(viewport, port_point(tab, b, "out", "result"), port_point(tab, a, "in", "data"))
    assert tab.view.last_refusal.startswith("this link would make a cycle")

    drag(viewport, port_point(tab, b, "out", "result"), port_point(tab, b, "in", "data"))
    assert tab.view.last_refusal == "a node cannot feed itself"
    assert tab.doc.workflow() == snapshot and tab.undo_stack.count() == steps
    assert len(tab.scene.edge_items) == 1


def test_a_drag_starts_quietly_and_a_link_dropped_on_a_connected_input_replaces_it(window):
    from PySide6.QtTest import QTest

    tab = window.workflows.new()
    tab.view.resetTransform()
    viewport = tab.view.viewport()
    a = drop_block(window, tab, "transform", QPoint(100, 100))
    c = drop_block(window, tab, "transform", QPoint(100, 380))
    b = drop_block(window, tab, "transform", QPoint(450, 240))
    drag(viewport, port_point(tab, a, "out", "result"), port_point(tab, b, "in", "data"))
    window.statusBar().clearMessage()
    # pressing on a port and starting to move over it says nothing about feeding itself
    start = port_point(tab, c, "out", "result")
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, start + QPoint(2, 1))
    assert tab.view.interaction.reason is None and "feed itself" not in window.statusBar().currentMessage()
    end = port_point(tab, b, "in", "data")
    QTest.mouseMove(viewport, end)
    assert "replaces the link from" in tab.view.interaction.label.text()
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    [edge] = tab.doc.edges.values()
    assert (edge.source, edge.target, edge.target_port) == (c, b, "data") and len(tab.scene.edge_items) == 1
    window.actionUndo.trigger()  # one step brings the old link back
    [edge] = tab.doc.edges.values()
    assert (edge.source, edge.target) == (a, b)


def _edit(window, tab, node_id, **config):
    from app.document.commands import UpdateNode

    tab.undo_stack.push(UpdateNode(tab.doc, node_id, "edit", config={**tab.doc.nodes[node_id].config, **config}))


def test_history_diff_on_the_canvas_and_restore(window):
    from PySide6.QtCore import QItemSelectionModel

    from PySide6.QtGui import QColor

    tab = window.workflows.new()
    tab.view.resetTransform()
    viewport = tab.view.viewport()
    c = drop_block(window, tab, "constant", QPoint(80, 100))
    t = drop_block(window, tab, "transform", QPoint(380, 100))
    o = drop_block(window, tab, "output", QPoint(680, 100))
    drag(viewport, port_point(tab, c, "out", "value"), port_point(tab, t, "in", "data"))
    drag(viewport, port_point(tab, t, "out", "result"), port_point(tab, o, "in", "value"))
    _edit(window, tab, t, expression="data + 1")
    _edit(window, tab, o, name="out")
    assert window.workflows.save() == 1
    _edit(window, tab, t, expression="data * 2")
    assert window.workflows.save() == 2
    drag(viewport, header_point(tab, c), header_point(tab, c) + QPoint(0, 120))
    extra = drop_block(window, tab, "delay", QPoint(380, 400))
    assert window.workflows.save() == 3

    panel = window.history
    assert [panel.list.item(i).text().split()[0] for i in range(panel.list.count())] == ["v3", "v2", "v1"]
    panel.list.item(2).setSelected(True)
    panel.list.setCurrentItem(panel.list.item(0), QItemSelectionModel.SelectionFlag.Select)
    assert panel.selected() == [1, 3] and panel.compare_button.isEnabled()
    panel.compare_button.click()
    diff_tab = window.current_tab()
    assert diff_tab.doc.read_only and diff_tab.diff_of == (1, 3)
    states = {nid: item.diff_state for nid, item in diff_tab.scene.node_items.items()}
    assert states == {c: "moved", t: "changed", o: None, extra: "added"}
    assert "expression: 'data + 1' → 'data * 2'" in panel.details.toPlainText()
    assert f"~ {t}" in panel.details.toPlainText()  # no labels given: the id is the name
    # "changed" does not look like the selection outline
    from app.look import DIFF_COLORS

    selected = QColor("#ffd866")
    assert abs(DIFF_COLORS["changed"].hslHue() - selected.hslHue()) > 60

    window.tabs.setCurrentWidget(tab)
    panel.list.clearSelection()
    panel.list.item(2).setSelected(True)
    panel.restore_button.click()
    versions = window.store.workflows.versions(tab.doc.workflow_id)
    assert [v.number for v in versions] == [1, 2, 3, 4]
    wid = window.current_tab().doc.workflow_id
    assert window.store.workflows.document(wid, 4) == window.store.workflows.document(wid, 1)
    assert window.current_tab().doc.version == 4
    assert window.current_tab().doc.workflow() == window.store.workflows.document(wid, 1)


def test_crash_journal_offers_the_unsaved_work_after_sigkill(qtbot, tmp_path):
    import json
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from PySide6.QtWidgets import QPushButton

    from engine.model import Workflow

    proc = subprocess.Popen([sys.executable, "-m", "tests.editor_worker", str(tmp_path)],
                            cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    unsaved = Workflow.model_validate(json.loads(proc.stdout.readline()))
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    proc.send_signal(signal.SIGKILL)
    proc.communicate()

    w = create(home=tmp_path)
    qtbot.addWidget(w, before_close_func=leave_unasked)
    w.show()
    offer = w.recovery.offer_box
    assert offer is not None and offer.isVisible() and "Untitled" in offer.text()
    offer.findChild(QPushButton, "journalRestore").click()
    restored = w.current_tab()
    assert restored.dirty  # restored, not saved
    assert restored.doc.workflow() == unsaved
    w.workflows.save()
    assert w.store.workflows.document(restored.doc.workflow_id) == unsaved
    assert list((tmp_path / "journal").glob("*.json")) == []  # dropped on save
    w.close()
    w.store.close()


def test_the_error_port_shows_only_when_it_is_used(window):
    from app.document.commands import UpdateNode
    from app.document.model import EditorDocument
    from engine.model import NodeSettings

    from .builder import Flow

    tab = window.workflows.new()
    t = tab.add_block("transform")
    item = tab.scene.node_items[t]
    assert [p.name for p in item.outputs] == ["result"]
    tall = item.boundingRect().height()
    tab.undo_stack.push(UpdateNode(tab.doc, t, "On error", settings=NodeSettings(on_error="continue")))
    assert [p.name for p in item.outputs] == ["result", "error"]
    tab.undo_stack.undo()
    assert [p.name for p in item.outputs] == ["result"] and item.boundingRect().height() == tall
    # a document whose error port is linked shows it, whatever on_error says
    wf = (Flow("linked").node("a", "transform", expression="1").node("b", "output", name="b")
          .edge("a.error", "b.value").build())
    other = window.add_tab(EditorDocument(wf, registry=window.registry))
    assert [p.name for p in other.scene.node_items["a"].outputs] == ["result", "error"]
    [link] = other.scene.edge_items.values()
    link.setSelected(True)
    other.delete_selection()
    assert [p.name for p in other.scene.node_items["a"].outputs] == ["result"]


def test_auto_layout_spaces_nodes_by_their_real_sizes(window):
    from PySide6.QtGui import QPixmap

    tpl = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Image pipeline")
    tab = window.workflows.new_from_template(tpl.id)
    for nid in ("resize", "draw", "gray"):  # nodes grow with thumbnails after a run
        tab.scene.node_items[nid].set_thumbnail(QPixmap(120, 84))
    window.actionLayout.trigger()
    rects = {nid: item.sceneBoundingRect() for nid, item in tab.scene.node_items.items()}
    overlapping = [(a, b) for a in rects for b in rects if a < b and rects[a].intersects(rects[b])]
    assert overlapping == []
    window.actionUndo.trigger()  # one step
    assert tab.undo_stack.index() == 0


def test_the_diff_text_names_nodes_and_links_by_their_labels(window):
    from app.document.commands import UpdateNode

    tpl = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Image pipeline")
    tab = window.workflows.new_from_template(tpl.id)
    window.workflows.save()
    node = tab.doc.nodes["blur"]
    tab.undo_stack.push(UpdateNode(tab.doc, "blur", "Radius", config={**node.config, "radius": 5}))
    tab.delete_selection()
    tab.scene.node_items["info"].setSelected(True)
    tab.delete_selection()
    window.workflows.save()
    window.versions.compare(tab.doc.workflow_id, 1, 2)
    text = window.history.details.toPlainText()
    assert "~ Soften" in text and "− Mask info" in text and "− link Threshold.mask → Mask info.image" in text
    assert "~ blur" not in text
    assert "Soften = node id blur" in window.history.details.toolTip()
