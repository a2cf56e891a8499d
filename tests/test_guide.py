"""The user guide (docs/guide.md), chapter by chapter, performed through the real main window: each test does
what its chapter tells a person to do and checks they see what it says. With NODELOOM_GUIDE_SHOTS=FOLDER (see
tools/guide_shots.sh) the same steps save the chapter's screenshots there: the pictures are of the tested steps."""

import asyncio
import os
from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QCompleter, QLineEdit, QPushButton

from app.document.commands import Connect
from engine.model import Edge

from .test_queue_gui import on_loop, until

SHOTS = os.environ.get("NODELOOM_GUIDE_SHOTS")


def shot(window, name: str) -> None:
    """The window as the guide shows it (only when screenshots are asked for)."""
    if SHOTS:
        window.resize(1400, 860)
        QApplication.processEvents()
        if window.current_tab() is not None:
            window.current_tab().view.frame(selection_only=False)
            QApplication.processEvents()
        window.grab().save(str(Path(SHOTS) / f"{name}.png"))


def build(window):
    """Chapter 1's workflow: Input n → Transform (n × 10) → Output, named and saved."""
    tab = window.workflows.new()
    n, times, out = (tab.add_block(kind, QPointF(x, 0)) for kind, x in (("input", 0), ("transform", 300),
                                                                          ("output", 600)))
    tab.scene.clearSelection()
    tab.scene.node_items[n].setSelected(True)
    window.inspector.fields["name"].setText("n")  # the input's name: what the run panel asks for
    window.inspector.fields["name"].editingFinished.emit()
    tab.undo_stack.push(Connect(tab.doc, Edge(id="e1", source=n, source_port="value", target=times,
                                              target_port="data")))
    tab.undo_stack.push(Connect(tab.doc, Edge(id="e2", source=times, source_port="result", target=out,
                                              target_port="value")))
    tab.scene.clearSelection()
    tab.scene.node_items[times].setSelected(True)  # the inspector shows the transform
    field = window.inspector.fields["expression"]
    field.setPlainText("data * 10")
    field._apply()  # (what leaving the field does)
    window.actionProperties.trigger()
    dialog = window.workflows.properties_dialog
    dialog.name.setText("Times ten")
    dialog.ok.click()
    window.actionSave.trigger()
    tab.view.frame(selection_only=False)
    return tab, n, times, out


def test_chapter_1_build_a_workflow_give_it_inputs_and_run_it(window):
    tab, n, times, out = build(window)
    assert tab.doc.workflow_id and window.store.workflows.get(tab.doc.workflow_id).name == "Times ten"
    assert tab.doc.nodes[times].config["expression"] == "data * 10"
    window.run_panel.inputs.fields[tab.doc.nodes[n].config["name"]].setText("4")

    async def go():
        window.actionRun.trigger()
        await until(lambda: tab.scene.node_items[out].status == "succeeded", what="the run")
        await until(lambda: window.run_panel.runs.count() == 1, what="the run in past runs")

    on_loop(window, go)
    [run] = window.store.runs.list(tab.doc.workflow_id)
    assert run.status == "succeeded" and window.store.runs.get(run.id).outputs == {out: 40}
    assert "succeeded" in window.run_panel.text()
    shot(window, "1-run")


def test_chapter_2_test_one_node_and_pin_its_outputs(window):
    tab, n, times, out = build(window)
    window.run_panel.inputs.fields[tab.doc.nodes[n].config["name"]].setText("5")
    tab.scene.clearSelection()
    tab.scene.node_items[times].setSelected(True)

    async def go():
        window.actionRunNode.trigger()  # Ctrl+Enter: this node and what it needs
        await until(lambda: tab.scene.node_items[times].status == "succeeded", what="the node ran")
        await until(lambda: "= 50" in window.preview_panel.info.text(), what="its outputs in the preview")

    on_loop(window, go)
    assert tab.scene.node_items[out].status is None  # only what the node needed ran
    window.actionPin.trigger()  # Ctrl+Shift+P
    assert tab.doc.nodes[times].pinned == {"result": 50}
    shot(window, "2-pinned")
    window.actionUndo.trigger()
    assert tab.doc.nodes[times].pinned is None


