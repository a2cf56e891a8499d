"""ForEach bodies on a real Dask LocalCluster (issue 17, SPEC §6b): two worker processes on this machine, the
same outputs, events, retries, ``on_error``, cancellation and cache as a run here."""

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from engine.cache import ResultCache
from engine.executor import Executor
from engine.events import NodeFinished, NodeProgress
from engine.values import to_json

from .builder import Flow

pytest.importorskip("distributed")
pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def backend():
    from engine.distributed import DaskBackend

    b = DaskBackend.open("local:2")
    yield b
    b.close()


def transitions(backend) -> int:
    """What the scheduler has done so far (it moves every task it is given through several states)."""
    return backend.client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter)


def settled(backend) -> int:
    """:func:`transitions` once the scheduler is done with what it was given before (the tasks of a run that
    ended are released a moment later: counted then, they would look like work of what follows)."""
    count = transitions(backend)
    while True:
        time.sleep(0.2)
        again = transitions(backend)
        if again == count:
            return count
        count = again


def pictures(n: int, size=(64, 48)) -> list:
    out = []
    for i in range(n):
        img = Image.new("RGB", size, (i % 256, (i * 7) % 256, 90))
        ImageDraw.Draw(img).rectangle([i % 40, 5, i % 40 + 12, 30], fill=(255, 255 - i % 256, 0))
        out.append(img)
    return out


def image_loop(**body_settings):
    return (Flow().node("imgs", "input", name="imgs", type="list")
            .node("each", "foreach", parallel=True, batch_size=4)
            .node("resize", "image_resize", width=32, height=32, settings=body_settings or None)
            .node("blur", "image_blur", radius=1.5)
            .node("gather", "collect").node("out", "output", name="out")
            .edge("imgs.value", "each.items").edge("each.item", "resize.image").edge("resize.image", "blur.image")
            .edge("blur.image", "gather.value").edge("gather.items", "out.value").build())


def run(executor, wf, inputs, **kw):
    async def go():
        sub = executor.subscribe()
        result = await executor.run(wf, inputs, **kw)
        events = sub.drain()
        sub.close()
        return result, events
    return asyncio.run(go())


def finished(events, node):
    return {ev.iteration: ev.status for ev in events if isinstance(ev, NodeFinished) and ev.node_id == node}


def test_200_images_on_the_cluster_the_same_as_here_then_all_cached_without_the_cluster(backend, tmp_path):
    images = [to_json(p) for p in pictures(200)]
    here, _ = run(Executor(), image_loop(), {"imgs": images})
    cluster = Executor(cache=ResultCache(tmp_path / "cache"), remote=backend)
    before = transitions(backend)
    there, events = run(cluster, image_loop(), {"imgs": images})
    assert there.status == here.status == "succeeded", there.error
    assert transitions(backend) > before  # it did go to the cluster
    assert [(p.size, p.mode, p.tobytes()) for p in there.outputs["out"]] == [
        (p.size, p.mode, p.tobytes()) for p in here.outputs["out"]]
    for node in ("resize", "blur"):  # an event for every item, from the worker that ran it
        assert finished(events, node) == {(i,): "succeeded" for i in range(200)}
    progress = [ev.fraction for ev in events if isinstance(ev, NodeProgress) and ev.node_id == "each"]
    assert progress and progress[-1] == 1.0 and progress == sorted(progress)

    before = settled(backend)
    again, events = run(cluster, image_loop(), {"imgs": images})
    assert again.status == "succeeded"
    assert transitions(backend) == before  # nothing sent
    for node in ("resize", "blur"):
        assert finished(events, node) == {(i,): "cached" for i in range(200)}
    assert [p.tobytes() for p in again.outputs["out"]] == [p.tobytes() for p in here.outputs["out"]]


