"""Issue 28: a loop's cache entries and node runs are written in batches now — a run reported finished still has
every one of them on disk when its process is killed (kill -9) right after."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from engine.cache import ResultCache
from engine.store import Store

from .builder import Flow

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import asyncio, json, sys, time
from pathlib import Path
from engine.runs import RunService, RunSettings
from engine.store import Store
store = Store(Path(sys.argv[1]), install_templates=False)
async def go():
    async with RunService(store, RunSettings()) as service:
        for k in range(3):
            result = await service.start("loop", {"items": list(range(k * 100, k * 100 + 100))}).result()
            print(json.dumps([result.run_id, result.status]), flush=True)
        time.sleep(60)  # (killed here, nothing closed)
asyncio.run(go())
"""


def test_a_loop_reported_finished_keeps_its_rows_and_cache_entries_after_kill_9(tmp_path):
    store = Store(tmp_path, install_templates=False)
    store.workflows.create(Flow("loop").node("in", "input", name="items", type="list").node("each", "foreach")
                           .node("sq", "transform", expression="data * data").node("col", "collect")
                           .node("out", "output", name="out").edge("in.value", "each.items")
                           .edge("each.item", "sq.data").edge("sq.result", "col.value")
                           .edge("col.items", "out.value").build())
    store.close()
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "NODELOOM_HOME": str(tmp_path)})
    try:
        reported = [json.loads(proc.stdout.readline()) for _ in range(3)]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert [status for _, status in reported] == ["succeeded"] * 3
    store = Store(tmp_path, install_templates=False)
    cache = ResultCache(store.cache.directory)
    try:
        for k, (run_id, _) in enumerate(reported):
            info, nodes = store.runs.with_nodes(run_id)
            assert info.status == "succeeded" and info.outputs == {"out": [i * i for i in range(k * 100, k * 100 + 100)]}
            squares = [n for n in nodes if n.node_id == "sq"]
            assert len(squares) == 100 and {n.status for n in squares} == {"succeeded"}
            assert all(cache.lookup(n.output_ref) is not None for n in squares)
    finally:
        cache.close()
        store.close()