def test_chapter_3_read_past_runs_and_replay_one(window):
    tab, n, times, out = build(window)
    window.run_panel.inputs.fields[tab.doc.nodes[n].config["name"]].setText("6")

    async def go():
        window.actionRun.trigger()
        await until(lambda: window.run_panel.runs.count() == 1, what="the first run in past runs")
        window.run_panel.runs.setCurrentRow(0)
        window.run_panel.findChild(QPushButton, "replayRun").click()
        await until(lambda: window.run_panel.runs.count() == 2, what="the replay in past runs")

    on_loop(window, go)
    runs = window.store.runs.list(tab.doc.workflow_id)
    assert [r.trigger for r in runs] == ["replay", "editor"] and runs[0].inputs == runs[1].inputs == {
        tab.doc.nodes[n].config["name"]: 6}
    assert window.store.runs.get(runs[0].id).outputs == {out: 60}
    shot(window, "3-replay")


def test_chapter_4_compare_two_versions_and_restore_one(window):
    tab, n, times, out = build(window)
    tab.scene.clearSelection()
    tab.scene.node_items[times].setSelected(True)
    field = window.inspector.fields["expression"]
    field.setPlainText("data * 100")
    field._apply()
    window.actionSave.trigger()  # version 2
    wid = tab.doc.workflow_id
    assert [v.number for v in window.store.workflows.versions(wid)] == [1, 2]
    window.history_dock.raise_()  # the History tab beside the inspector
    history = window.history
    history.list.selectAll()
    history.compare_button.click()  # version 2 opened read-only, what changed marked
    compared = window.current_tab()
    assert compared.doc.read_only and compared.diff_of == (1, 2)
    assert "data * 100" in history.details.toPlainText()
    shot(window, "4-compare")
    history.list.clearSelection()
    history.list.item(history.list.count() - 1).setSelected(True)  # version 1 (the list is newest first)
    history.restore_button.click()
    assert [v.number for v in window.store.workflows.versions(wid)] == [1, 2, 3]
    assert window.store.workflows.document(wid, 3).nodes == window.store.workflows.document(wid, 1).nodes
    assert not window.current_tab().doc.read_only and window.current_tab().doc.nodes[times].config == {
        "expression": "data * 10"}


def test_chapter_5_make_a_field_read_another_nodes_value(window, qtbot):
    from PySide6.QtWidgets import QLabel, QToolButton

    tab = window.workflows.new()
    key, base, pick, out = (tab.add_block(kind, QPointF(x, y)) for kind, x, y in (
        ("constant", 0, 0), ("constant", 0, 200), ("get_field", 300, 200), ("output", 600, 200)))
    tab.undo_stack.push(Connect(tab.doc, Edge(id="e1", source=base, source_port="value", target=pick,
                                              target_port="data")))
    tab.undo_stack.push(Connect(tab.doc, Edge(id="e2", source=pick, source_port="value", target=out,
                                              target_port="value")))
    for node, value in ((key, '"b"'), (base, '{"a": 1, "b": 2}')):
        tab.scene.clearSelection()
        tab.scene.node_items[node].setSelected(True)
        window.inspector.fields["value"].setText(value)
        window.inspector.fields["value"].editingFinished.emit()
    tab.scene.clearSelection()
    tab.scene.node_items[pick].setSelected(True)
    window.inspector.findChild(QToolButton, "exprSwitch_path").click()  # ƒx: the field becomes an expression
    field = window.inspector.findChild(QLineEdit, "field.path")
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "{{ nodes.")  # completion offers the nodes the field may read
    completer = field.findChild(QCompleter)
    offered = [completer.completionModel().index(i, 0).data() for i in range(completer.completionCount())]
    assert key in offered and base in offered and out not in offered
    qtbot.keyClicks(field, f"{key}.value }}}}")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert tab.doc.nodes[pick].config["path"] == {"$expr": f"{{{{ nodes.{key}.value }}}}"}
    assert set(tab.scene.ref_items) == {(key, "value", pick)}  # the dashed line: a dependency without a link

    async def go():
        window.actionRun.trigger()
        await until(lambda: tab.scene.node_items[out].status == "succeeded", what="the run")

    on_loop(window, go)
    tab.scene.clearSelection()
    tab.scene.node_items[pick].setSelected(True)
    assert window.inspector.findChild(QLabel, "exprValue_path").text() == "= 'b'"
    [run] = window.store.runs.list(draft_id=tab.journal_key)
    assert window.store.runs.get(run.id).outputs == {out: 2}
    shot(window, "5-expression")


