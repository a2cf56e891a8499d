"""Load through `nodeloom serve` as a user runs it: 1,000 async runs posted in a burst are accepted up to the
queue's limit (429 beyond), the server is SIGKILLed halfway and started again, and every accepted run ends
`succeeded` — with max_concurrent_runs never exceeded and priorities honoured, both read from the runs' events."""

import asyncio
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest

from engine.store import Store

from .builder import Flow

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]  # (30 s: run with `pytest -m slow`)
BURST, LIMIT, CONCURRENT = 1000, 400, 2


def serve(home):
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "--home", str(home), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert "Nodeloom serves" in line, proc.stderr.read() if proc.poll() is not None else line
    return proc, line.split()[2]


def counts(home) -> dict:
    with sqlite3.connect(home / "nodeloom.db") as db:
        return dict(db.execute("SELECT status, count(*) FROM runs GROUP BY status").fetchall())


def test_a_burst_of_async_runs_all_finish_across_a_sigkill(tmp_path):
    store = Store(tmp_path, install_templates=False)
    wf = (Flow("Load").node("i", "input", name="x").node("d", "delay", seconds=0.002).node("o", "output", name="y")
          .edge("i.value", "d.value", "e1").edge("d.value", "o.value", "e2").build())
    wid = store.workflows.create(wf).id
    for key, value in (("server.requests_per_minute", 10**6), ("server.runs_per_minute", 10**6),
                       ("runs.max_queued_runs", LIMIT), ("runs.max_concurrent_runs", CONCURRENT)):
        store.set_setting(key, value)
    store.close()
    token = None
    proc, url = serve(tmp_path)
    try:
        token = (tmp_path / "server-token").read_text().strip()
        auth = {"Authorization": f"Bearer {token}"}
        rng = random.Random(13)
        priorities = [rng.randint(1, 10) for _ in range(BURST)]

        async def burst():
            limits = httpx.Limits(max_connections=50)
            async with httpx.AsyncClient(base_url=url, headers=auth, timeout=60, limits=limits) as c:
                assert (await c.post("/queue/pause")).status_code == 200
                return await asyncio.gather(*(c.post(f"/workflows/{wid}/run", json={
                    "inputs": {"x": i}, "mode": "async", "priority": p}) for i, p in enumerate(priorities)))

        answers = asyncio.run(burst())
        accepted = {r.json()["run_id"]: p for r, p in zip(answers, priorities) if r.status_code == 202}
        refused = [r for r in answers if r.status_code == 429]
        assert len(accepted) == LIMIT and len(refused) == BURST - LIMIT, {r.status_code for r in answers}
        assert "queue" in refused[0].json()["detail"]
        assert httpx.post(f"{url}/queue/resume", headers=auth).status_code == 200
        deadline = time.monotonic() + 120
        while counts(tmp_path).get("succeeded", 0) < LIMIT // 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc, url = serve(tmp_path)
        while counts(tmp_path).get("succeeded", 0) < LIMIT and time.monotonic() < deadline:
            time.sleep(0.1)
        assert counts(tmp_path) == {"succeeded": LIMIT}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()

    with sqlite3.connect(tmp_path / "nodeloom.db") as db:
        rows = db.execute("SELECT run_id, kind, data FROM run_events WHERE kind IN ('run_started', 'run_finished')")
        spans: dict[str, dict] = {}
        for run_id, kind, data in rows:
            spans.setdefault(run_id, {})[kind] = json.loads(data)["ts"]
        requeued = db.execute("SELECT count(*) FROM runs WHERE requeued > 0").fetchone()[0]
    assert set(spans) == set(accepted) and all(len(s) == 2 for s in spans.values())
    edges = sorted([(s["run_started"], 1) for s in spans.values()] + [(s["run_finished"], -1) for s in spans.values()])
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    assert peak <= CONCURRENT
    order = sorted(spans, key=lambda r: spans[r]["run_started"])
    started = [accepted[r] for r in order]
    assert started == sorted(started, reverse=True), "runs did not start in priority order"
    assert requeued <= CONCURRENT  # the runs the kill interrupted ran again
