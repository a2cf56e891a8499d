"""The HTTP API of SPEC §9 through a real uvicorn on a loopback port: workflows, runs in every mode, the
queue, node tests, validation, webhooks, and events over SSE and WebSocket."""

import asyncio
import json
from datetime import datetime, timezone

import httpx
import pytest
import websockets
from standardwebhooks import Webhook

from engine.store import Store

from .builder import Flow
from .server_helpers import sse_events, with_api, with_server

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path, install_templates=False)
    yield s
    s.close()


def doubler(name="Doubler", delay=0.0):
    f = Flow(name).node("i", "input", name="x").node("t", "transform", expression="data * 2")
    if delay:
        f = f.node("d", "delay", seconds=delay).edge("t.result", "d.value", "e3").node("o", "output", name="y") \
            .edge("d.value", "o.value", "e2")
    else:
        f = f.node("o", "output", name="y").edge("t.result", "o.value", "e2")
    return f.edge("i.value", "t.data", "e1").build().model_dump(mode="json")


async def create(client, document) -> str:
    r = await client.post("/workflows", json={"document": document})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_workflows_versions_compare_rollback_and_delete(store):
    async def check(c, service, server):
        wid = await create(c, doubler())
        got = (await c.get(f"/workflows/{wid}")).json()
        assert got["current_version"] == 1 and got["document"]["name"] == "Doubler"
        same = (await c.put(f"/workflows/{wid}", json={"document": doubler()})).json()
        assert same == {"workflow_id": wid, "version": 1, "created": False}
        changed = doubler()
        changed["nodes"][1]["config"]["expression"] = "data * 3"
        assert (await c.put(f"/workflows/{wid}", json={"document": changed, "message": "x3"})).json()["version"] == 2
        assert [v["number"] for v in (await c.get(f"/workflows/{wid}/versions")).json()] == [1, 2]
        diff = (await c.get(f"/workflows/{wid}/versions/compare", params={"a": 1, "b": 2})).json()
        assert [n["node_id"] for n in diff["nodes_changed"]] == ["t"]
        assert (await c.get(f"/workflows/{wid}/versions/1")).json()["nodes"][1]["config"]["expression"] == "data * 2"
        assert (await c.get(f"/workflows/{wid}/versions/9")).status_code == 404
        rolled = (await c.post(f"/workflows/{wid}/rollback/1")).json()
        assert rolled["version"] == 3
        run = (await c.post(f"/workflows/{wid}/run", json={"inputs": {"x": 5}})).json()
        assert run["outputs"] == {"y": 10}
        listed = (await c.get("/workflows", params={"search": "doub"})).json()
        assert [w["id"] for w in listed["items"]] == [wid]
        assert (await c.delete(f"/workflows/{wid}")).json()["deleted"] is True
        assert (await c.get(f"/workflows/{wid}")).status_code == 404
        assert (await c.get("/workflows")).json()["total"] == 0
        bad = await c.post("/workflows", json={"document": {"name": "x", "nodes": "no"}})
        assert bad.status_code == 422 and bad.json()["problems"]

    with_api(store, check)


def test_sync_runs_answer_the_run_object_or_408_and_the_run_is_cancelled(store):
    async def check(c, service, server):
        wid = await create(c, doubler(delay=5))
        r = await c.post(f"/workflows/{wid}/run", json={"inputs": {"x": 1}, "timeout_seconds": 0.3})
        assert r.status_code == 408 and r.json()["run_id"]
        rid = r.json()["run_id"]
        for _ in range(100):
            run = (await c.get(f"/runs/{rid}")).json()
            if run["status"] != "running":
                break
            await asyncio.sleep(0.05)
        assert run["status"] == "cancelled"
        fast = await create(c, doubler("Fast"))
        ok = (await c.post(f"/workflows/{fast}/run", json={"inputs": {"x": 4}})).json()
        assert ok["status"] == "succeeded" and ok["outputs"] == {"y": 8} and set(ok["nodes"]) == {"i", "t", "o"}
        bad = await c.post(f"/workflows/{fast}/run", json={"inputs": {"nope": 1}})
        assert bad.status_code == 422 and "nope" in json.dumps(bad.json()["problems"])
        assert (await c.post("/workflows/missing/run", json={})).status_code == 404
        assert (await c.post(f"/workflows/{fast}/run", json={"mode": "later"})).status_code == 422

    with_api(store, check)


