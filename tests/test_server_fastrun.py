"""A sync run's request takes a shorter way than the FastAPI app (engine.server.fastrun, issue 28); the answers
must be the app's. Each request is sent twice through a real server: as ``application/json`` (the short way
takes it) and as ``application/vnd.nodeloom+json`` (the short way passes it to the app, which reads it as JSON
all the same) — same status, same headers that matter, same body but for the run's own id and times."""

import json

import pytest

from engine.store import Store

from .builder import Flow
from .server_helpers import with_api

pytestmark = pytest.mark.timeout(120)
FAST, APP = "application/json", "application/vnd.nodeloom+json"
VARYING = {"id", "run_id", "created_at", "started_at", "finished_at", "duration_ms", "queued_at"}


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path, install_templates=False)
    yield s
    s.close()


def steady(value):
    """``value`` without what differs between two runs of the same request (ids, times)."""
    if isinstance(value, dict):
        return {k: ("…" if k in VARYING or k.endswith("_ms") else steady(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [steady(v) for v in value]
    return value


def test_the_short_way_answers_every_run_request_as_the_app_does(store):
    doubler = (Flow("D").node("i", "input", name="x").node("t", "transform", expression="data * 2")
               .node("o", "output", name="y").edge("i.value", "t.data").edge("t.result", "o.value").build())
    slow = (Flow("S").node("i", "input", name="x").node("d", "delay", seconds=5).node("o", "output", name="y")
            .edge("i.value", "d.value").edge("d.value", "o.value").build())
    fast_id, slow_id = store.workflows.create(doubler).id, store.workflows.create(slow).id

    async def check(c, service, server):
        cases = [(fast_id, {"inputs": {"x": 4}, "use_cache": False}),  # (else the second of a pair hits the cache)
                 (fast_id, {"inputs": {"x": 5}, "use_cache": False, "version": 1, "priority": 3}),
                 (fast_id, {"inputs": {"nope": 1}}), (fast_id, {"inputs": {"x": "ab"}, "use_cache": False}),
                 (fast_id, {"inputs": {"x": 1}, "mode": "later"}), (fast_id, {"inputs": {"x": 1}, "extra": 1}),
                 (fast_id, {"inputs": {"x": 1}, "priority": 11}), (fast_id, {"inputs": {"x": 1}, "version": 7}),
                 (fast_id, {"inputs": {"x": 1}, "callback_url": "http://127.0.0.1:9/hook"}),
                 (fast_id, [1, 2]), (fast_id, "not json {"), ("missing", {}),
                 (slow_id, {"inputs": {"x": 1}, "timeout_seconds": 0.2})]
        for workflow_id, body in cases:
            raw = body if isinstance(body, str) else json.dumps(body)
            answers = []
            for kind in (FAST, APP):
                r = await c.post(f"/workflows/{workflow_id}/run", content=raw, headers={"Content-Type": kind})
                answers.append((r.status_code, r.headers.get("content-type"), r.headers.get("retry-after"),
                                steady(r.json())))
            assert answers[0] == answers[1], (body, answers)
            assert answers[0][0] in (200, 404, 408, 422), answers[0]
        ran = (await c.get("/runs", params={"workflow_id": fast_id})).json()["items"]
        assert len(ran) == 6  # (the three good requests, each sent twice: nothing refused ran)

    with_api(store, check)


@pytest.mark.parametrize("kind", [FAST, APP])
def test_a_sync_run_still_going_when_the_server_stops_is_answered_in_json(store, kind):
    """The server stopped while a sync run went on: its client gets 503 in JSON with the run's id (it got a
    plain-text 500, and the log a traceback — an outside tester), whichever way the request went."""
    slow = (Flow("S").node("i", "input", name="x").node("d", "delay", seconds=30).node("o", "output", name="y")
            .edge("i.value", "d.value").edge("d.value", "o.value").build())
    slow_id = store.workflows.create(slow).id

    async def check(c, service, server):
        import asyncio

        asked = asyncio.ensure_future(c.post(f"/workflows/{slow_id}/run", content=json.dumps({"inputs": {"x": 1}}),
                                             headers={"Content-Type": kind}))
        await asyncio.sleep(0.5)  # (the run started: it waits 30 s)
        await server.stop()
        r = await asked
        return r.status_code, r.headers.get("content-type"), r.json()

    status, content_type, body = with_api(store, check)
    assert (status, content_type) == (503, "application/json")
    assert body["run_id"] and "server stopped before the run ended" in body["detail"]
