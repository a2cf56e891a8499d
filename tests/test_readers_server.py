"""The server's reads see the truth (SPEC §6a, §9): GET /runs/{id}, GET /runs and GET /queue show a run whose
process was SIGKILLed as ``interrupted`` at once (this host), before its lease expired, with no run service of its
own recovering anything yet."""

import asyncio
import json
import signal
import sys
import time

from engine.store import Store

from .builder import Flow
from .server_helpers import with_api
from .test_queue_gui import ROOT, until


def _slow_file(tmp_path):
    path = tmp_path / "slow.json"
    path.write_text(json.dumps(Flow("slow").node("d", "delay", seconds=60).node("o", "output", name="o")
                               .edge("d.value", "o.value").doc))
    return path


async def _killed_run(home, path, reader: Store) -> tuple[str, float]:
    """A ``nodeloom run`` in another process, SIGKILLed once its run is recorded running: (run id, its lease's
    expiry)."""
    before = {r.id for r in reader.runs.list(limit=500)}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "app.cli", "--home", str(home), "run",
                                                str(path), "-q", cwd=ROOT)
    try:
        await until(lambda: any(r.id not in before and r.status == "running" for r in reader.runs.list(limit=500)),
                    timeout=30, what="the other process's run recorded running")
        [run] = [r for r in reader.runs.list(limit=500) if r.id not in before]
        [lease] = [x for x in reader.leases.list() if x.pid == proc.pid]
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    assert reader.runs.get(run.id).status == "running"  # nobody has recovered it: reading the store changes nothing
    return run.id, lease.expires_at


def test_get_run_list_and_queue_each_show_a_killed_process_run_interrupted_at_once(tmp_path):
    home = tmp_path / "home"
    store = Store(home, install_templates=False)
    reader = Store(home, install_templates=False)
    path = _slow_file(tmp_path)

    async def check(client, service, server):
        seen = {}
        run_id, expires = await _killed_run(home, path, reader)
        one = (await client.get(f"/runs/{run_id}")).json()
        seen["GET /runs/{id}"] = (one["status"], one["nodes"]["d"]["status"], time.time() < expires)

        run_id, expires = await _killed_run(home, path, reader)
        page = (await client.get("/runs")).json()["items"]
        seen["GET /runs"] = (next(r["status"] for r in page if r["run_id"] == run_id), time.time() < expires)

        run_id, expires = await _killed_run(home, path, reader)
        view = (await client.get("/queue")).json()
        seen["GET /queue"] = ([r["run_id"] for r in view["running"]], time.time() < expires)
        seen["after"] = reader.runs.get(run_id).status
        return seen

    seen = with_api(store, check)
    assert seen == {"GET /runs/{id}": ("interrupted", "cancelled", True), "GET /runs": ("interrupted", True),
                    "GET /queue": ([], True), "after": "interrupted"}
    reader.close()
    store.close()
