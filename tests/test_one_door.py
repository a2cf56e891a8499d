"""Runs have one door (issue 25, SPEC §6a and §9): an event stream across attempts (a server SIGKILLed mid-run and
started again: the client resuming with its Last-Event-ID gets the attempt-restarted event, the second attempt
from its start to its end, no seq twice), a resume at or past a finished run's end that ends at once, the runs
limit on every route that starts a run, and one run object from the CLI and HTTP alike. Real processes and
sockets."""

import json
import signal
import subprocess
import sys
import time

import httpx
import pytest

from engine.store import Store

from .builder import Flow
from .server_helpers import with_api
from .test_queue_gui import ROOT


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path, install_templates=False)
    yield s
    s.close()


def _serve(home):
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "--home", str(home), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    line = proc.stdout.readline()
    assert "serves http://" in line, proc.stderr.read() if proc.poll() is not None else line
    proc.stdout.readline()  # Authorization: …
    auth = {"Authorization": f"Bearer {(home / 'server-token').read_text().strip()}"}
    return proc, line.split()[2], auth


def _sse(url, auth, run_id, last=None, timeout=30.0) -> list[tuple[int, str, dict]]:
    """Every event of the stream, (seq, kind, data), until it ends."""
    headers = dict(auth) | ({"Last-Event-ID": str(last)} if last is not None else {})
    got, seq, kind = [], None, None
    with httpx.stream("GET", f"{url}/runs/{run_id}/events", headers=headers, timeout=timeout) as r:
        assert r.status_code == 200, r.read()
        for line in r.iter_lines():
            if line.startswith("id: "):
                seq = int(line[4:])
            elif line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                got.append((seq, kind, json.loads(line[6:])))
    return got


def test_a_run_started_again_after_its_server_was_killed_streams_on_without_repeating_a_seq(tmp_path):
    store = Store(tmp_path, install_templates=False)
    wf = (Flow("Slow").node("i", "input", name="x").node("d", "delay", seconds=2.5).node("o", "output", name="y")
          .edge("i.value", "d.value", "e1").edge("d.value", "o.value", "e2").build())
    wid = store.workflows.create(wf).id
    store.close()
    proc, url, auth = _serve(tmp_path)
    try:
        run_id = httpx.post(f"{url}/workflows/{wid}/run", json={"inputs": {"x": 7}, "mode": "async"},
                            headers=auth).json()["run_id"]
        first = []
        with httpx.stream("GET", f"{url}/runs/{run_id}/events", headers=auth, timeout=30) as r:
            for line in r.iter_lines():
                if line.startswith("id: "):
                    first.append(int(line[4:]))
                if line == "event: node_started" and len(first) >= 4:
                    break  # the delay runs: the server dies now
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    proc, url, auth = _serve(tmp_path)  # started again: the run goes back to the queue and starts again
    try:
        events = _sse(url, auth, run_id, last=first[-1])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    kinds = [k for _, k, _ in events]
    seqs = [s for s, _, _ in events]
    assert kinds[0] == "run_restarted" and events[0][2]["attempt"] == 2
    assert kinds[1:3] == ["run_queued", "run_started"] and kinds[-1] == "run_finished"
    assert events[-1][2]["status"] == "succeeded" and events[-1][2]["outputs"] == {"y": 7}
    assert seqs == sorted(set(seqs)) and min(seqs) > max(first)  # never a seq twice, across the attempts


def test_a_resume_at_or_past_a_finished_runs_end_ends_at_once(tmp_path):
    store = Store(tmp_path, install_templates=False)
    wid = store.workflows.create(Flow("Quick").node("c", "constant", value=1).build()).id
    store.close()
    proc, url, auth = _serve(tmp_path)
    try:
        ran = httpx.post(f"{url}/workflows/{wid}/run", json={"mode": "sync"}, headers=auth, timeout=30).json()
        events = _sse(url, auth, ran["run_id"])
        assert events[-1][1] == "run_finished"
        end = events[-1][0]
        for last in (end, end + 1, end + 50):
            t0 = time.perf_counter()
            assert _sse(url, auth, ran["run_id"], last=last) == []  # nothing that did not happen
            assert time.perf_counter() - t0 < 1.0
        assert [e[1] for e in _sse(url, auth, ran["run_id"], last=end - 1)] == ["run_finished"]
        queued = httpx.post(f"{url}/queue/pause", headers=auth)
        assert queued.status_code == 200
        waiting = httpx.post(f"{url}/workflows/{wid}/run", json={"mode": "async"}, headers=auth).json()["run_id"]
        assert httpx.post(f"{url}/runs/{waiting}/cancel", headers=auth).json()["result"] == "cancelled"
        # cancelled while queued: its run_queued (stored when it was queued) and its end
        [(_, queued_kind, _), (seq, kind, data)] = _sse(url, auth, waiting)
        assert queued_kind == "run_queued" and kind == "run_finished" and data["status"] == "cancelled"
        assert _sse(url, auth, waiting, last=seq) == []
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def test_every_route_that_starts_a_run_counts_toward_the_runs_limit(store):
    wid = store.workflows.create(Flow("Counted").node("c", "constant", value=1).build()).id

    async def check(client, service, server):
        ok = await client.post(f"/workflows/{wid}/run", json={"mode": "sync"})
        assert ok.status_code == 200
        run_id = ok.json()["run_id"]
        assert (await client.post(f"/runs/{run_id}/replay")).status_code == 202
        limited = [await client.post(f"/runs/{run_id}/replay"),
                   await client.post("/nodes/test", json={"block": "constant", "config": {"value": 2}, "inputs": {}}),
                   await client.post(f"/workflows/{wid}/run", json={"mode": "async"})]
        assert [r.status_code for r in limited] == [429, 429, 429]
        assert all(int(r.headers["retry-after"]) >= 1 and "runs a minute" in r.json()["detail"] for r in limited)

    with_api(store, check, runs_per_minute=2)


def test_a_run_is_the_same_object_from_the_cli_and_http(tmp_path):
    home = tmp_path / "home"
    wf = Flow("Shape").node("c", "constant", value=3).node("o", "output", name="out").edge("c.value", "o.value").build()
    path = tmp_path / "shape.json"
    path.write_text(wf.model_dump_json())

    def cli(*args):
        done = subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), *args], capture_output=True,
                              text=True, timeout=60, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    ran = cli("run", str(path), "--json")
    [listed] = cli("runs", "--json")
    proc, url, auth = _serve(home)
    try:
        served = httpx.get(f"{url}/runs/{ran['run_id']}", headers=auth).json()
        page = httpx.get(f"{url}/runs", headers=auth).json()["items"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    assert ran["id"] == ran["run_id"] == listed["id"] == served["id"]
    assert set(ran) == set(served) == set(listed) == set(page[0])  # one shape: the same keys everywhere
    assert {k: ran[k] for k in listed if k not in ("nodes", "node_runs")} == \
        {k: listed[k] for k in listed if k not in ("nodes", "node_runs")}
