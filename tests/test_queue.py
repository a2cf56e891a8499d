"""The run service's persistent queue (SPEC §6a) on a real SQLite file: order, concurrency, pause, moves,
priorities, cancelling, one dispatcher at a time, group commits, and a policy per service."""

import asyncio
import random
import time

import pytest
from sqlalchemy import event

from engine.errors import InputError, NotFound, QueueError, QueueFull
from engine.runs import RunFinished, RunService, RunSettings, RunStarted
from engine.store import Store

from .builder import Flow

FAST = RunSettings(max_concurrent_runs=3, heartbeat_s=0.2, lease_ttl_s=1.0, queue_poll_s=0.05)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path, install_templates=False)
    yield s
    s.close()


def numbered(store, seconds=0.01):
    wf = (Flow("numbered").node("n", "input", name="n", type="integer").node("d", "delay", seconds=seconds)
          .node("o", "output", name="n").edge("n.value", "d.value").edge("d.value", "o.value").build())
    return store.workflows.create(wf).id


async def until(condition, timeout=30.0, what="the condition"):
    t0 = time.perf_counter()
    while not condition():
        assert time.perf_counter() - t0 < timeout, f"{what} did not happen within {timeout} s"
        await asyncio.sleep(0.01)


def status(store, run_id):
    """A run's stored status (None until its first events are written)."""
    try:
        return store.runs.get(run_id).status
    except NotFound:
        return None


def drained(store):
    view = store.queue.view()
    return not view.waiting and not view.running


async def collect(sub, into: list) -> None:
    async for ev in sub:
        into.append(ev)


def starts(events):
    return [e.run_id for e in events if isinstance(e, RunStarted)]


def test_200_runs_start_by_priority_then_age_never_more_than_3_at_once(store):
    wid = numbered(store)
    rng = random.Random(7)
    priorities = [rng.choice([1, 5, 5, 9, 10]) for _ in range(200)]

    async def go():
        async with RunService(store, FAST, dispatch=True) as service:
            service.pause()
            ids = await asyncio.gather(*(service.enqueue(wid, {"n": i}, priority=p)
                                         for i, p in enumerate(priorities)))
            sub = service.subscribe()
            service.resume()
            await until(lambda: drained(store), what="200 runs")
            await asyncio.sleep(0.05)
            return ids, sub.drain()

    ids, events = asyncio.run(go())
    expected = [rid for _, _, rid in sorted((-p, i, rid) for i, (p, rid) in enumerate(zip(priorities, ids)))]
    assert starts(events) == expected
    running, most = set(), 0
    for e in events:
        if isinstance(e, RunStarted):
            running.add(e.run_id)
            most = max(most, len(running))
        elif isinstance(e, RunFinished):
            running.discard(e.run_id)
    assert most == 3
    assert {store.runs.get(rid).outputs["n"] for rid in ids} == set(range(200))


def test_pause_holds_new_starts_and_resume_continues(store):
    wid = numbered(store, seconds=0.05)

    async def go():
        async with RunService(store, FAST, dispatch=True) as service:
            seen = []
            sub = service.subscribe()
            collecting = asyncio.ensure_future(collect(sub, seen))
            ids = await service.enqueue_many(wid, [{"n": i} for i in range(30)])
            await until(lambda: len(starts(seen)) >= 6, what="six starts")
            service.pause()
            await until(lambda: not store.queue.view().running, what="the running ones to finish")
            before = len(starts(seen))
            await asyncio.sleep(0.5)
            held = len(starts(seen)) - before
            collecting.cancel()
            service.resume()
            await until(lambda: drained(store), what="the rest")
            return ids, before, held

    ids, before, held = asyncio.run(go())
    assert held == 0 and 6 <= before < 30
    assert {store.runs.get(i).status for i in ids} == {"succeeded"}


def test_a_move_a_priority_and_run_next_take_effect_and_survive_a_restart(tmp_path):
    store = Store(tmp_path, install_templates=False)
    wid = numbered(store)

    async def queue_them():
        service = RunService(store, FAST)
        service.pause()
        names = dict(zip("ABCDE", await service.enqueue_many(wid, [{"n": i} for i in range(5)])))
        service.move(names["E"], before=names["A"])      # E A B C D
        service.set_priority(names["C"], 9)              # C E A B D
        service.run_next(names["D"])                     # D C E A B
        await service.close()
        return names

    names = asyncio.run(queue_them())
    store.close()
    store = Store(tmp_path, install_templates=False)  # the order is in the database
    by_id = {v: k for k, v in names.items()}
    assert [by_id[r.id] for r in store.queue.view().queued] == list("DCEAB")

    async def run_them():
        async with RunService(store, FAST.replace(max_concurrent_runs=1), dispatch=True) as service:
            sub = service.subscribe()
            service.resume()
            await until(lambda: drained(store), what="five runs")
            return sub.drain()

    assert [by_id[r] for r in starts(asyncio.run(run_them()))] == list("DCEAB")
    store.close()


