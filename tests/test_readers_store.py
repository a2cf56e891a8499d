"""The store's reconcile (SPEC §6a, "readers see the truth"): which owners count as gone, and that their runs are
recovered exactly once — leases written straight into the SQLite file, as another machine or a dead process left
them."""

import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from engine.store import Store
from engine.store.leases import process_identity
from engine.store.reconcile import Reconciler


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path, install_templates=False)
    yield s
    s.close()


def lease(home, host: str, pid: int, proc_start: str | None, expires_in: float, lease_id: str = "L1") -> str:
    now = time.time()
    con = sqlite3.connect(home / "nodeloom.db")
    with con:
        con.execute("INSERT INTO leases (id, front, host, pid, proc_start, started_at, heartbeat_at, expires_at, "
                    "dispatching) VALUES (?, 'cli', ?, ?, ?, ?, ?, ?, 0)",
                    (lease_id, host, pid, proc_start, now - 30, now - 1, now + expires_in))
    con.close()
    return lease_id


def running(store, owner: str, *, from_queue: bool) -> str:
    """A run ``owner`` is running (queued first, so it may have come from the queue)."""
    [run_id] = store.queue.add([{"workflow_name": "w", "inputs": {}}])
    con = sqlite3.connect(store.home / "nodeloom.db")
    with con:
        con.execute("UPDATE runs SET status = 'running', owner = ?, started_at = ?, from_queue = ? WHERE id = ?",
                    (owner, time.time(), int(from_queue), run_id))
    con.close()
    return run_id


def expire(home, lease_id: str) -> None:
    con = sqlite3.connect(home / "nodeloom.db")
    with con:
        con.execute("UPDATE leases SET expires_at = ? WHERE id = ?", (time.time() - 1, lease_id))
    con.close()


def statuses(store, *run_ids) -> list[tuple[str, int]]:
    return [(store.runs.get(r).status, store.runs.get(r).requeued) for r in run_ids]


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # exited and reaped: no process has this pid now
    return child.pid


def test_another_hosts_owner_counts_as_gone_only_once_its_lease_expired(store, tmp_path):
    lid = lease(tmp_path, "another-machine.example", os.getpid(), None, expires_in=60)
    queued, direct = running(store, lid, from_queue=True), running(store, lid, from_queue=False)
    assert not store.reconcile()
    assert statuses(store, queued, direct) == [("running", 0), ("running", 0)]
    assert [x.id for x in store.leases.list()] == [lid]
    expire(tmp_path, lid)
    found = Store(tmp_path, install_templates=False).reconcile()
    assert (found.requeued, found.interrupted, found.leases) == ([queued], [direct], [lid])
    assert statuses(store, queued, direct) == [("queued", 1), ("interrupted", 0)]
    assert store.leases.list() == []


def test_this_hosts_dead_process_counts_as_gone_at_once_before_its_lease_expires(store, tmp_path):
    lid = lease(tmp_path, socket.gethostname(), dead_pid(), None, expires_in=60)
    run_id = running(store, lid, from_queue=False)
    found = store.reconcile()
    assert (found.interrupted, found.leases) == ([run_id], [lid])
    run = store.runs.get(run_id)
    assert run.status == "interrupted" and run.finished_at is not None
    assert run.error == "the program stopped while this run was running"
    end = store.events.after(run_id)[-1]  # its end among its events, no duration made up (the row has none)
    assert (end["kind"], end["status"], end["duration_ms"], run.duration_ms) == ("run_finished", "interrupted",
                                                                               None, None)


def test_a_pid_taken_by_a_newer_process_counts_as_gone_and_a_live_owner_is_never_touched(store, tmp_path):
    host, pid, start = process_identity()
    reused = lease(tmp_path, host, pid, "1", expires_in=60, lease_id="reused")  # this pid, another start time
    live = lease(tmp_path, host, pid, start, expires_in=-60, lease_id="live")  # expired (a machine that slept)
    mine = store.leases.acquire("cli", 10)
    gone_run, live_run, my_run = (running(store, lid, from_queue=False) for lid in (reused, live, mine))
    found = store.reconcile()
    assert (found.interrupted, found.leases) == ([gone_run], [reused])
    assert statuses(store, live_run, my_run) == [("running", 0), ("running", 0)]
    assert sorted(x.id for x in store.leases.list()) == sorted([live, mine])


