"""python blocks: user code in a separate, killable, memory-capped process with a clean environment."""

import asyncio
import os
import time
from pathlib import Path

import pytest
from PIL import Image

from engine.executor import Executor
from engine.events import NodeFinished, NodeProgress
from engine.folders import resources_dir

from .builder import Flow, brief

CONTINUE = {"on_error": "continue"}


def gone_within(pid: int, seconds: float) -> bool:
    """Whether process ``pid`` ends within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def finished(events, node_id):
    (ev,) = [e for e in events if isinstance(e, NodeFinished) and e.node_id == node_id]
    return ev


def test_main_gets_the_data_and_its_prints_are_the_node_log(run_flow):
    code = "def main(data):\n    print('got', data)\n    return {'double': data['x'] * 2}\n"
    wf = (Flow().node("c", "constant", value={"x": 21}).node("p", "python", code=code)
          .node("o", "output", name="r").chain("c.value", "p.data").edge("p.result", "o.value").build())
    result, events = run_flow(wf)
    assert result.status == "succeeded", result.error
    assert result.outputs["r"] == {"double": 42}
    assert ("progress", "p", "got {'x': 21}") in [brief(e) for e in events]


def test_images_go_in_and_come_out_as_images(run_flow):
    code = ("def main(data):\n    img = data['image']\n"
            "    return {'image': img.rotate(90, expand=True), 'size': list(img.size)}\n")
    wf = (Flow().node("l", "image_load", source=str(resources_dir() / "samples" / "landscape.png"))
          .node("p", "python", code=code).node("o", "output", name="r")
          .node("pack", "transform", expression="{'image': data}")
          .chain("l.image", "pack.data").chain("pack.result", "p.data").edge("p.result", "o.value").build())
    result, _ = run_flow(wf)
    assert result.status == "succeeded", result.error
    w, h = result.outputs["r"]["size"]
    img = result.outputs["r"]["image"]
    assert isinstance(img, Image.Image) and img.size == (h, w)


def test_runaway_code_is_killed_and_the_rest_of_the_run_finishes(run_flow):
    """An endless loop, os._exit, a segfault and an allocation beyond memory_mb, all in one run, beside
    healthy nodes; the event loop keeps turning meanwhile."""
    bad = {
        "loop": ("def main(data):\n    while True:\n        pass\n", {"timeout_s": 1}),
        "exit": ("import os\ndef main(data):\n    os._exit(3)\n", {}),
        "segv": ("import ctypes\ndef main(data):\n    return ctypes.string_at(0)\n", {}),
        "oom": ("def main(data):\n    block = bytearray(1024 * 1024 * 1024)\n    return len(block)\n",
                {"memory_mb": 256}),
    }
    f = Flow().node("ok", "python", code="def main(data):\n    return 'fine'\n").node("wait", "delay", seconds=0.5)
    f.node("o1", "output", name="ok").node("o2", "output", name="waited")
    f.edge("ok.result", "o1.value").edge("wait.value", "o2.value")
    for nid, (code, cfg) in bad.items():
        f.node(nid, "python", code=code, settings=CONTINUE, **cfg)

    async def go():
        ticks = []

        async def probe():
            while True:
                ticks.append(time.perf_counter())
                await asyncio.sleep(0.01)

        ex = Executor()
        sub = ex.subscribe()
        prober = asyncio.ensure_future(probe())
        t0 = time.perf_counter()
        result = await ex.run(f.build())
        took = time.perf_counter() - t0
        prober.cancel()
        ex.close()
        return result, sub.drain(), took, max(b - a for a, b in zip(ticks, ticks[1:]))

    result, events, took, worst_gap = asyncio.run(go())
    assert result.outputs == {"ok": "fine", "waited": None}
    errors = {nid: finished(events, nid).error for nid in bad}
    assert all(finished(events, nid).status == "failed" for nid in bad)
    assert errors["loop"] == "the code ran longer than timeout_s = 1 s and was stopped"
    assert errors["exit"].startswith("the code failed: its process ended with exit code 3 before returning")
    assert errors["segv"].startswith("the code failed: its process was killed by SIGSEGV")
    assert errors["oom"] == "MemoryError: the code needed more than memory_mb = 256 MB"
    assert took < 5
    assert worst_gap < 0.5, f"the event loop stalled {worst_gap * 1000:.0f} ms"


def test_a_python_error_keeps_the_users_traceback(run_flow):
    code = "def helper(x):\n    return x / 0\n\ndef main(data):\n    return helper(1)\n"
    result, events = run_flow(Flow().node("p", "python", code=code).build())
    ev = finished(events, "p")
    assert ev.error == "ZeroDivisionError: division by zero"
    assert 'File "<python block>", line 2, in helper' in ev.traceback
    assert "worker.py" not in ev.traceback
    result, events = run_flow(Flow().node("p", "python", code="x = 1\n").build())
    assert finished(events, "p").error == "NameError: the code must define main(data)"
    result, events = run_flow(Flow().node("p", "python", code="def main(data):\n    return object()\n").build())
    assert "returned a object, which is not JSON, bytes or an image" in finished(events, "p").error


def test_no_secrets_reach_the_code(run_flow, monkeypatch):
    monkeypatch.setenv("NODELOOM_TOKEN", "s3cret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cret")
    code = "import os\ndef main(data):\n    return dict(os.environ)\n"
    result, _ = run_flow(Flow().node("p", "python", code=code).node("o", "output", name="env")
                         .edge("p.result", "o.value").build())
    env = result.outputs["env"]
    assert "s3cret" not in repr(env)
    assert set(env) <= {"PATH", "LANG", "LC_ALL", "PYTHONIOENCODING", "PYTHONDONTWRITEBYTECODE"}


def test_cancelling_a_run_kills_the_process_within_a_second(tmp_path, run_flow):
    code = ("import os, time\ndef main(data):\n    open('pid', 'w').write(str(os.getpid()))\n"
            "    time.sleep(60)\n")
    wf = Flow().node("p", "python", code=code, timeout_s=120).build()

    async def go():
        ex = Executor()
        handle = ex.start(wf, base_dir=tmp_path)
        pid_file = tmp_path / "pid"
        while not pid_file.exists() or not pid_file.read_text():
            await asyncio.sleep(0.01)
        t0 = time.perf_counter()
        handle.cancel()
        result = await handle
        ex.close()
        return result, time.perf_counter() - t0, int(pid_file.read_text())

    result, took, pid = asyncio.run(go())
    assert result.status == "cancelled" and took < 1
    assert gone_within(pid, 2), "the code's process outlived the cancelled run"


def test_the_setting_turns_python_blocks_off(run_flow):
    import dataclasses

    from engine.blocks import OPEN_POLICY

    off = dataclasses.replace(OPEN_POLICY, allow_python_blocks=False)
    result, events = run_flow(Flow().node("p", "python").build(), policy=off)
    assert finished(events, "p").error == "python blocks are turned off in the settings"


def test_code_outlives_nodeloom_by_at_most_a_second(tmp_path):
    """Nodeloom SIGKILLed mid-run (it cannot clean up): the code's process ends by itself."""
    import signal
    import subprocess
    import sys

    script = tmp_path / "parent.py"
    script.write_text(
        "import asyncio, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
        "from engine.executor import Executor\n"
        "from tests.builder import Flow\n"
        "code = \"import os\\ndef main(data):\\n    open('pid', 'w').write(str(os.getpid()))\\n    while True:\\n        pass\\n\"\n"
        "wf = Flow().node('p', 'python', code=code, timeout_s=600).build()\n"
        f"asyncio.run(Executor().run(wf, base_dir={str(tmp_path)!r}))\n")
    parent = subprocess.Popen([sys.executable, str(script)], cwd=str(tmp_path))
    pid_file = tmp_path / "pid"
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text()):
        assert time.monotonic() < deadline and parent.poll() is None, "the code never started"
        time.sleep(0.05)
    pid = int(pid_file.read_text())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    if not gone_within(pid, 3):
        os.kill(pid, signal.SIGKILL)
        pytest.fail("the code's process outlived Nodeloom")


