"""A stream asked for a run that ended here a moment ago, while its records are still being written, sends its
events at once — it used to find nothing stored, then wait for the next look at the store (0.25 s: an outside
tester saw the first event of an async run ~0.3–0.8 s after the POST), or answer 404 when not even the run's row
was written yet."""

import asyncio
import json
import time

import pytest

from engine.runs import stream
from engine.store import Store

from .server_helpers import sse_events, with_api
from .test_server_api import create, doubler


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path, install_templates=False)
    yield s
    s.close()


def test_the_events_of_a_run_that_just_ended_here_come_without_waiting_for_the_store(store, monkeypatch):
    monkeypatch.setattr(stream, "POLL_S", 30.0)  # (a stream that waits for its next look would time out below)

    async def check(c, service, server):
        wid = await create(c, doubler())
        writing = asyncio.ensure_future(service.recorder.write(time.sleep, 0.5))  # the recorder busy meanwhile
        sub = service.subscribe()
        handle = service.start(wid, {"x": 2})
        async for ev in sub:  # (its end here: its records wait behind the busy recorder)
            if ev.kind == "run_finished":
                break
        sub.close()
        async with asyncio.timeout(10):
            r = await c.get(f"/runs/{handle.run_id}/events")
        await writing
        return r

    r = with_api(store, check)
    assert r.status_code == 200, r.text
    events = sse_events(r.text)
    assert events[0]["event"] == "run_queued" and events[-1]["event"] == "run_finished"
    assert [int(e["id"]) for e in events] == list(range(1, len(events) + 1))


@pytest.mark.parametrize("looks", ["soon, then rarely", "only when another connection commits"])
def test_a_stream_of_a_run_another_process_runs_follows_it_closely(store, monkeypatch, looks):
    """The server does not dispatch; another service on the same data folder (another process, as far as the
    server's stream knows: its events are not live here) runs the queue. The stream looks at the store soon and
    then more and more rarely, and whenever another connection commits (an outside tester saw the first event
    ~0.5 s late: two looks 0.25 s apart; then ~70 ms)."""
    from engine.runs import RunService, RunSettings

    monkeypatch.setattr(stream, "POLL_S", 30.0)  # (only the cap of its looks: a stream that waited it times out)
    if looks == "only when another connection commits":
        monkeypatch.setattr(stream, "FIRST_POLL_S", 30.0)
        monkeypatch.setattr(stream, "FLOW_POLL_S", 30.0)

    async def check(c, service, server):
        wid = await create(c, doubler())
        async with RunService(store, RunSettings(queue_poll_s=0.05), front="worker", dispatch=True) as worker:
            await worker.dispatcher.holding.wait()
            r = await c.post(f"/workflows/{wid}/run", json={"inputs": {"x": 2}, "mode": "async"})
            async with asyncio.timeout(10):
                events = await c.get(f"/runs/{r.json()['run_id']}/events")
        return events

    r = with_api(store, check)
    assert r.status_code == 200, r.text
    events = sse_events(r.text)
    assert events[0]["event"] == "run_queued" and events[-1]["event"] == "run_finished"


def test_a_run_waiting_in_the_queue_has_its_run_queued_event_at_once_with_the_time_it_was_queued(store):
    """A client of a long queue tells a queued run from a hung one: its stream sends run_queued while it waits (it
    sent nothing until the run started, and run_queued then carried the start's time — an outside tester)."""
    from engine.runs import RunService, RunSettings

    async def check(c, service, server):
        wid = await create(c, doubler())
        await c.post("/queue/pause")
        r = await c.post(f"/workflows/{wid}/run", json={"inputs": {"x": 2}, "mode": "async"})
        run_id, queued_at = r.json()["run_id"], time.time()
        first = None
        async with c.stream("GET", f"/runs/{run_id}/events") as s:
            async with asyncio.timeout(5):
                async for line in s.aiter_lines():
                    if line.startswith("data:"):
                        first = json.loads(line[5:])
                        break
        await asyncio.sleep(0.3)
        await c.post("/queue/resume")
        async with RunService(store, RunSettings(queue_poll_s=0.05), front="worker", dispatch=True):
            whole = sse_events((await c.get(f"/runs/{run_id}/events")).text)
        return first, queued_at, whole

    first, queued_at, whole = with_api(store, check)
    assert first["kind"] == "run_queued" and first["seq"] == 1 and first["inputs"] == {"x": 2}
    assert abs(first["ts"] - queued_at) < 0.25
    events = [json.loads(e["data"]) for e in whole]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1)) and events[-1]["kind"] == "run_finished"
    assert events[0] == first  # (kept as it was when queued: the start does not rewrite it)