def test_async_runs_queue_with_priorities_and_the_queue_routes(store):
    async def check(c, service, server):
        wid = await create(c, doubler())
        assert (await c.post("/queue/pause")).json() == {"paused": True}
        ids = []
        for p in (3, 9, 5):
            r = await c.post(f"/workflows/{wid}/run", json={"inputs": {"x": p}, "mode": "async", "priority": p})
            assert r.status_code == 202 and r.headers["location"] == r.json()["status_url"]
            assert r.json()["id"] == r.json()["run_id"]  # (named as in the run object, SPEC §6a)
            ids.append(r.json()["run_id"])
        q = (await c.get("/queue")).json()
        assert q["paused"] and [r["run_id"] for r in q["queued"]] == [ids[1], ids[2], ids[0]]
        moved = await c.patch(f"/runs/{ids[0]}", json={"before": ids[1]})
        assert moved.status_code == 200 and moved.json()["priority"] == 9
        assert (await c.patch(f"/runs/{ids[2]}", json={"priority": 1})).json()["priority"] == 1
        assert [r["run_id"] for r in (await c.get("/queue")).json()["queued"]] == [ids[0], ids[1], ids[2]]
        assert (await c.patch(f"/runs/{ids[2]}", json={})).status_code == 422
        assert (await c.post(f"/runs/{ids[2]}/cancel")).json()["result"] == "cancelled"
        assert (await c.patch(f"/runs/{ids[2]}", json={"priority": 2})).status_code == 409
        await c.post("/queue/resume")
        await asyncio.gather(*(_ended(c, i) for i in ids[:2]))
        runs = [(await c.get(f"/runs/{i}")).json() for i in ids]
        assert [r["status"] for r in runs] == ["succeeded", "succeeded", "cancelled"]
        assert runs[0]["outputs"] == {"y": 6} and runs[0]["trigger"] == "http" and runs[0]["mode"] == "async"
        assert (await c.post(f"/runs/{ids[0]}/cancel")).json()["result"] == "finished"
        again = (await c.post(f"/runs/{ids[0]}/replay", params={"from_node": "t"})).json()
        assert (await _ended(c, again["run_id"]))["replay_of"] == ids[0]
        assert (await c.get("/runs/nope")).status_code == 404

    with_api(store, check, dispatch=True)


async def _ended(c, run_id):
    for _ in range(400):
        r = await c.get(f"/runs/{run_id}")
        if r.status_code == 200 and r.json()["status"] in ("succeeded", "failed", "cancelled", "interrupted"):
            return r.json()
        await asyncio.sleep(0.025)
    raise AssertionError(f"run {run_id} did not end")


def test_a_late_sse_subscriber_gets_every_event_and_last_event_id_resumes(store):
    async def check(c, service, server):
        wid = await create(c, doubler())
        rid = (await c.post(f"/workflows/{wid}/run", json={"inputs": {"x": 2}})).json()["run_id"]
        whole = sse_events((await c.get(f"/runs/{rid}/events")).text)
        seqs = [int(e["id"]) for e in whole]
        assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 8
        assert whole[0]["event"] == "run_queued" and whole[-1]["event"] == "run_finished"
        assert json.loads(whole[-1]["data"])["outputs"] == {"y": 4}
        rest = sse_events((await c.get(f"/runs/{rid}/events", headers={"Last-Event-ID": "5"})).text)
        assert [int(e["id"]) for e in rest] == seqs[5:]
        assert (await c.get(f"/runs/{rid}/events", headers={"Last-Event-ID": "x"})).status_code == 422
        assert (await c.get("/runs/nope/events")).status_code == 404

    with_api(store, check)


