"""The editor on a Dask LocalCluster (issue 17): the data folder's cluster setting, a run whose loop lights up
batch by batch, and Edit ▸ Settings ▸ Cluster showing the workers and switching back to this computer."""

import asyncio

import pytest

from app.document.model import EditorDocument
from engine.store import CLUSTER_EXECUTOR

from .builder import Flow
from .test_queue_gui import on_loop, until

pytest.importorskip("distributed")
pytestmark = pytest.mark.timeout(240)

SQUARE = "import time\ndef main(data):\n    time.sleep(0.05)\n    return data * data\n"


def loop_workflow():
    return (Flow("squares on the cluster").node("xs", "constant", value=list(range(40)))
            .node("each", "foreach").node("square", "python", code=SQUARE)
            .node("gather", "collect").node("out", "output", name="squares")
            .chain("xs.value", "each.items").edge("each.item", "square.data").edge("square.result", "gather.value")
            .edge("gather.items", "out.value").build())


def test_the_editor_runs_a_loop_on_a_local_cluster_lit_up_as_batches_finish(window):
    window.store.set_setting(CLUSTER_EXECUTOR, "local:2")
    tab = window.add_tab(EditorDocument(loop_workflow(), registry=window.registry))
    window.code.set_allowed(True)
    seen = []  # (the loop's progress, the body node's status) while the run goes on

    async def go():
        await window.runs.open_service()
        assert window.runs.service.cluster is not None and window.runs.service.cluster.workers() == 2
        task = asyncio.ensure_future(window.runs.run_tab(tab))
        while not task.done():
            seen.append((tab.scene.node_items["each"].progress, tab.scene.node_items["square"].status))
            await asyncio.sleep(0.02)
        await task
        dialog = window.prefs.open()  # Edit ▸ Settings… ▸ Cluster
        box = dialog.cluster
        assert box.address.text() == "local:2"
        await until(lambda: "2 workers" in box.status.text(), timeout=10, what="the workers listed")
        shown = box.status.text()
        assert "Dask dashboard" in shown and "CPU" in shown
        box.address.setText("dask://nowhere.invalid:1")
        box.use.click()
        await until(lambda: box.use.isEnabled(), timeout=40, what="the refusal")
        assert "cannot use the cluster" in box.status.text()
        assert window.runs.service.cluster is not None  # (nothing changed)
        box.address.setText("local")
        box.use.click()
        await until(lambda: "this computer" in box.status.text(), timeout=20, what="the switch back")
        assert window.runs.service.cluster is None and window.store.setting(CLUSTER_EXECUTOR) == "local"
        dialog.close()

    on_loop(window, go)
    assert tab.scene.node_items["out"].status == "succeeded"
    assert tab.scene.node_items["square"].status == "succeeded"
    partial = [p for p, _ in seen if p is not None and 0 < p < 1]
    assert len(set(partial)) >= 2, seen[-5:]  # the loop moved batch by batch, not all at the end
    assert any(s == "succeeded" for p, s in seen if p is not None and p < 1)  # lit before the loop was done
