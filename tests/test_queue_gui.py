"""The editor on the run service (issue 10): editor runs are their workflow's past runs, the Queue dock, Shift+F5,
runs over a list of inputs, and a policy per window — on the real window and the qasync loop."""

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton

from engine.runs import RunStarted

from .builder import Flow
from app.window.loop import EventLoop  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def on_loop(window, coro_fn, *more_windows):
    """``coro_fn()`` then the windows' shutdown in one run of the qasync loop, as the app's session is."""
    async def session():
        try:
            return await coro_fn()
        finally:
            for w in (window, *more_windows):
                await w.aclose()

    with asyncio.Runner(loop_factory=EventLoop) as runner:
        return runner.run(session())


async def until(condition, timeout=10.0, what="the condition"):
    t0 = time.perf_counter()
    while not condition():
        if time.perf_counter() - t0 > timeout:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        await asyncio.sleep(0.02)
    return time.perf_counter() - t0


def template(window, name):
    return next(i for i in window.store.workflows.list(templates=True).items if i.name == name)


def past_run_ids(window):
    runs = window.run_panel.runs
    return [runs.item(i).data(Qt.ItemDataRole.UserRole) for i in range(runs.count())]


def past_runs_done(window, count):
    """The past-runs list (which follows the store live) shows ``count`` runs, all finished."""
    runs = window.run_panel.runs
    texts = [runs.item(i).text() for i in range(runs.count())]
    return len(texts) == count and not any(" queued " in t or " running " in t for t in texts)


def click(window, name):
    window.findChild(QPushButton, name).click()


def test_f5_on_a_template_is_its_past_run_shown_on_the_canvas_and_replayed_from_a_node(window):
    tpl = template(window, "Image pipeline")
    tab = window.workflows.open(tpl.id)  # a template opens read-only, as its stored version

    async def go():
        sub = (await window.runs.open_service()).subscribe()
        window.actionRun.trigger()  # F5
        await until(lambda: past_runs_done(window, 1), what="the run listed as a finished past run")
        [run_id] = past_run_ids(window)
        for item in tab.scene.node_items.values():
            item.set_status(None)
        window.run_panel.runs.setCurrentRow(0)
        click(window, "showRun")
        shown = {nid: item.status for nid, item in tab.scene.node_items.items()}
        tab.scene.clearSelection()
        tab.scene.node_items["blur"].setSelected(True)
        click(window, "replayFromNode")
        await until(lambda: past_runs_done(window, 2), what="the replay listed, finished")
        return run_id, shown, sub.drain()

    run_id, shown, events = on_loop(window, go)
    run = window.store.runs.get(run_id)
    assert (run.workflow_id, run.version, run.trigger, run.status) == (tpl.id, 1, "editor", "succeeded")
    assert not run.has_document  # the tab showed exactly the stored version
    assert set(shown.values()) == {"succeeded"} and set(shown) == {n.node_id for n in window.store.runs.nodes(run_id)}
    replay_id = past_run_ids(window)[0]
    replay = window.store.runs.get(replay_id)
    assert (replay.replay_of, replay.from_node, replay.workflow_id, replay.status) == (run_id, "blur", tpl.id,
                                                                                      "succeeded")
    ran = {e.node_id for e in events if e.kind == "node_finished" and e.run_id == replay_id and e.status != "cached"}
    assert ran == {"blur", "mask", "info", "out_mask", "out_width", "out_height"}


def test_a_never_saved_tabs_runs_become_the_workflows_when_it_is_saved(window):
    from app.document.model import EditorDocument

    wf = Flow("draft").node("c", "constant", value=1).node("o", "output", name="o").edge("c.value", "o.value").build()
    tab = window.add_tab(EditorDocument(wf, registry=window.registry))
    result = on_loop(window, lambda: window.runs.run_tab(tab))
    assert result is not None, window.run_panel.text()
    assert result.status == "succeeded"
    run = window.store.runs.get(result.run_id)
    assert run.workflow_id is None and run.draft_id == tab.journal_key and run.has_document
    assert past_run_ids(window) == [result.run_id]  # a draft's own past runs
    window.workflows.save()
    assert window.store.runs.get(result.run_id).workflow_id == tab.doc.workflow_id
    window.run_panel.refresh_runs(tab)
    assert past_run_ids(window) == [result.run_id]


def nodeloom(home, *args):
    return subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), *args], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)