def test_a_failing_item_retries_on_the_cluster_and_on_error_continue_keeps_going(backend, tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    code = ("import os\n"
            "def main(data):\n"
            f"    mark = os.path.join({str(marks)!r}, str(data))\n"
            "    if data == 3 and not os.path.exists(mark):\n"
            "        open(mark, 'w').close()\n"
            "        raise RuntimeError('the first try of item 3 fails')\n"
            "    return data * 2\n")
    wf = (Flow().node("xs", "input", name="xs", type="list")
          .node("each", "foreach")
          .node("flaky", "python", code=code, settings={"retry": {"max_attempts": 3, "backoff_s": 0.01}})
          .node("inv", "transform", expression="12 / (data - 10)", settings={"on_error": "continue"})
          .node("gather", "collect").node("out", "output", name="out")
          .edge("xs.value", "each.items").edge("each.item", "flaky.data").edge("flaky.result", "inv.data")
          .edge("inv.result", "gather.value").edge("gather.items", "out.value").build())
    result, events = run(Executor(remote=backend), wf, {"xs": list(range(8))})
    assert result.status == "succeeded", result.error
    assert result.outputs["out"] == [12 / (2 * i - 10) for i in range(8) if i != 5]  # (collect leaves out nulls)
    retries = [ev for ev in events if type(ev).__name__ == "NodeRetrying"]
    assert [(ev.node_id, ev.iteration, ev.attempt) for ev in retries] == [("flaky", (3,), 1)]
    assert "first try of item 3" in retries[0].error
    assert finished(events, "inv")[(5,)] == "failed" and finished(events, "flaky")[(3,)] == "succeeded"
    assert (marks / "3").exists()


def test_a_loop_set_to_continue_goes_on_past_a_failed_item_on_the_cluster_too(backend):
    wf = (Flow().node("xs", "input", name="xs", type="list")
          .node("each", "foreach", parallel=True, batch_size=4, settings={"on_error": "continue"})
          .node("div", "transform", expression="10 / data").node("plus", "transform", expression="data + 1")
          .node("gather", "collect", filter_nulls=False).node("out", "output", name="out")
          .node("errs", "output", name="errs").edge("each.error", "errs.value")
          .edge("xs.value", "each.items").edge("each.item", "div.data").edge("div.result", "plus.data")
          .edge("plus.result", "gather.value").edge("gather.items", "out.value").build())
    before = transitions(backend)
    result, events = run(Executor(remote=backend), wf, {"xs": [1, 0, 2, 5, 0, 10]})
    assert transitions(backend) > before  # it did go to the cluster
    assert result.status == "succeeded", result.error
    assert result.outputs["out"] == [11.0, None, 6.0, 3.0, None, 2.0]
    assert finished(events, "div")[(1,)] == finished(events, "div")[(4,)] == "failed"
    assert set(finished(events, "plus")) == {(0,), (2,), (3,), (5,)}
    assert result.outputs["errs"]["message"].startswith("2 of 6 items failed: div[1]: division by zero")
    assert [f["index"] for f in result.outputs["errs"]["items"]] == [1, 4]


def test_cancelling_the_run_stops_its_batches_within_two_seconds(backend, tmp_path):
    pids = tmp_path / "pids"
    pids.mkdir()
    code = ("import os, time\n"
            "def main(data):\n"
            f"    open(os.path.join({str(pids)!r}, str(os.getpid())), 'w').close()\n"
            "    time.sleep(60)\n"
            "    return data\n")
    wf = (Flow().node("xs", "input", name="xs", type="list").node("each", "foreach")
          .node("slow", "python", code=code).node("gather", "collect").node("out", "output", name="out")
          .chain("xs.value", "each.items").edge("each.item", "slow.data").edge("slow.result", "gather.value")
          .edge("gather.items", "out.value").build())

    async def go():
        ex = Executor(remote=backend)
        handle = ex.start(wf, {"xs": list(range(6))})
        deadline = time.monotonic() + 60
        while len(list(pids.iterdir())) < 2:  # both workers are in the middle of an item
            assert time.monotonic() < deadline and not handle.done(), "the batches did not start"
            await asyncio.sleep(0.1)
        t0 = time.monotonic()
        handle.cancel()
        result = await handle
        return result, time.monotonic() - t0

    result, took = asyncio.run(go())
    assert result.status == "cancelled" and took < 2
    deadline = time.monotonic() + 2
    running = [int(p.name) for p in pids.iterdir()]
    while any(_alive(pid) for pid in running):  # the python blocks' processes on the workers are killed
        assert time.monotonic() < deadline, f"still running: {[p for p in running if _alive(p)]}"
        time.sleep(0.05)
    time.sleep(1)
    assert len(list(pids.iterdir())) == len(running)  # and the items not begun never begin


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").is_file() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_a_body_that_is_not_portable_runs_here_and_says_so(backend, tmp_path, caplog):
    import base64
    import io

    uris = []
    for p in pictures(3):
        buf = io.BytesIO()
        p.save(buf, "PNG")
        uris.append("data:image/png;base64," + base64.b64encode(buf.getvalue()).decode())
    wf = (Flow().node("xs", "input", name="xs", type="list").node("each", "foreach")
          .node("load", "image_load")  # (it may read this machine's files: not portable)
          .node("info", "image_info")
          .node("gather", "collect").node("out", "output", name="out")
          .chain("xs.value", "each.items").edge("each.item", "load.source").edge("load.image", "info.image")
          .edge("info.width", "gather.value").edge("gather.items", "out.value").build())
    before = settled(backend)
    with caplog.at_level(logging.INFO, logger="engine.executor"):
        result, events = run(Executor(remote=backend), wf, {"xs": uris})
    assert result.status == "succeeded" and result.outputs["out"] == [64, 64, 64]
    said = [ev.message for ev in events if isinstance(ev, NodeProgress) and ev.node_id == "each" and ev.message]
    assert any("runs on this machine" in m and "'image_load'" in m for m in said), said
    assert any("runs on this machine" in r.getMessage() for r in caplog.records)
    assert transitions(backend) == before


def test_nodeloom_run_with_a_local_cluster(tmp_path):
    images = [to_json(p) for p in pictures(12)]
    doc = tmp_path / "loop.json"
    doc.write_text(image_loop().model_dump_json())
    (tmp_path / "inputs.json").write_text(json.dumps({"imgs": images}))
    done = subprocess.run([sys.executable, "-m", "app.cli", "--home", str(tmp_path / "home"), "-v", "run", str(doc),
                           "--inputs", str(tmp_path / "inputs.json"), "--executor", "local:2", "--json", "-q"],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    run_json = json.loads(done.stdout)
    assert run_json["status"] == "succeeded" and len(run_json["outputs"]["out"]) == 12
    assert run_json["outputs"]["out"][0]["width"] == 32
    assert "sends 12 of 12 items to local:2" in done.stderr


def test_http_requests_stay_here_unless_the_settings_let_them_out(backend):
    from engine.runs import RunSettings

    wf = (Flow().node("xs", "input", name="xs", type="list").node("each", "foreach")
          .node("get", "http_request", url="http://127.0.0.1:9/", settings={"on_error": "continue"})
          .node("gather", "collect").node("out", "output", name="out")
          .chain("xs.value", "each.items").edge("each.item", "get.body").edge("get.status", "gather.value")
          .edge("gather.items", "out.value").build())
    result, events = run(Executor(remote=backend), wf, {"xs": [1]})
    said = [ev.message for ev in events if isinstance(ev, NodeProgress) and ev.node_id == "each" and ev.message]
    assert result.status == "succeeded" and any("network only from here" in m for m in said), said
    result, events = run(Executor(remote=backend, policy=RunSettings(cluster_network=True)), wf, {"xs": [1]})
    said = [ev.message for ev in events if isinstance(ev, NodeProgress) and ev.node_id == "each" and ev.message]
    assert result.status == "succeeded" and any("go to the cluster" in m for m in said), said
    assert finished(events, "get") == {(0,): "failed"}  # (nothing listens on port 9: failed there, and continued)


def _sessions_of(path: str) -> int:
    """(on a worker) how many ONNX Runtime sessions this process holds for the model file ``path``."""
    from engine.models import runtime

    return sum(1 for p, _ in runtime._sessions if p == path)


def test_a_model_block_runs_on_the_workers_each_loading_the_model_once(backend, tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from engine.models import ModelLibrary
    from engine.runs import RunSettings

    from . import onnx_models

    lib = ModelLibrary(tmp_path / "models")
    lib.import_model(onnx_models.classifier(tmp_path / "colours.onnx"), "classify", labels=["red", "green", "blue"])
    wf = (Flow().node("imgs", "input", name="imgs", type="list").node("each", "foreach", parallel=True, batch_size=4)
          .node("cls", "model_classify", model="colours").node("gather", "collect").node("out", "output", name="out")
          .chain("imgs.value", "each.items").chain("each.item", "cls.image").chain("cls.label", "gather.value")
          .chain("gather.items", "out.value").build())
    images = [to_json(p) for p in pictures(24)]
    policy = RunSettings(models_dir=str(lib.folder))
    here, _ = run(Executor(), wf, {"imgs": images}, policy=policy)
    assert here.status == "succeeded", here.error
    for _ in range(2):
        before = transitions(backend)
        there, events = run(Executor(remote=backend), wf, {"imgs": images}, policy=policy)
        assert there.status == "succeeded", there.error
        assert transitions(backend) > before  # it did go to the cluster
        assert there.outputs["out"] == here.outputs["out"] and len(set(here.outputs["out"])) > 1
        assert finished(events, "cls") == {(i,): "succeeded" for i in range(24)}
        assert not [ev for ev in events if isinstance(ev, NodeProgress) and "runs on this machine" in ev.message]
    # each worker that ran items holds one session for the model, however many items and runs it ran
    held = backend.client.run(_sessions_of, str(lib.path("colours")))
    assert set(held.values()) <= {0, 1} and sum(held.values()) >= 1