def test_many_moves_between_the_same_two_runs_keep_the_order(store):
    wid = numbered(store)
    ids = store.queue.add([{"workflow_id": wid, "version": 1, "inputs": {"n": i}} for i in range(3)])
    first, second, third = ids
    expected = [first, second, third]
    for _ in range(60):  # halving the gap 60 times would run out of float precision: positions are renumbered
        store.queue.move(third, after=first)
        store.queue.move(second, after=third)
        expected = [first, third, second] if expected[1] == second else [first, second, third]
        store.queue.move(expected[1], after=first)
    assert [r.id for r in store.queue.view().queued][0] == first
    store.queue.move(first, after=third)
    assert [r.id for r in store.queue.view().queued][-1] == first
    assert len({r.queue_position for r in store.queue.view().queued}) == 3


def test_queue_operations_refuse_what_cannot_be_done(store):
    wid = numbered(store)
    [a, b] = store.queue.add([{"workflow_id": wid, "version": 1, "inputs": {"n": i}} for i in range(2)])
    for bad in (0, 11, "7", True, 5.0, None):
        with pytest.raises(QueueError, match="priority must be a whole number from 1 to 10"):
            store.queue.set_priority(a, bad)
    with pytest.raises(QueueError, match="relative to itself"):
        store.queue.move(a, before=a)
    with pytest.raises(QueueError, match="exactly one of before and after"):
        store.queue.move(a)
    with pytest.raises(QueueError, match="no run with id 'nope'"):
        store.queue.move("nope", before=a)
    assert store.queue.cancel(b) == "cancelled"
    with pytest.raises(QueueError, match=f"run {b} is cancelled, not queued"):
        store.queue.move(a, after=b)
    with pytest.raises(QueueError, match="already ended"):
        store.queue.cancel(b)

    async def go():
        service = RunService(store, FAST.replace(max_queued_runs=3))
        with pytest.raises(InputError) as refused:
            await service.enqueue_many(wid, [{"n": 1}, {"n": "one"}, {"m": 2}])
        with pytest.raises(ValueError, match="copies must be from 1 to 100000"):
            await service.enqueue(wid, {"n": 1}, copies=0)
        await service.enqueue_many(wid, [{"n": 1}, {"n": 2}])
        with pytest.raises(QueueFull, match=r"the queue is full \(3 runs wait; at most 3\)"):
            await service.enqueue(wid, {"n": 3})
        await service.close()
        return refused.value

    refused = asyncio.run(go())
    assert refused.problems == ["inputs 2: input 'n' must be of type integer, not str",
                                "inputs 3: unknown input 'm' (this workflow's inputs: n)"]
    assert store.queue.waiting() == 3  # nothing of the refused requests was stored


def test_a_thousand_runs_accepted_at_once_are_a_few_commits(store):
    wid = numbered(store)
    commits = []  # write transactions (BEGIN IMMEDIATE), not reads
    event.listen(store.db.engine, "begin",
                 lambda conn: conn.get_execution_options().get("nl_write") and commits.append(1))

    async def go():
        service = RunService(store, FAST)
        t0 = time.perf_counter()
        ids = await asyncio.gather(*(service.enqueue(wid, {"n": i}) for i in range(1000)))
        took = time.perf_counter() - t0
        await service.close()
        return ids, took

    ids, took = asyncio.run(go())
    assert len(set(ids)) == 1000 and store.queue.waiting() == 1000
    assert len(commits) <= 20, f"{len(commits)} commits for 1,000 accepts"


def test_two_dispatching_services_never_start_a_run_twice(store):
    wid = numbered(store, seconds=0.02)

    async def go():
        async with RunService(store, FAST, dispatch=True) as one, RunService(store, FAST, dispatch=True) as two:
            subs = one.subscribe(), two.subscribe()
            ids = await one.enqueue_many(wid, [{"n": i} for i in range(60)])
            await until(lambda: drained(store), what="60 runs")
            holders = one.dispatcher.holding.is_set(), two.dispatcher.holding.is_set()
            return ids, [starts(s.drain()) for s in subs], holders

    ids, (a, b), holders = asyncio.run(go())
    assert sorted(holders) == [False, True]  # one dispatcher at a time
    assert sorted(a + b) == sorted(ids)  # every run started once, by one of them


def test_cancel_a_queued_run_a_run_here_and_a_run_of_another_service(store):
    wid = numbered(store, seconds=30)

    async def go():
        async with RunService(store, FAST, dispatch=True) as here, RunService(store, FAST) as other:
            here.pause()
            queued = await here.enqueue(wid, {"n": 1})
            assert here.cancel(queued) == "cancelled"
            mine = here.start(wid, {"n": 2})
            theirs = other.start(wid, {"n": 3})
            await until(lambda: status(store, theirs.run_id) == "running", what="the other's run")
            t0 = time.perf_counter()
            assert here.cancel(mine.run_id) == "cancelling"
            assert here.cancel(theirs.run_id) == "requested"  # its owner sees the request
            results = await asyncio.gather(mine.result(), theirs.result())
            return queued, results, time.perf_counter() - t0

    queued, results, took = asyncio.run(go())
    assert store.runs.get(queued).status == "cancelled" and store.runs.get(queued).started_at is None
    assert [r.status for r in results] == ["cancelled", "cancelled"] and took < 2.0


