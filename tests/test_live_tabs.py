"""Live runs light the right tab, and lists of runs follow the store (SPEC §8, issue 24): a run's statuses go to
its workflow's editable tab whoever started it (HTTP in this process, the queue, another process seen through the
store) and never to a read-only compare or old-version tab; the past-runs list follows the store without
switching tabs; the preview shows every output port of the selected node after a full run."""

import asyncio
import subprocess
import sys

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QListWidget

from .builder import Flow
from .test_queue_gui import ROOT, on_loop, past_run_ids, template, until


def _slow_flow(name="Lit"):
    return (Flow(name).node("i", "input", name="x").node("t", "transform", expression="data * 2")
            .node("d", "delay", seconds=0.4).node("o", "output", name="y")
            .edge("i.value", "t.data", "e1").edge("t.result", "d.value", "e2").edge("d.value", "o.value", "e3")
            .build())


def _statuses(tab):
    return {nid: item.data(1) for nid, item in tab.scene.node_items.items()}


def _three_versions(window):
    wid = window.store.workflows.create(_slow_flow()).id
    for seconds in (0.3, 0.2):
        wf = _slow_flow()
        wf.nodes[2].config["seconds"] = seconds
        window.store.workflows.save(wid, wf)
    return wid


def test_an_http_run_lights_the_editable_tab_never_the_compare_tab(window):
    wid = _three_versions(window)
    compare = window.versions.compare(wid, 1, 3)  # opened first, so a lookup by workflow id meets it first
    old = window.workflows.open(wid, version=2, read_only=True)
    tab = window.workflows.open(wid)
    window.store.set_setting("server.port", 0)

    async def go():
        window.actionServerStart.trigger()
        await until(lambda: window.server.server is not None, what="the server started")
        token = window.server.show_dialog().token.text()
        async with httpx.AsyncClient(base_url=window.server.url + "/api/v1", timeout=30,
                                     headers={"Authorization": f"Bearer {token}"}) as c:
            for mode in ("async", "sync"):
                for t in (tab, compare, old):
                    for item in t.scene.node_items.values():
                        item.set_status(None)
                request = asyncio.ensure_future(c.post(f"/workflows/{wid}/run", json={"inputs": {"x": 3},
                                                                                        "mode": mode}))
                await until(lambda: _statuses(tab)["d"] == "running", what=f"the {mode} run lit the editable tab")
                response = await request
                assert response.status_code in (200, 202), response.text
                await until(lambda: _statuses(tab)["o"] == "succeeded", what="the run finished on the tab")
                assert set(_statuses(compare).values()) == {None}
                assert set(_statuses(old).values()) == {None}
        window.actionServerStop.trigger()
        await until(lambda: window.server.server is None, what="the server stopped")

    on_loop(window, go)


def test_three_queued_runs_appear_in_past_runs_as_they_finish(window):
    wid = window.store.workflows.create(_slow_flow("Queued")).id
    tab = window.workflows.open(wid)
    window.run_dock.show()

    async def go():
        await window.runs.open_service()
        ids = await window.queue.enqueue_tab(tab, items=[{"x": n} for n in (1, 2, 3)])  # Run over a list…
        assert len(ids) == 3
        rows = window.findChild(QListWidget, "pastRuns")

        def row(run_id):
            return next((rows.item(i).text() for i in range(rows.count())
                         if rows.item(i).data(Qt.ItemDataRole.UserRole) == run_id), "")

        listed = []
        for run_id in ids:
            await until(lambda: window.store.runs.get(run_id).status == "succeeded", what="a queued run finished")
            await until(lambda: "succeeded" in row(run_id), timeout=2, what="the finished run in past runs")
            listed.append(run_id)
        texts = [rows.item(i).text() for i in range(rows.count())]
        assert not any("queued" in t or "running" in t for t in texts), texts
        return ids, listed

    ids, listed = on_loop(window, go)
    assert listed == ids
    assert window.current_tab() is tab  # never switched tabs


def test_another_process_run_lights_the_tab_through_the_store(window):
    wf = _slow_flow("Elsewhere")
    wf.nodes[2].config["seconds"] = 1.5
    wid = window.store.workflows.create(wf).id
    tab = window.workflows.open(wid)

    async def go():
        await window.runs.open_service()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.cli", "--home", str(window.home), "run", wid, "-i", "x=2", "--json", "-q",
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        await until(lambda: _statuses(tab)["d"] == "running", timeout=15,
                    what="the other process's run lit the tab (running)")
        out, err = await proc.communicate()
        assert proc.returncode == 0, err
        await until(lambda: _statuses(tab)["o"] == "succeeded", timeout=5, what="its end shown on the tab")
        import json

        run_id = json.loads(out)["run_id"]
        await until(lambda: run_id in past_run_ids(window), timeout=3, what="its run in past runs")

    on_loop(window, go)