def test_chapter_6_queue_runs_reorder_them_and_let_them_go(window):
    from engine.runs import RunStarted

    tab, n, times, out = build(window)
    panel = window.queue_panel
    window.queue_dock.raise_()

    async def go():
        service = await window.runs.open_service()
        service.configure(max_concurrent_runs=1)  # (one at a time: the order is plain to see)
        panel.pause_button.click()  # Pause: queued runs wait
        await until(lambda: window.store.queue.paused(), what="the queue paused")
        window.actionRunList.trigger()  # Run ▸ Run over a list of inputs…
        dialog = window.queue.batch_dialog
        dialog.text.setPlainText('{"n": 1}\n{"n": 2}\n{"n": 3}\n')
        dialog.queue_button.click()
        await until(lambda: len(panel.order()) == 3, what="three runs in the Queue dock")
        ids = panel.order()
        panel.select(ids[2])
        panel.next_button.click()  # Run next: the last one goes first
        await until(lambda: panel.order() == [ids[2], ids[0], ids[1]], what="the new order")
        shot(window, "6-queue")
        sub = service.subscribe()
        panel.pause_button.click()  # Resume
        await until(lambda: not window.store.queue.view().runs, what="the queue to drain")
        await asyncio.sleep(0.1)
        return ids, [e.run_id for e in sub.drain() if isinstance(e, RunStarted)]

    ids, started = on_loop(window, go)
    assert started == [ids[2], ids[0], ids[1]]
    assert [window.store.runs.get(i).outputs for i in ids] == [{out: 10}, {out: 20}, {out: 30}]


def test_chapter_7_a_thumbnail_of_every_photo_dropped_in_a_folder(window, tmp_path):
    from PIL import Image

    inbox, thumbs = tmp_path / "in", tmp_path / "thumbs"
    inbox.mkdir()
    template = next(i for i in window.store.workflows.list(templates=True).items
                    if i.name == "Thumbnail each new photo")
    tab = window.workflows.new_from_template(template.id)
    window.actionSave.trigger()
    window.triggers_dock.raise_()

    async def go():
        service = await window.runs.open_service()
        await until(service.dispatcher.holding.is_set, what="the window dispatches")
        window.triggers_panel.add_folder.click()  # Triggers ▸ Add folder watch…
        dialog = window.triggers.dialog
        dialog.folder.setText(str(inbox))
        dialog.inputs.setText('{"out": "%s"}' % thumbs)
        dialog.ok.click()
        [t] = window.store.triggers.list(tab.doc.workflow_id)
        await until(lambda: t.id in service.firer.watches, what="the watch started")
        await asyncio.sleep(0.5)
        Image.new("RGB", (800, 600), "orange").save(inbox / "cat.jpg")  # a photo dropped in
        await until(lambda: tab.scene.node_items["o"].status == "succeeded", timeout=20, what="the run lit up")
        await until(lambda: window.triggers_panel.list.topLevelItemCount() == 1
                    and window.triggers_panel.list.topLevelItem(0).text(5) == "1", what="the dock counted it")

    on_loop(window, go)
    shot(window, "7-triggers")  # (after the loop: Qt's events are processed for the picture)
    with Image.open(thumbs / "thumb_cat.jpg.png") as made:
        assert made.size == (200, 150)