def test_a_clean_stop_puts_the_queued_runs_it_was_running_back_in_their_place(store):
    wid = numbered(store, seconds=30)

    async def go():
        async with RunService(store, FAST, dispatch=True) as service:
            rid, stopped = await service.enqueue_many(wid, [{"n": 7}, {"n": 8}])
            await until(lambda: status(store, rid) == status(store, stopped) == "running", what="the starts")
            service.cancel(stopped)  # a person's cancel stands
        return rid, stopped

    rid, stopped = asyncio.run(go())
    run = store.runs.get(rid)
    assert (run.status, run.owner, run.requeued, run.error) == ("queued", None, 0, None)
    assert store.runs.nodes(rid) == [] and store.leases.list() == []
    assert store.runs.get(stopped).status == "cancelled"


def test_each_service_has_its_own_python_policy(store):
    wf = Flow("code").node("p", "python").node("o", "output", name="o").edge("p.result", "o.value").build()

    async def go():
        async with RunService(store) as a, RunService(store) as b:
            a.configure(allow_python_blocks=False)
            return await a.start(wf).result(), await b.start(wf).result(), a.settings, b.settings

    off, on, a_settings, b_settings = asyncio.run(go())
    assert off.status == "failed" and "python blocks are turned off in the settings" in off.error
    assert on.status == "succeeded"
    assert (a_settings.allow_python_blocks, b_settings.allow_python_blocks) == (False, True)


def test_settings_refuse_nonsense():
    with pytest.raises(ValueError, match="max_concurrent_runs must be from 1 to 1000, not 0"):
        RunSettings(max_concurrent_runs=0)
    with pytest.raises(ValueError, match="heartbeat_s .* must be at most half of lease_ttl_s"):
        RunSettings(heartbeat_s=6, lease_ttl_s=10)
    assert RunSettings.from_environ({"NODELOOM_PYTHON_BLOCKS": "off"}).allow_python_blocks is False


def test_a_run_cancelled_before_its_first_step_is_recorded_as_cancelled(store):
    """Cancel in the same moment as start (or as the dispatcher launches a queued run): the run still ends
    as `cancelled`, with its events, and its record says so — it was left `running` for ever before."""
    wid = numbered(store, seconds=30)

    async def go():
        async with RunService(store, FAST) as service:
            handle = service.start(wid, {"n": 1})
            assert service.cancel(handle.run_id) == "cancelling"
            result = await asyncio.wait_for(handle.result(), 5)
            queued = await service.enqueue(wid, {"n": 2})
        return handle.run_id, result, queued

    run_id, result, queued = asyncio.run(go())
    assert result.status == "cancelled"
    assert store.runs.get(run_id).status == "cancelled" and store.runs.get(run_id).finished_at is not None
    assert store.runs.get(queued).status == "queued"


def test_a_run_another_process_queues_starts_at_once_not_at_the_next_look(store):
    """The dispatching service looks at the queue only every 30 s here; a run the other one (another process, as
    far as the dispatcher knows: nothing of its wakes it) queues still starts within a few seconds — the
    dispatcher sees the other connection's commit (an outside tester saw such runs start ~0.5 s late, at the
    default queue_poll_s)."""
    wid = numbered(store, seconds=0)
    rarely = RunSettings(max_concurrent_runs=3, heartbeat_s=0.2, lease_ttl_s=1.0, queue_poll_s=30)

    async def go():
        async with RunService(store, rarely, dispatch=True) as worker, RunService(store, FAST) as server:
            await worker.dispatcher.holding.wait()
            await asyncio.sleep(0.2)  # (its first look at the queue is over: it sleeps now)
            run_id = await server.enqueue(wid, {"n": 7})
            t0 = time.perf_counter()
            await until(lambda: status(store, run_id) == "succeeded", timeout=10, what="the run")
            return time.perf_counter() - t0

    assert asyncio.run(go()) < 10


def test_a_queue_resumed_by_another_process_starts_at_once(tmp_path):
    """Paused, a run waiting; another process (another connection: nothing of it wakes the dispatcher) resumes the
    queue: the run starts within seconds, not at the dispatcher's next look (30 s here)."""
    store, other = Store(tmp_path, install_templates=False), Store(tmp_path, install_templates=False)
    wid = numbered(store, seconds=0)
    rarely = RunSettings(max_concurrent_runs=3, heartbeat_s=0.2, lease_ttl_s=1.0, queue_poll_s=30)

    async def go():
        async with RunService(store, rarely, dispatch=True) as worker, RunService(other, FAST) as server:
            await worker.dispatcher.holding.wait()
            server.pause()
            run_id = await server.enqueue(wid, {"n": 1})
            await asyncio.sleep(0.3)
            assert status(store, run_id) == "queued"  # (paused: it waits)
            server.resume()
            await until(lambda: status(store, run_id) == "succeeded", timeout=10, what="the run after resume")

    try:
        asyncio.run(go())
    finally:
        other.close()
        store.close()