def test_the_queue_dock_shows_cli_runs_within_a_second_and_a_drag_changes_the_start_order(window, tmp_path):
    tpl = template(window, "Big or small")
    panel = window.queue_panel
    window.queue_dock.show()
    window.queue_dock.raise_()

    async def go():
        service = await window.runs.open_service()
        service.configure(max_concurrent_runs=1)  # one at a time: the start order is plain to see
        panel.pause_button.click()  # hold them in the queue
        await until(lambda: window.store.queue.paused(), what="pause")
        proc = await asyncio.to_thread(nodeloom, tmp_path, "run", tpl.id, "--enqueue", "--inputs-list",
                                       str(inputs_file))
        assert proc.returncode == 0, proc.stderr
        ids = proc.stdout.split()
        seen_in = await until(lambda: panel.order() == ids, timeout=5, what="the CLI's runs in the dock")
        viewport = panel.list.viewport()
        last = panel.list.topLevelItem(2)
        first_rect = panel.list.visualItemRect(panel.list.topLevelItem(0))
        start, end = panel.list.visualItemRect(last).center(), QPoint(first_rect.center().x(), first_rect.top() + 2)
        QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
        for i in range(1, 7):
            QTest.mouseMove(viewport, start + (end - start) * (i / 6))
        QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
        await until(lambda: panel.order() == [ids[2], ids[0], ids[1]], what="the dragged order in the dock")
        sub = service.subscribe()
        panel.pause_button.click()  # resume
        await until(lambda: window.store.queue.view().waiting == 0 and not window.store.queue.view().running,
                    what="the queue to drain")
        await asyncio.sleep(0.1)
        return ids, seen_in, [e.run_id for e in sub.drain() if isinstance(e, RunStarted)]

    inputs_file = tmp_path / "inputs.jsonl"
    inputs_file.write_text("\n".join(json.dumps({"number": n}) for n in (1, 2, 3)))
    ids, seen_in, started = on_loop(window, go)
    assert seen_in < 1.0, f"the dock showed the CLI's runs after {seen_in:.2f} s"
    assert started == [ids[2], ids[0], ids[1]]
    assert [window.store.runs.get(i).outputs["result"] for i in ids] == [1 + 100, 2 + 100, 3 + 100]


def test_shift_f5_queues_the_tab_and_the_list_dialog_queues_one_run_per_line(window):
    tpl = template(window, "Big or small")
    tab = window.workflows.open(tpl.id)

    async def go():
        service = await window.runs.open_service()
        await asyncio.to_thread(service.pause)
        window.actionEnqueue.trigger()  # Shift+F5
        await until(lambda: window.store.queue.view().waiting == 1, what="Shift+F5's run queued")
        window.actionRunList.trigger()
        dialog = window.queue.batch_dialog
        dialog.text.setPlainText('{"number": 20}\n\n{"number": 30}\nnot json')
        refused = dialog.status.text()
        dialog.text.setPlainText('{"number": 20}\n\n{"number": 30}\n')
        dialog.copies.setValue(2)
        dialog.priority.setValue(9)
        dialog.queue_button.click()
        await until(lambda: window.store.queue.view().waiting == 5, what="the list's runs queued")
        view = window.store.queue.view()
        await asyncio.to_thread(service.resume)
        await until(lambda: not window.store.queue.view().runs, what="the queue to drain")
        return refused, view

    refused, view = on_loop(window, go)
    assert refused == "line 4 is not valid JSON: Expecting value: line 1 column 1 (char 0)"
    assert [r.priority for r in view.queued] == [9, 9, 9, 9, 5]  # the list's runs go first
    assert [r.inputs for r in view.queued] == [{"number": 20}] * 2 + [{"number": 30}] * 2 + [{}]
    assert all(r.workflow_id == tpl.id and r.trigger == "editor" for r in view.queued)
    assert {window.store.runs.get(r.id).status for r in view.queued} == {"succeeded"}
    assert tab.doc.workflow_id == tpl.id


@pytest.fixture
def second_window(make_window, tmp_path):
    return make_window(tmp_path / "second")


def code_tab(w):
    tab = w.workflows.new()
    tab.add_block("python")
    w.workflows.save()
    return tab


def test_allow_python_in_one_window_leaves_another_windows_service_alone(window, second_window):
    a, b = code_tab(window), code_tab(second_window)

    async def go():
        await window.runs.open_service()
        await second_window.runs.open_service()
        window.actionAllowPython.trigger()  # off, in the first window only
        return await window.runs.run_tab(a), await second_window.runs.run_tab(b)

    off, on = on_loop(window, go, second_window)
    assert not window.actionAllowPython.isChecked() and second_window.actionAllowPython.isChecked()
    assert off.status == "failed" and "python blocks are turned off in the settings" in off.error
    assert on.status == "succeeded"
    assert window.runs.service is None and second_window.runs.service is None  # closed


def test_the_editor_dispatches_from_its_start_and_a_sigterm_closes_it_cleanly(tmp_path):
    """The real `nodeloom` app in a subprocess: it takes the dispatcher lease at start (so queued runs go on
    without a first F5), runs what is queued, and SIGTERM (logging out, `kill`) ends it with its lease given
    back — not a lease left to expire."""
    import os
    import signal

    from engine.store import Store

    store = Store(tmp_path, install_templates=False)
    wf = Flow("q").node("c", "constant", value=3).node("o", "output", name="o").edge("c.value", "o.value").build()
    wid = store.workflows.create(wf).id
    [queued_id] = store.queue.add([{"workflow_id": wid, "version": 1, "inputs": {}}])
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONWARNINGS": "ignore"}
    app = subprocess.Popen([sys.executable, "-m", "app.cli", "--home", str(tmp_path)], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 30
        while store.runs.get(queued_id).status != "succeeded":
            assert time.time() < deadline and app.poll() is None, app.stderr.read() if app.poll() else "too slow"
            time.sleep(0.1)
        [lease] = store.leases.list()
        assert (lease.front, lease.pid, lease.dispatching) == ("editor", app.pid, True)
        app.send_signal(signal.SIGTERM)
        assert app.wait(15) == 0, app.stderr.read()
    finally:
        if app.poll() is None:
            app.kill()
    assert store.leases.list() == []
    store.close()