def test_chapter_8_the_same_workflow_from_the_command_line_and_over_http(window):
    import json
    import subprocess
    import sys

    import httpx

    tab, n, times, out = build(window)
    name = tab.doc.nodes[n].config["name"]
    done = subprocess.run([sys.executable, "-m", "app.cli", "--home", str(window.home), "run", "Times ten", "-i",
                           f"{name}=4", "--json", "-q"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outputs"] == {out: 40}  # nodeloom run "Times ten" -i n=4 --json
    window.store.set_setting("server.port", 0)  # (any free port: 8765 may be taken where the tests run)

    async def go():
        window.actionServerStart.trigger()  # Server ▸ Start server
        await until(lambda: window.server.server is not None, what="the server started")
        dialog = window.server.show_dialog()  # Server ▸ Address, token and curl command…
        token = dialog.token.text()
        assert f"/api/v1/workflows/{tab.doc.workflow_id}/run" in dialog.curl.toPlainText()
        async with httpx.AsyncClient(base_url=window.server.url + "/api/v1", timeout=30,
                                     headers={"Authorization": f"Bearer {token}"}) as c:  # what curl sends
            r = await c.post(f"/workflows/{tab.doc.workflow_id}/run", json={"inputs": {name: 5}})
        await until(lambda: tab.scene.node_items[out].status == "succeeded", what="the HTTP run lit up")
        return r.json()

    run = on_loop(window, go)
    assert run["status"] == "succeeded" and run["outputs"] == {out: 50}
    shot(window, "8-server")
    assert {r.trigger for r in window.store.runs.list(tab.doc.workflow_id)} == {"cli", "http"}


GUIDE = Path(__file__).resolve().parents[1] / "docs" / "guide.md"


def test_chapter_9_write_a_plugin_block(make_window, tmp_path, monkeypatch):
    import re
    import subprocess
    import sys

    import app.window.crash

    chapter = GUIDE.read_text(encoding="utf-8").split("## 9.")[1].split("\n## ")[0]
    code = re.search(r"```python\n(.*?)```", chapter, re.S).group(1)
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "greet.py").write_text("\n".join(line[3:] for line in code.splitlines()) + "\n")  # as the guide has it
    (plugins / "typo.py").write_text("from engine.blocks import Blok\n")  # a plugin that fails to load
    window = make_window(tmp_path)  # "Start Nodeloom again"
    opened = []
    monkeypatch.setattr(app.window.crash.QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    window.actionOpenPlugins.trigger()  # Help ▸ Open plugins folder
    assert opened == [str(plugins.resolve())]
    palette = window.palette_panel
    assert palette.items["greet"].text(0) == "Greet" and palette.items["greet"].parent().text(0) == "Text"
    [bad] = [palette.tree.topLevelItem(i) for i in range(palette.tree.topLevelItemCount())
             if palette.tree.topLevelItem(i).text(0).startswith("⚠")]
    assert bad.text(0) == "⚠ plugins/typo.py" and "Blok" in bad.toolTip(0)
    listed = subprocess.run([sys.executable, "-m", "app.cli", "--home", str(tmp_path), "blocks"],
                            capture_output=True, text=True, timeout=120)
    assert "greet" in listed.stdout and "plugins/typo.py" in listed.stdout, listed.stderr

    tab = window.workflows.new()
    name, greet, out = (tab.add_block(kind, QPointF(x, 0)) for kind, x in (("input", 0), ("greet", 300),
                                                                          ("output", 600)))
    tab.scene.clearSelection()
    tab.scene.node_items[name].setSelected(True)
    window.inspector.fields["name"].setText("name")
    window.inspector.fields["name"].editingFinished.emit()
    tab.undo_stack.push(Connect(tab.doc, Edge(id="e1", source=name, source_port="value", target=greet,
                                              target_port="name")))
    tab.undo_stack.push(Connect(tab.doc, Edge(id="e2", source=greet, source_port="text", target=out,
                                              target_port="value")))
    tab.scene.clearSelection()
    tab.scene.node_items[greet].setSelected(True)
    window.inspector.fields["greeting"].setText("Hi")
    window.inspector.fields["greeting"].editingFinished.emit()
    assert tab.doc.nodes[greet].config == {"greeting": "Hi"}
    window.run_panel.inputs.fields["name"].setText("Ada")

    async def go():
        window.actionRun.trigger()
        await until(lambda: tab.scene.node_items[out].status == "succeeded", what="the run")

    on_loop(window, go)
    [run] = window.store.runs.list(tab.doc.workflow_id)
    assert window.store.runs.get(run.id).outputs == {out: "Hi, Ada!"}
    palette.tree.scrollToItem(bad)  # (the palette's end: Text ▸ Greet and the plugin that failed)
    shot(window, "9-plugin")


def test_chapter_10_look_closely_at_a_picture_zoom_pixels_before_and_after(window):
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QWidget

    from app.document.commands import UpdateNode

    template = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Image pipeline")
    tab = window.workflows.new_from_template(template.id)

    async def go():
        window.actionRun.trigger()  # F5
        await until(lambda: tab.scene.node_items["draw"].thumbnail is not None, what="the thumbnails")
        item = tab.scene.node_items["draw"]  # Mark the house
        tab.view.centerOn(item)
        at = tab.view.mapFromScene(item.mapToScene(item.thumbnail_rect().center()))
        QTest.mouseDClick(tab.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
        viewer = window.findChild(QWidget, "imageViewer")
        await until(viewer.ready, what="the viewer's pictures")
        assert viewer.mode() == "input"
        assert "output: 160 × 120 px, RGB" in viewer.info.text() and "from Thumbnail" in viewer.info.text()
        canvas = viewer.canvas
        QTest.mouseMove(canvas, QPoint(round(canvas.image_rect().center().x()) + 40, 300))
        assert viewer.pixel.text().startswith("x ") and viewer.pixel.text().endswith("· input")
        viewer.split.setValue(35)
        QTest.mouseClick(viewer.actual_button, Qt.MouseButton.LeftButton)  # 1:1
        assert viewer.zoom.text() == "100 %"
        QTest.mouseClick(viewer.fit_button, Qt.MouseButton.LeftButton)
        if SHOTS:
            viewer.resize(1000, 720)
            QApplication.processEvents()
            viewer.grab().save(str(Path(SHOTS) / "10-viewer.png"))
        tab.undo_stack.push(UpdateNode(tab.doc, "draw", "Color", config={**tab.doc.nodes["draw"].config,
                                                                          "color": "#ff00ff"}))
        window.actionRun.trigger()
        await until(lambda: len(window.store.runs.list(tab.doc.workflow_id)) == 2
                    and tab.scene.node_items["draw"].thumbnail is not None, what="the second run")
        viewer.compare.setCurrentIndex(viewer.compare.findData("runs"))  # Two runs
        await until(lambda: viewer.run_a.count() == 2 and viewer.ready(), what="the two runs' pictures")
        assert viewer.canvas.before.name.startswith("run A") and viewer.canvas.after.name.startswith("run B")

    on_loop(window, go)


def test_the_guide_names_every_screenshot_its_chapters_take():
    guide = GUIDE.read_text(encoding="utf-8")
    for name in ("1-run", "2-pinned", "3-replay", "4-compare", "5-expression", "6-queue", "7-triggers",
                 "8-server", "9-plugin", "10-viewer", "11-groups", "12-live"):
        assert f"guide/{name}.png" in guide
        assert (Path(__file__).resolve().parents[1] / "docs" / "guide" / f"{name}.png").is_file()
