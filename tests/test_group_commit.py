"""Group commit of run records (issue 28, SPEC §7): batches are committed without waiting for the disk and synced
together afterwards, and a run is reported finished only once its record is synced — what a kill -9 or a
power cut cannot take back."""

import asyncio
import signal
import sqlite3

from engine.runs import RunService, RunSettings
from engine.store import Store

from .builder import Flow
from .test_processes import line, worker


def quick() -> Flow:
    return Flow("quick").node("c", "constant", value=1).node("o", "output", name="o").edge("c.value", "o.value")


def finished_ids(path) -> set[str]:
    """What another connection sees committed as succeeded now."""
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT id FROM runs WHERE status = 'succeeded'")}
    finally:
        con.close()


def durable_runs(db) -> set[str]:
    """The runs committed as finished before a sync of ``db`` began, once that sync returned (filled as it goes)."""
    durable: set[str] = set()
    real_sync = db.sync

    def sync():
        committed = finished_ids(db.path)
        real_sync()
        durable.update(committed)

    db.sync = sync
    return durable


def test_an_unsynced_write_does_not_leave_the_connection_unsynced(tmp_path):
    store = Store(tmp_path, install_templates=False)
    db = store.db
    levels = []
    for synced in (False, True, False, True):
        with db.write(synced=synced) as s:
            levels.append(s.connection().exec_driver_sql("PRAGMA synchronous").scalar())
    assert levels == [1, 2, 1, 2]  # NORMAL, FULL: each write says what it needs, whatever came before
    db.sync()  # (and syncing with nothing unsynced is harmless)
    store.close()


def test_a_run_is_reported_finished_only_after_a_sync_that_began_after_its_record_was_committed(tmp_path):
    store = Store(tmp_path, install_templates=False)
    store.workflows.create(quick().build())
    durable = durable_runs(store.db)

    async def go():
        async with RunService(store, RunSettings()) as service:
            handles = [service.start("quick") for _ in range(40)]
            late = []
            for handle in handles:
                result = await handle.result()
                assert result.status == "succeeded"
                late += [handle.run_id] if handle.run_id not in durable else []
            return late

    assert asyncio.run(go()) == []
    store.close()


def test_a_run_object_is_read_while_the_disk_syncs_and_given_only_once_it_is_synced(tmp_path):
    """A sync run's answer (HTTP, ``nodeloom run --json``): read once its record is committed — meanwhile the
    writer fsyncs — and returned after the sync that made it durable."""
    from engine.runs import recorded_run_json

    store = Store(tmp_path, install_templates=False)
    store.workflows.create(quick().build())
    synced = durable_runs(store.db)

    async def go():
        async with RunService(store, RunSettings()) as service:
            answers = []
            for _ in range(20):
                handle = service.start("quick")
                result = await handle.ended()  # (the run ended; its record may not be written yet)
                answer = await recorded_run_json(service, result.run_id)
                answers.append((answer, result.run_id in synced))
            return answers

    for answer, was_synced in asyncio.run(go()):
        assert answer["status"] == "succeeded" and answer["outputs"] == {"o": 1}
        assert len(answer["node_runs"]) == 2 and {n["status"] for n in answer["node_runs"]} <= {"succeeded", "cached"}
        assert was_synced
    store.close()


def test_runs_that_end_together_share_a_sync(tmp_path):
    store = Store(tmp_path, install_templates=False)
    store.workflows.create(quick().build())
    db = store.db
    syncs = []
    real_sync = db.sync
    db.sync = lambda: (syncs.append(1), real_sync())

    async def go():
        async with RunService(store, RunSettings()) as service:
            handles = [service.start("quick") for _ in range(50)]
            return [(await h.result()).status for h in handles]

    assert asyncio.run(go()) == ["succeeded"] * 50
    assert 1 <= len(syncs) < 25  # one fsync for the runs whose ends were committed meanwhile, not one a run
    store.close()


def test_a_worker_killed_mid_drain_keeps_every_run_it_reported_finished(tmp_path):
    store = Store(tmp_path, install_templates=False)
    store.workflows.create(quick().build())
    store.queue.pause()

    async def enqueue():
        async with RunService(store, RunSettings()) as service:
            return await service.enqueue_many("quick", [{}] * 300)

    ids = asyncio.run(enqueue())
    store.close()
    proc = worker("drain", tmp_path, 2)
    reported = []
    while len(reported) < 40:
        word, run_id = line(proc)
        assert word == "recorded"
        reported.append(run_id)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert set(reported) <= set(ids)
    store = Store(tmp_path, install_templates=False)
    statuses = {r.id: r.status for r in store.runs.list(limit=1000)}
    store.close()
    assert {statuses[run_id] for run_id in reported} == {"succeeded"}


def test_a_run_that_ends_while_a_batch_is_being_written_is_written_right_after_it(tmp_path, monkeypatch):
    """Its end pokes the recorder while the recorder is not waiting for a poke: that must not be lost (it was:
    the next batch then waited the whole coalescing pause)."""
    import time

    from engine.runs import recorder

    monkeypatch.setattr(recorder, "COALESCE_S", 5.0)  # a lost poke now costs 5 s instead of 20 ms
    store = Store(tmp_path, install_templates=False)
    store.workflows.create(quick().build())

    async def until_done(handle):
        while not handle.done():
            await asyncio.sleep(0.005)

    async def go():
        async with RunService(store, RunSettings()) as service:
            blocker = sqlite3.connect(store.db.path, isolation_level=None)
            blocker.execute("BEGIN IMMEDIATE")  # the recorder's next write waits for this lock
            a = service.start("quick")
            await until_done(a)
            await asyncio.sleep(0.1)  # (the recorder took a's batch to its writer, which waits for the lock)
            b = service.start("quick")
            await until_done(b)
            blocker.execute("ROLLBACK")
            blocker.close()
            t0 = time.monotonic()
            await b.result()
            return time.monotonic() - t0

    assert asyncio.run(go()) < 2.0
    store.close()