PID_CODE = ("import os\ncalls = globals().get('calls', 0) + 1\n"
            "def main(data):\n    print('item', data, 'pid', os.getpid())\n    if data == 'boom':\n        raise ValueError('boom')\n"
            "    return {'pid': os.getpid(), 'calls': calls}\n")


def loop_flow(items, nodes=("p",)):
    f = Flow().node("c", "constant", value=items).node("f", "foreach")
    for nid in nodes:
        f.node(nid, "python", code=PID_CODE, settings=CONTINUE).node(f"k_{nid}", "collect", filter_nulls=False)
        f.node(f"o_{nid}", "output", name=nid)
        f.chain("f.item", f"{nid}.data").chain(f"{nid}.result", f"k_{nid}.value").chain(f"k_{nid}.items", f"o_{nid}.value")
    return f.chain("c.value", "f.items").build()


def test_a_loop_reuses_its_nodes_worker_with_fresh_globals_and_its_own_log_lines(run_flow):
    result, events = run_flow(loop_flow(list(range(20))))
    assert result.status == "succeeded", result.error
    rows = result.outputs["p"]
    assert {r["calls"] for r in rows} == {1}  # the code's globals are new for every item
    assert len({r["pid"] for r in rows}) < 20  # but the process is not
    logs = {e.iteration: e.message for e in events if isinstance(e, NodeProgress) and e.node_id == "p"}
    assert logs == {(i,): f"item {i} pid {rows[i]['pid']}" for i in range(20)}


def test_workers_are_never_shared_across_nodes_or_runs_or_after_a_failure(run_flow):
    first, _ = run_flow(loop_flow([1, 2, 3], nodes=("p", "q")))
    second, _ = run_flow(loop_flow([1, 2, 3], nodes=("p", "q")))
    pids = {(run, nid): {r["pid"] for r in res.outputs[nid]} for run, res in (("a", first), ("b", second))
            for nid in ("p", "q")}
    for x in pids:
        for y in pids:
            assert x == y or not (pids[x] & pids[y]), (x, y)
    result, events = run_flow(loop_flow([1, "boom", 2, 3]))
    rows = result.outputs["p"]
    assert rows[1] is None  # the failed item (on_error: continue)
    (boom,) = [e.message for e in events if isinstance(e, NodeProgress) and e.iteration == (1,)]
    failed_pid = int(boom.rsplit(" ", 1)[1])
    assert failed_pid not in {rows[2]["pid"], rows[3]["pid"]}  # a worker whose job failed is not reused


def test_idle_workers_stop(run_flow, monkeypatch):
    import engine.sandbox as sandbox

    monkeypatch.setattr(sandbox, "IDLE_S", 0.2)
    wf = loop_flow([1, 2])

    async def go():
        ex = Executor()
        result = await ex.run(wf)
        await asyncio.sleep(0.6)  # past IDLE_S: the purge has run
        ex.close()
        return result

    result = asyncio.run(go())
    pids = {r["pid"] for r in result.outputs["p"]}
    assert all(gone_within(pid, 1) for pid in pids)
