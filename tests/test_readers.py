"""Readers see the truth (SPEC §6a, issue "readers see the truth"): every command that reads runs shows a run whose
owner is gone as ``interrupted``, never ``running`` — with no run service anywhere on the data folder. Real
processes, SIGKILLed; then ``nodeloom runs`` / ``nodeloom queue list`` ALONE, and nothing else, reads the folder."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.store import Store

from .builder import Flow

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


def nodeloom(home, *args, timeout=60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=ENV)


def started(home, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "app.cli", "--home", str(home), *map(str, args)], cwd=ROOT,
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def runs(home) -> dict[str, dict]:
    done = nodeloom(home, "runs", "--json")
    assert done.returncode == 0, done.stderr
    return {r["id"]: r for r in json.loads(done.stdout)}


def queue(home, *verb) -> dict:
    done = nodeloom(home, "queue", *verb, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def until(read, what: str, timeout: float = 40.0):
    """``read()`` again (each time a real command) until it answers something true; that answer."""
    deadline = time.time() + timeout
    while not (found := read()):
        assert time.time() < deadline, f"{what} did not happen within {timeout:g} s"
    return found


def slow(seconds: float, name: str = "slow") -> Flow:
    return Flow(name).node("d", "delay", seconds=seconds).node("o", "output", name="o").edge("d.value", "o.value")


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)  # reaped: its pid is gone


def lease_of(home, pid: int):
    store = Store(home, install_templates=False)
    try:
        return next(lease for lease in store.leases.list() if lease.pid == pid)
    finally:
        store.close()


@pytest.fixture
def home(tmp_path):
    store = Store(tmp_path, install_templates=False)
    store.workflows.create(slow(60).build())
    store.close()
    return tmp_path


def test_a_sigkilled_nodeloom_run_reads_interrupted_at_once_in_nodeloom_runs(home, tmp_path):
    wf = tmp_path / "slow.json"
    wf.write_text(json.dumps(slow(60).doc))
    proc = started(home, "run", wf, "--json", "-q")
    try:
        run_id = until(lambda: next((i for i, r in runs(home).items() if r["status"] == "running"), None),
                       "the run listed as running")
        lease = lease_of(home, proc.pid)
    finally:
        kill(proc)
    run = runs(home)[run_id]  # nodeloom runs alone: no editor, worker or server opened this folder since
    assert time.time() < lease.expires_at, "read before the lease expired: the dead process was seen at once"
    assert run["status"] == "interrupted" and run["finished_at"] is not None
    assert run["error"] == "the program stopped while this run was running"
    store = Store(home, install_templates=False)
    assert [(n.node_id, n.status) for n in store.runs.nodes(run_id)] == [("d", "cancelled")]
    assert store.leases.list() == []  # the dead process's lease is gone with it
    store.close()
    assert runs(home)[run_id] == run  # reading again changes nothing


def test_a_queued_run_whose_worker_is_killed_is_queued_again_once_then_interrupted(home):
    enqueued = nodeloom(home, "run", "slow", "--enqueue")
    assert enqueued.returncode == 0, enqueued.stderr
    [run_id] = enqueued.stdout.split()

    def running_in(worker) -> dict:
        assert worker.stdout.readline().startswith("dispatching the queue"), worker.stderr.read()
        return until(lambda: next((r for r in queue(home)["running"] if r["id"] == run_id), None),
                     "the queued run running in the worker")

    first = started(home, "worker")
    try:
        assert running_in(first)["requeued"] == 0
        lease = lease_of(home, first.pid)
    finally:
        kill(first)
    view = queue(home, "list")  # nodeloom queue list alone
    assert time.time() < lease.expires_at
    assert view["running"] == [] and [(r["id"], r["status"], r["requeued"]) for r in view["queued"]] == [
        (run_id, "queued", 1)]
    assert runs(home)[run_id]["status"] == "queued"
    assert queue(home)["queued"][0]["requeued"] == 1  # not queued again twice

    second = started(home, "worker")
    try:
        assert running_in(second)["requeued"] == 1
    finally:
        kill(second)
    view = queue(home)  # nodeloom queue --json alone
    assert view == {"paused": False, "running": [], "queued": []}
    run = runs(home)[run_id]
    assert (run["status"], run["requeued"]) == ("interrupted", 1)


def test_a_live_run_of_another_process_stays_running_while_readers_read(home, tmp_path):
    wf = tmp_path / "live.json"
    wf.write_text(json.dumps(slow(20, "live").doc))  # (four CLI readers take ~1-3 s each on a loaded machine)
    proc = started(home, "run", wf, "--json", "-q")
    run_id = until(lambda: next((i for i, r in runs(home).items() if r["status"] == "running"), None),
                   "the run listed as running")
    seen = [runs(home)[run_id]["status"], [r["id"] for r in queue(home)["running"]],
            [r["id"] for r in queue(home, "list")["running"]], runs(home)[run_id]["status"]]
    out, err = proc.communicate(timeout=60)
    assert seen == ["running", [run_id], [run_id], "running"]
    assert proc.returncode == 0, err
    assert json.loads(out)["status"] == "succeeded" and runs(home)[run_id]["status"] == "succeeded"