def test_a_subscriber_of_a_running_run_misses_nothing_and_a_queued_cancelled_run_ends_its_stream(store):
    async def check(c, service, server):
        wid = await create(c, doubler(delay=0.4))
        rid = (await c.post(f"/workflows/{wid}/run", json={"inputs": {"x": 1}, "mode": "async"})).json()["run_id"]
        events = sse_events((await c.get(f"/runs/{rid}/events")).text)
        assert [int(e["id"]) for e in events] == list(range(1, len(events) + 1))
        assert events[-1]["event"] == "run_finished" and json.loads(events[-1]["data"])["status"] == "succeeded"
        await c.post("/queue/pause")
        queued = (await c.post(f"/workflows/{wid}/run", json={"mode": "async"})).json()["run_id"]

        async def cancel_soon():
            await asyncio.sleep(0.3)
            await c.post(f"/runs/{queued}/cancel")

        canceller = asyncio.ensure_future(cancel_soon())
        ended = sse_events((await c.get(f"/runs/{queued}/events")).text)
        await canceller
        assert [e["event"] for e in ended] == ["run_queued", "run_finished"]  # (queued: said at once, SPEC §9)
        assert [int(e["id"]) for e in ended] == [1, 2] and json.loads(ended[1]["data"])["status"] == "cancelled"

    with_api(store, check, dispatch=True)


def test_websocket_streams_the_same_events_and_refuses_cross_site_handshakes(store):
    async def check(c, service, server):
        token = c.headers["authorization"].split()[1]
        wid = await create(c, doubler())
        rid = (await c.post(f"/workflows/{wid}/run", json={"inputs": {"x": 3}})).json()["run_id"]
        url = server.url.replace("http", "ws") + f"/api/v1/runs/{rid}/ws"
        got = []
        async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            async for message in ws:
                got += json.loads(message)
        assert [e["seq"] for e in got] == list(range(1, len(got) + 1)) and got[-1]["kind"] == "run_finished"
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {token}", "Origin": "null"},
                        {"Authorization": f"Bearer {token}", "Origin": "https://evil.example"},
                        {"Authorization": f"Bearer {token}", "Sec-Fetch-Site": "cross-site"}):
            with pytest.raises(websockets.exceptions.InvalidStatus) as e:
                async with websockets.connect(url, additional_headers=headers):
                    pass
            assert e.value.response.status_code == 403, headers

    with_api(store, check)