def test_an_exited_process_not_yet_reaped_counts_as_gone(store, tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # it exited; its parent has not reaped it: a zombie
    try:
        lid = lease(tmp_path, socket.gethostname(), child.pid, None, expires_in=60)
        run_id = running(store, lid, from_queue=False)
        assert store.reconcile().interrupted == [run_id]
    finally:
        child.wait()


def test_a_process_in_another_pid_namespace_is_judged_by_its_lease_like_another_host(store, tmp_path):
    """A sandboxed process (flatpak, a container with the host's name) numbers its pids apart: its pid means
    nothing here, so only its lease's expiry tells."""
    lid = lease(tmp_path, socket.gethostname(), dead_pid(), "12345@1", expires_in=60)
    run_id = running(store, lid, from_queue=False)
    assert not store.reconcile()
    assert statuses(store, run_id) == [("running", 0)]
    expire(tmp_path, lid)
    assert Store(tmp_path, install_templates=False).reconcile().interrupted == [run_id]


def test_two_readers_racing_queue_a_run_again_once(store, tmp_path):
    lid = lease(tmp_path, socket.gethostname(), dead_pid(), None, expires_in=60)
    run_id = running(store, lid, from_queue=True)
    other = Store(tmp_path, install_templates=False)
    seen = store.leases.gone()  # the first reader found the dead owner …
    assert seen == [lid]
    assert other.reconcile().requeued == [run_id]  # … the second recovered it meanwhile …
    assert not store.runs.recover_gone(seen)  # … so the first, in its own transaction, finds nothing left to do
    assert statuses(store, run_id) == [("queued", 1)]
    other.close()


def test_an_owner_elsewhere_whose_heartbeat_came_meanwhile_keeps_its_runs(store, tmp_path):
    lid = lease(tmp_path, "another-machine.example", 4242, None, expires_in=-1)
    run_id = running(store, lid, from_queue=False)
    seen = store.leases.gone()
    assert seen == [lid]
    con = sqlite3.connect(tmp_path / "nodeloom.db")
    with con:  # its heartbeat, between the reader's look and its write
        con.execute("UPDATE leases SET expires_at = ? WHERE id = ?", (time.time() + 10, lid))
    con.close()
    assert not store.runs.recover_gone(seen)
    assert statuses(store, run_id) == [("running", 0)] and [x.id for x in store.leases.list()] == [lid]


def test_many_readers_at_once_recover_a_dead_owner_once(tmp_path):
    first = Store(tmp_path, install_templates=False)
    lid = lease(tmp_path, socket.gethostname(), dead_pid(), None, expires_in=60)
    run_ids = [running(first, lid, from_queue=True) for _ in range(3)]
    stores = [Store(tmp_path, install_templates=False) for _ in range(6)]
    gate = threading.Barrier(len(stores))
    found = []

    def read(s):
        gate.wait()
        found.append(s.reconcile())

    threads = [threading.Thread(target=read, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r for f in found for r in f.requeued) == sorted(run_ids)
    assert [f.leases for f in found if f.leases] == [[lid]]
    assert statuses(first, *run_ids) == [("queued", 1)] * 3
    for s in (first, *stores):
        s.close()


def test_a_reader_looks_again_only_after_its_interval(store, tmp_path):
    clock = [1000.0]
    reconcile = Reconciler(store.leases, store.runs, every_s=0.2, clock=lambda: clock[0])
    assert not reconcile()
    lid = lease(tmp_path, socket.gethostname(), dead_pid(), None, expires_in=60)
    run_id = running(store, lid, from_queue=False)
    clock[0] += 0.1
    assert not reconcile()  # throttled: a reader asking twice a second costs one look
    assert statuses(store, run_id) == [("running", 0)]
    clock[0] += 0.1
    assert reconcile().interrupted == [run_id]
