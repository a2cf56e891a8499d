"""Run records, replay, and what survives a crash."""

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.runs import RunService
from engine.store import Store
from engine.store.workflows import document_hash

from .builder import Flow

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path)
    yield s
    s.close()


def launch(store, fn, trigger="editor"):
    async def go():
        async with RunService(store, trigger=trigger) as service:
            return await fn(service)

    return asyncio.run(go())


def test_runs_and_node_runs_are_recorded(store):
    tpl = next(w for w in store.workflows.list(templates=True).items if w.name == "Big or small")
    result = launch(store, lambda s: s.start(tpl.id, {"number": 30}).result(), trigger="cli")
    run = store.runs.get(result.run_id)
    assert (run.status, run.trigger, run.workflow_id, run.version) == ("succeeded", "cli", tpl.id, 1)
    assert run.inputs == {"number": 30} and run.outputs == {"verdict": "big", "result": 60,
                                                            "message": "60 came out of the branch"}
    assert run.started_at <= run.finished_at and run.duration_ms > 0
    nodes = {n.node_id: n for n in store.runs.nodes(result.run_id)}
    assert nodes["add"].status == "skipped" and nodes["double"].status == "succeeded"
    assert nodes["double"].output_summary == {"result": "60"} and nodes["double"].output_ref
    assert [r.id for r in store.runs.list(tpl.id)] == [result.run_id]


def test_failed_runs_are_recorded_with_their_error(store):
    wf = Flow("fails").node("t", "transform", expression="1 / 0").build()
    result = launch(store, lambda s: s.start(wf).result())
    run = store.runs.get(result.run_id)
    assert run.status == "failed" and run.error == "node 't' failed: division by zero in '1 / 0'"
    [node] = store.runs.nodes(result.run_id)
    assert (node.status, node.error) == ("failed", "division by zero in '1 / 0'")


def test_replay_and_replay_from_a_node(store):
    tpl = next(w for w in store.workflows.list(templates=True).items if w.name == "Image pipeline")

    async def go(service):
        first = await service.start(tpl.id, use_cache=False).result()
        sub = service.subscribe()
        again = await service.replay(first.run_id, use_cache=False).result()
        from_blur = await service.replay(first.run_id, from_node="blur", use_cache=False).result()
        events = sub.drain()
        return first, again, from_blur, events

    first, again, from_blur, events = launch(store, go)
    assert again.outputs["width"] == first.outputs["width"] == 160
    assert from_blur.outputs["mask"].tobytes() == first.outputs["mask"].tobytes()
    replayed = {e.node_id: e.status for e in events if e.kind == "node_finished" and e.run_id == from_blur.run_id}
    downstream = {"blur", "mask", "info", "out_mask", "out_width", "out_height"}
    assert {n for n, s in replayed.items() if s != "cached"} == downstream
    run = store.runs.get(from_blur.run_id)
    assert (run.trigger, run.replay_of, run.from_node) == ("replay", first.run_id, "blur")


def _start(mode, home):
    proc = subprocess.Popen([sys.executable, "-m", "tests.store_worker", mode, str(home)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc


def recover_once(home):
    async def go():
        store = Store(home, install_templates=False)
        async with RunService(store) as service:
            found = service.recovered
        store.close()
        return found

    return asyncio.run(go())


def test_a_run_killed_mid_way_is_interrupted_once_its_lease_expires(tmp_path):
    proc = _start("run", tmp_path)
    finished_line = proc.stdout.readline().split()
    running_line = proc.stdout.readline().split()
    assert finished_line[0] == "finished" and running_line[0] == "running", proc.stderr.read()
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    con = sqlite3.connect(tmp_path / "nodeloom.db")
    before = con.execute("SELECT * FROM runs WHERE id = ?", (finished_line[1],)).fetchone()
    con.close()
    store = Store(tmp_path, install_templates=False)
    assert store.runs.get(running_line[1]).status == "running"  # opening the store never changes a run
    [lease] = store.leases.list()
    while time.time() <= lease.expires_at:  # the worker's lease lasts 1 s past its last heartbeat
        time.sleep(0.05)
    found = recover_once(tmp_path)
    assert found.interrupted == [running_line[1]] and found.leases == [lease.id]
    run = store.runs.get(running_line[1])
    assert run.status == "interrupted" and run.finished_at is not None
    assert [n.status for n in store.runs.nodes(running_line[1])] == ["cancelled"]
    con = sqlite3.connect(tmp_path / "nodeloom.db")
    assert con.execute("SELECT * FROM runs WHERE id = ?", (finished_line[1],)).fetchone() == before
    con.close()
    assert store.runs.get(finished_line[1]).status == "succeeded"
    store.close()
    assert not recover_once(tmp_path)  # recovering twice changes nothing


def test_versions_survive_sigkill_50_times(tmp_path):
    """50 processes saving versions, each SIGKILLed at a random moment: the database stays whole. (They are
    forked from one process that imported everything once.)"""
    rng = random.Random(1234)
    zygote = subprocess.Popen([sys.executable, "-m", "tests.store_worker", "save-forks", str(tmp_path)], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(50):
            zygote.stdin.write("go\n")
            zygote.stdin.flush()
            said = zygote.stdout.readline().split()
            assert said[:1] == ["ready"], zygote.stderr.read() if zygote.poll() is not None else said
            pid = int(said[1])
            time.sleep(rng.uniform(0.0, 0.25))
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while True:  # gone (the zygote's children are reaped as they die)
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                assert time.monotonic() < deadline, f"process {pid} did not die"
                time.sleep(0.005)
            con = sqlite3.connect(tmp_path / "nodeloom.db")
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            rows = con.execute("SELECT number, document, content_hash FROM workflow_versions ORDER BY number").fetchall()
            assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
            assert all(document_hash(doc) == h for _, doc, h in rows)
            (current,) = con.execute("SELECT current_version FROM workflows").fetchone()
            assert current == len(rows)
            con.close()
    finally:
        zygote.kill()
        zygote.wait()
    assert len(rows) > 50  # versions were really being written when the kills came