def test_after_a_full_run_every_node_and_every_output_port_is_previewable(window):
    tpl = template(window, "Image pipeline")
    tab = window.workflows.open(tpl.id)

    async def go():
        result = await window.runs.run_tab(tab)
        assert result is not None and result.status == "succeeded", window.run_panel.text()
        shown = {}
        for nid in ("blur", "mask"):
            tab.scene.clearSelection()
            tab.scene.node_items[nid].setSelected(True)
            await until(lambda: nid in window.preview_panel.info.text() or
                        tab.doc.nodes[nid].label and tab.doc.nodes[nid].label in window.preview_panel.info.text(),
                        what=f"the preview of {nid}")
            shown[nid] = window.preview_panel.info.text()
        ports = window.findChild(QComboBox, "previewPort")
        ports_listed = [ports.itemText(i) for i in range(ports.count())]
        ports.setCurrentText("mask")
        await until(lambda: "mask:" in window.preview_panel.info.text(), what="the mask shown")
        return shown, ports_listed, window.preview_panel.image

    shown, ports_listed, image = on_loop(window, go)
    assert "not run yet" not in shown["blur"]
    assert {"image", "mask"} <= set(ports_listed)
    assert image is not None and image.mode in ("1", "L")


def test_the_preview_of_the_selected_node_follows_the_run(window):
    """Selected before the run ("not run yet"), shown after it without selecting it again."""
    tpl = template(window, "Image pipeline")
    tab = window.workflows.open(tpl.id)

    async def go():
        first = await window.runs.run_node(tab, "gray")  # the blur's upstream has values: the blur "not run yet"
        assert first is not None and first.status == "succeeded"
        tab.scene.clearSelection()
        tab.scene.node_items["blur"].setSelected(True)
        await until(lambda: "Soften" in window.preview_panel.info.text(), what="the blur selected")
        before = window.preview_panel.info.text()
        result = await window.runs.run_tab(tab)
        assert result.status == "succeeded"
        await until(lambda: "Soften · image:" in window.preview_panel.info.text(), timeout=3,
                    what="the preview of the selected node after the run")
        return before

    before = on_loop(window, go)
    assert "not run yet" in before


def test_stop_is_for_the_run_on_the_tab_on_show_and_a_reopened_tab_shows_its_run(window):
    slow = _slow_flow("Slow")
    slow.nodes[2].config["seconds"] = 8  # (long enough for a loaded machine to close and reopen the tab meanwhile)
    wid = window.store.workflows.create(slow).id
    other = window.store.workflows.create(_slow_flow("Other")).id

    async def go():
        tab = window.workflows.open(wid)
        window.run_panel.inputs.fields["x"].setText("1")
        run = asyncio.ensure_future(window.runs.run_tab(tab))
        await until(lambda: _statuses(tab)["d"] == "running", what="the slow run")
        assert window.actionStop.isEnabled()
        window.workflows.open(other)  # another tab on show: Stop is not for the slow run
        assert not window.actionStop.isEnabled()
        window.actionStop.trigger()
        window.closing.close(tab)   # the slow run's tab closes: the run goes on
        reopened = window.workflows.open(wid)
        await until(lambda: _statuses(reopened)["d"] == "running", what="the reopened tab shows the run")
        assert window.actionStop.isEnabled()
        result = await run
        return result

    result = on_loop(window, go)
    assert result.status == "succeeded"  # never stopped by the Stop pressed on another tab


def test_a_compare_tab_on_show_is_never_lit_by_another_process_run(window):
    wid = _three_versions(window)
    tab = window.workflows.open(wid)
    compare = window.versions.compare(wid, 1, 3)  # on show
    assert window.current_tab() is compare

    async def go():
        window.watch.start()
        done = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "app.cli", "--home", str(window.home),
                                                        "run", wid, "-i", "x=1", "-q"], cwd=ROOT,
                                       capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        await until(lambda: _statuses(tab)["o"] == "succeeded", timeout=5, what="the workflow's own tab lit")
        await asyncio.sleep(1.2)  # two more reads of the store

    on_loop(window, go)
    assert set(_statuses(compare).values()) == {None}