def signed(secret: str, body: bytes, msg_id: str) -> dict:
    """Standard Webhooks headers, made by the `standardwebhooks` package as a sender would."""
    now = datetime.now(timezone.utc)
    return {"Content-Type": "application/json", "webhook-id": msg_id, "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, now, body)}


def test_webhooks_need_the_signature_and_run_each_delivery_once(store):
    """(tests/test_webhooks.py goes further: no token, stale timestamps, replays, the runs limit, the trigger.)"""
    async def check(c, service, server):
        wid = await create(c, doubler())
        hook = (await c.get(f"/workflows/{wid}/hook")).json()
        assert hook["url"].endswith(f"/api/v1/hooks/{wid}") and hook["secret"].startswith("whsec_")
        assert len(hook["secret"]) >= 6 + 44  # 32 random bytes in base64
        body = json.dumps({"x": 21}).encode()
        bad = await c.post(f"/hooks/{wid}", content=body, headers=signed("whsec_" + "QUJD" * 8, body, "d-1"))
        assert bad.status_code == 401
        ok = await c.post(f"/hooks/{wid}", content=body, headers=signed(hook["secret"], body, "d-1"))
        assert ok.status_code == 202, ok.text
        run = await _ended(c, ok.json()["run_id"])
        assert run["outputs"] == {"y": 42} and run["trigger"] == "webhook"
        again = await c.post(f"/hooks/{wid}", content=body, headers=signed(hook["secret"], body, "d-1"))
        assert again.status_code == 200 and again.json() == {"run_id": ok.json()["run_id"], "status": "duplicate"}
        assert len((await c.get("/runs", params={"workflow_id": wid})).json()["items"]) == 1
        new = (await c.post(f"/workflows/{wid}/hook/regenerate")).json()["secret"]
        assert (await c.post(f"/hooks/{wid}", content=body, headers=signed(hook["secret"], body, "d-2"))).status_code == 401
        text = json.dumps({"x": "{{ run.id }}"}).encode()  # data, never a template
        t = await c.post(f"/hooks/{wid}", content=text, headers=signed(new, text, "d-3"))
        assert (await _ended(c, t.json()["run_id"]))["outputs"] == {"y": "{{ run.id }}{{ run.id }}"}
        junk = b"[1, 2"
        r = await c.post(f"/hooks/{wid}", content=junk, headers=signed(new, junk, "d-4"))
        assert r.status_code == 422

    with_api(store, check, dispatch=True)


def test_node_tests_and_validation(store):
    async def check(c, service, server):
        png = {"$type": "image", "width": 0, "height": 0, "mode": "RGB", "png": _png()}
        r = (await c.post("/nodes/test", json={"block": "image_grayscale", "inputs": {"image": png}})).json()
        assert r["status"] == "succeeded" and r["outputs"]["image"]["mode"] == "L" and r["preview"]["$type"] == "image"
        refused = await c.post("/nodes/test", json={"block": "transform", "config": {"expression": "data +"}})
        assert refused.status_code == 422 and refused.json()["problems"][0]["node_id"] == "node"
        failed = (await c.post("/nodes/test", json={"block": "transform", "config": {"expression": "data / 0"},
                                                    "inputs": {"data": 1}})).json()
        assert failed["status"] == "failed" and "zero" in failed["error"]
        assert (await c.post("/nodes/test", json={"block": "nope"})).status_code == 422
        v = (await c.post("/validate", json={"document": {"name": "x", "nodes": [{"id": "a", "type": "nope"}]}})).json()
        assert not v["valid"] and v["problems"][0]["node_id"] == "a"
        assert (await c.post("/validate", json={"document": doubler()})).json() == {"valid": True, "problems": []}
        refs = (Flow("refs").node("a", "get_field", path={"$expr": "{{ nodes.ghost.value }}"})
                .node("b", "get_field", path={"$expr": "{{ nodes.a.value + }}"})
                .node("c", "get_field", path={"$expr": "{{ nodes.d.value }}"}).node("d", "get_field", path="x")
                .edge("c.value", "d.data").build().model_dump(mode="json"))
        v = (await c.post("/validate", json={"document": refs})).json()  # field expressions (SPEC §5a)
        found = {(p["node_id"], p["code"]) for p in v["problems"]}
        assert not v["valid"] and ("a", "unknown_reference") in found and ("b", "invalid_expression") in found
        assert {("c", "cycle"), ("d", "cycle")} <= found
        blocks = (await c.get("/blocks")).json()["blocks"]
        assert any(b["type"] == "image_resize" for b in blocks)

    with_api(store, check)


def _png():
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def test_stopping_the_server_ends_open_streams_and_frees_the_port(store):
    async def check(client, token, server):
        auth = {"Authorization": f"Bearer {token}"}
        doc = doubler(delay=30)
        wid = (await client.post("/api/v1/workflows", json={"document": doc}, headers=auth)).json()["id"]
        rid = (await client.post(f"/api/v1/workflows/{wid}/run", json={"mode": "async", "inputs": {"x": 1}}, headers=auth)).json()["run_id"]
        got = []

        async def listen():
            async with client.stream("GET", f"/api/v1/runs/{rid}/events", headers=auth) as s:
                async for chunk in s.aiter_text():
                    got.append(chunk)

        listener = asyncio.ensure_future(listen())
        await asyncio.sleep(0.5)
        t0 = asyncio.get_running_loop().time()
        await server.stop()
        await asyncio.wait_for(listener, 3)
        assert asyncio.get_running_loop().time() - t0 < 2.0
        assert "event: closing" in "".join(got)
        with pytest.raises(httpx.ConnectError):
            await client.get("/api/v1/health")

    with_server(store, check, dispatch=True)


def test_text_with_a_lone_surrogate_made_by_a_run_leaves_as_an_escape(store):
    """A run can make text that is not valid Unicode (slicing, a \\ud800 in an expression): every answer, stored
    event and stream stays valid UTF-8, with the surrogate as a JSON escape."""
    async def check(c, service, server):
        doc = Flow("made").node("t", "transform", expression="'a\\ud800b'").node("o", "output", name="o") \
            .edge("t.result", "o.value").build().model_dump(mode="json")
        wid = await create(c, doc)
        run = await c.post(f"/workflows/{wid}/run", json={})
        assert run.status_code == 200 and run.json()["outputs"] == {"o": "a\ud800b"}
        rid = run.json()["run_id"]
        assert (await c.get(f"/runs/{rid}")).json()["outputs"] == {"o": "a\ud800b"}
        events = sse_events((await c.get(f"/runs/{rid}/events")).text)
        assert json.loads(events[-1]["data"])["outputs"] == {"o": "a\ud800b"}
        assert (await c.get("/runs")).status_code == 200

    with_api(store, check)


def test_triggers_over_http(store, tmp_path):
    async def check(c, service, server):
        wid = await create(c, doubler())
        r = await c.post(f"/workflows/{wid}/triggers", json={"kind": "schedule", "config": {
            "cron": "0 9 * * 1-5", "tz": "Europe/Berlin"}, "inputs": {"x": 2}, "priority": 7})
        assert r.status_code == 201, r.text
        t = r.json()
        assert (t["kind"], t["priority"], t["inputs"], len(t["upcoming"])) == ("schedule", 7, {"x": 2}, 5)
        assert t["next_due"] == t["upcoming"][0]
        bad = await c.post(f"/workflows/{wid}/triggers", json={"kind": "schedule", "config": {"cron": "99 * * *"},
                                                               "inputs": {"y": 1}})
        assert bad.status_code == 422
        assert any("5 fields" in p for p in bad.json()["problems"]) and any("'y'" in p for p in bad.json()["problems"])
        folder = await c.post(f"/workflows/{wid}/triggers", json={"kind": "folder", "config": {"path": str(tmp_path)}})
        assert folder.status_code == 422 and "no input named 'path'" in folder.json()["detail"]
        assert (await c.post(f"/workflows/{wid}/triggers", json={"kind": "email"})).status_code == 422
        assert (await c.post("/workflows/nope/triggers", json={"kind": "webhook"})).status_code == 404
        off = await c.put(f"/workflows/{wid}/triggers/{t['id']}", json={"enabled": False})
        assert off.status_code == 200 and off.json()["enabled"] is False and off.json()["upcoming"] == []
        assert (await c.put(f"/workflows/{wid}/triggers/{t['id']}", json={})).status_code == 422
        assert (await c.put(f"/workflows/{wid}/triggers/{t['id']}", json={"enabled": 0})).status_code == 422
        listed = (await c.get(f"/workflows/{wid}/triggers")).json()
        assert [x["id"] for x in listed] == [t["id"]]
        other = await create(c, doubler("Other"))
        assert (await c.delete(f"/workflows/{other}/triggers/{t['id']}")).status_code == 404  # not its trigger
        gone = await c.delete(f"/workflows/{wid}/triggers/{t['id']}")
        assert gone.json() == {"trigger_id": t["id"], "deleted": True}
        assert (await c.get(f"/workflows/{wid}/triggers")).json() == []

    with_api(store, check)
