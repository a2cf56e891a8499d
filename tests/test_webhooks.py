"""Webhooks per Standard Webhooks (SPEC §9) against a real uvicorn on a loopback port, with the `standardwebhooks`
package as the sender: ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">`` under the workflow's ``whsec_`` secret; no bearer token; a repeated id is not run
again, a replay under a new id and a stale timestamp are refused, and deliveries count toward the runs limit."""

import asyncio
import json
import sqlite3
import subprocess
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from standardwebhooks import Webhook

from engine.store import Store

from .server_helpers import OPEN, started
from .test_server_api import _ended, create, doubler

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path, install_templates=False)
    yield s
    s.close()


def signed(secret: str, body: bytes, msg_id: str, *, age: timedelta = timedelta(0)) -> dict:
    """The headers a Standard Webhooks sender puts on ``body`` (signed ``age`` ago)."""
    when = datetime.now(timezone.utc) - age
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, when, body), "Content-Type": "application/json"}


def with_hooks(store, check, **settings):
    """``await check(api, anonymous, service)``: ``api`` sends the token (to /api/v1), ``anonymous`` sends none."""
    async def go():
        service, server, token = await started(store, dispatch=True, **{**OPEN, **settings})
        try:
            async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30,
                                         headers={"Authorization": f"Bearer {token}"}) as api, \
                    httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30) as anonymous:
                return await check(api, anonymous, service)
        finally:
            await server.stop()
            await service.close()

    return asyncio.run(go())


async def hooked(api) -> tuple[str, str]:
    """A stored doubler (y = 2x) and its webhook secret."""
    wid = await create(api, doubler())
    hook = (await api.get(f"/workflows/{wid}/hook")).json()
    return wid, hook["secret"]


def test_a_signed_delivery_needs_no_token_runs_once_and_a_repeated_id_is_a_duplicate(store):
    async def check(api, anonymous, service):
        wid, secret = await hooked(api)
        assert secret.startswith("whsec_")
        body = json.dumps({"x": 21}).encode()
        heads = signed(secret, body, "msg_1")
        ok = await anonymous.post(f"/hooks/{wid}", content=body, headers=heads)
        assert ok.status_code == 202, ok.text
        assert ok.json()["status"] == "queued" and ok.headers["Location"] == f"/api/v1/runs/{ok.json()['run_id']}"
        run = await _ended(api, ok.json()["run_id"])
        assert (run["outputs"], run["trigger"], run["inputs"]) == ({"y": 42}, "webhook", {"x": 21})
        again = await anonymous.post(f"/hooks/{wid}", content=body, headers=heads)  # the sender retries it
        assert again.status_code == 200 and again.json() == {"status": "duplicate", "run_id": ok.json()["run_id"]}
        assert len((await api.get("/runs", params={"workflow_id": wid})).json()["items"]) == 1

    with_hooks(store, check)


def test_a_captured_delivery_replayed_under_a_new_id_is_refused(store):
    async def check(api, anonymous, service):
        wid, secret = await hooked(api)
        body = json.dumps({"x": 1}).encode()
        heads = signed(secret, body, "msg_original")
        assert (await anonymous.post(f"/hooks/{wid}", content=body, headers=heads)).status_code == 202
        replay = await anonymous.post(f"/hooks/{wid}", content=body, headers={**heads, "webhook-id": "msg_new"})
        assert replay.status_code == 401 and "signature" in replay.json()["detail"]
        assert len((await api.get("/runs", params={"workflow_id": wid})).json()["items"]) == 1

    with_hooks(store, check)


def test_a_delivery_without_a_standard_webhooks_header_is_401_naming_the_header(store):
    async def check(api, anonymous, service):
        wid, secret = await hooked(api)
        body = json.dumps({"x": 1}).encode()
        heads = signed(secret, body, "msg_1")
        for left_out in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            sent = {k: v for k, v in heads.items() if k != left_out}
            answer = await anonymous.post(f"/hooks/{wid}", content=body, headers=sent)
            assert answer.status_code == 401, (left_out, answer.text)
            problem = answer.json()
            assert answer.headers["content-type"].startswith("application/json")
            assert f"no {left_out} header" in problem["detail"], problem
            assert [h for h in ("webhook-id", "webhook-timestamp", "webhook-signature")
                    if f"no {h}" in problem["detail"]] == [left_out]  # the one left out, not the others
        bare = await anonymous.post(f"/hooks/{wid}", content=body)
        assert bare.status_code == 401
        assert "no webhook-id, webhook-timestamp, webhook-signature header" in bare.json()["detail"]
        assert (await api.get("/runs", params={"workflow_id": wid})).json()["items"] == []

    with_hooks(store, check)


def test_a_timestamp_more_than_five_minutes_off_is_refused_with_the_reason(store):
    async def check(api, anonymous, service):
        wid, secret = await hooked(api)
        body = json.dumps({"x": 1}).encode()
        stale = await anonymous.post(f"/hooks/{wid}", content=body,
                                     headers=signed(secret, body, "msg_old", age=timedelta(minutes=6)))
        assert stale.status_code == 401 and "timestamp" in stale.json()["detail"]
        assert "5 minutes" in stale.json()["detail"] and "old" in stale.json()["detail"]
        ahead = await anonymous.post(f"/hooks/{wid}", content=body,
                                     headers=signed(secret, body, "msg_new", age=-timedelta(minutes=6)))
        assert ahead.status_code == 401 and "ahead" in ahead.json()["detail"]
        words = await anonymous.post(f"/hooks/{wid}", content=body,
                                     headers={**signed(secret, body, "msg_w"), "webhook-timestamp": "yesterday"})
        assert words.status_code == 401 and "webhook-timestamp" in words.json()["detail"]
        assert (await api.get("/runs", params={"workflow_id": wid})).json()["items"] == []

    with_hooks(store, check)


def test_a_wrong_signature_or_the_old_secret_is_refused_and_other_routes_still_need_the_token(store):
    async def check(api, anonymous, service):
        wid, secret = await hooked(api)
        body = json.dumps({"x": 1}).encode()
        other = "whsec_" + "QUJD" * 8
        wrong = await anonymous.post(f"/hooks/{wid}", content=body, headers=signed(other, body, "msg_1"))
        assert wrong.status_code == 401 and "webhook-signature" in wrong.json()["detail"]
        new = (await api.post(f"/workflows/{wid}/hook/regenerate")).json()["secret"]
        assert new.startswith("whsec_") and new != secret
        old = await anonymous.post(f"/hooks/{wid}", content=body, headers=signed(secret, body, "msg_2"))
        assert old.status_code == 401
        good = await anonymous.post(f"/hooks/{wid}", content=body, headers=signed(new, body, "msg_3"))
        assert good.status_code == 202, good.text
        missing = await anonymous.post(f"/hooks/{wid}", content=body, headers={"Content-Type": "application/json"})
        assert missing.status_code == 401 and "webhook-id" in missing.json()["detail"]
        # only the webhook is open without the token: its secret, other methods on its path and the runs are not
        assert (await anonymous.get(f"/workflows/{wid}/hook")).status_code == 401
        assert (await anonymous.get(f"/hooks/{wid}")).status_code == 401
        assert (await anonymous.post(f"/hooks/{wid}/x", content=body, headers=signed(new, body, "m"))).status_code == 401
        assert (await anonymous.get("/runs")).status_code == 401
        # and the guard's other checks hold on it: Host, Origin
        evil = await anonymous.post(f"/hooks/{wid}", content=body,
                                    headers={**signed(new, body, "msg_4"), "Host": "evil.example"})
        assert evil.status_code == 403
        cross = await anonymous.post(f"/hooks/{wid}", content=body,
                                     headers={**signed(new, body, "msg_5"), "Origin": "https://evil.example"})
        assert cross.status_code == 403
        unknown = await anonymous.post("/hooks/nope", content=body, headers=signed(new, body, "msg_6"))
        assert unknown.status_code == 404

    with_hooks(store, check)


def test_webhooks_count_toward_the_runs_limit(store):
    async def check(api, anonymous, service):
        wid, secret = await hooked(api)
        body = json.dumps({"x": 1}).encode()
        for i in range(2):
            r = await anonymous.post(f"/hooks/{wid}", content=body, headers=signed(secret, body, f"msg_{i}"))
            assert r.status_code == 202, r.text
        limited = await anonymous.post(f"/hooks/{wid}", content=body, headers=signed(secret, body, "msg_2"))
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert "runs a minute" in limited.json()["detail"]
        # refused, so not noted: the sender's retry of that id is limited again, never answered "duplicate"
        again = await anonymous.post(f"/hooks/{wid}", content=body, headers=signed(secret, body, "msg_2"))
        assert again.status_code == 429
        run = await api.post(f"/workflows/{wid}/run", json={"inputs": {"x": 1}})  # the same client's runs
        assert run.status_code == 429
        assert len((await api.get("/runs", params={"workflow_id": wid})).json()["items"]) == 2

    with_hooks(store, check, runs_per_minute=2)


def test_the_webhook_trigger_adds_its_inputs_and_priority_and_switched_off_refuses(store):
    async def check(api, anonymous, service):
        wid, secret = await hooked(api)
        t = (await api.post(f"/workflows/{wid}/triggers", json={"kind": "webhook", "inputs": {"x": 5},
                                                                 "priority": 9})).json()
        await api.post("/queue/pause")  # (so the run is seen queued, with its priority)
        empty = b""
        r = await anonymous.post(f"/hooks/{wid}", content=empty, headers=signed(secret, empty, "msg_1"))
        assert r.status_code == 202, r.text
        run = (await api.get(f"/runs/{r.json()['run_id']}")).json()
        assert (run["inputs"], run["priority"], run["trigger"], run["trigger_id"]) == ({"x": 5}, 9, "webhook", t["id"])
        body = json.dumps({"x": 7}).encode()  # the body's inputs win over the trigger's
        r = await anonymous.post(f"/hooks/{wid}", content=body, headers=signed(secret, body, "msg_2"))
        assert (await api.get(f"/runs/{r.json()['run_id']}")).json()["inputs"] == {"x": 7}
        await api.put(f"/workflows/{wid}/triggers/{t['id']}", json={"enabled": False})
        off = await anonymous.post(f"/hooks/{wid}", content=body, headers=signed(secret, body, "msg_3"))
        assert off.status_code == 403 and "off" in off.json()["detail"]
        # the body is data, never a template; bad bodies are refused naming the problem
        await api.put(f"/workflows/{wid}/triggers/{t['id']}", json={"enabled": True})
        await api.post("/queue/resume")
        text = json.dumps({"x": "{{ run.id }}"}).encode()
        r = await anonymous.post(f"/hooks/{wid}", content=text, headers=signed(secret, text, "msg_4"))
        assert (await _ended(api, r.json()["run_id"]))["outputs"] == {"y": "{{ run.id }}{{ run.id }}"}
        for i, junk in enumerate((b"[1, 2", b"[1, 2]", json.dumps({"nope": 1}).encode())):
            bad = await anonymous.post(f"/hooks/{wid}", content=junk, headers=signed(secret, junk, f"msg_bad{i}"))
            assert bad.status_code == 422, (junk, bad.text)
        fixed = json.dumps({"x": 2}).encode()  # a refused delivery may be sent again, fixed, under its id
        r = await anonymous.post(f"/hooks/{wid}", content=fixed, headers=signed(secret, fixed, "msg_bad2"))
        assert r.status_code == 202, r.text

    with_hooks(store, check)


def test_the_openapi_document_describes_the_webhook_headers_and_answers(store):
    async def check(api, anonymous, service):
        spec = (await api.get("/openapi.json")).json()
        op = spec["paths"]["/api/v1/hooks/{workflow_id}"]["post"]
        headers = {p["name"]: p for p in op["parameters"] if p["in"] == "header"}
        assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
        assert all(p["required"] for p in headers.values())
        assert {"200", "202", "401", "403", "404", "413", "422", "429"} <= set(op["responses"])
        assert "Bearer" not in op["responses"]["401"]["description"]
        assert "whsec_" in spec["paths"]["/api/v1/workflows/{workflow_id}/hook"]["get"]["description"] or \
            "whsec_" in json.dumps(spec["components"]["schemas"]["Hook"])

    with_hooks(store, check)


def test_the_editors_curl_example_is_a_delivery_the_server_accepts(store):
    """The webhook box's bash example (openssl computes the signature) run as it is shown, against the server."""
    from app.window.triggers import webhook_curl

    async def check(api, anonymous, service):
        wid, secret = await hooked(api)
        url = str(anonymous.base_url).rstrip("/") + f"/hooks/{wid}"
        script = webhook_curl(url, secret).replace("body='{}'", "body='{\"x\": 4}'", 1)
        done = await asyncio.to_thread(subprocess.run, ["bash", "-c", script + " -s -o /dev/stderr -w '%{http_code}'"],
                                       capture_output=True, text=True, timeout=30)
        assert done.stdout == "202", (done.stdout, done.stderr, script)
        [run] = (await api.get("/runs", params={"workflow_id": wid})).json()["items"]
        assert (await _ended(api, run["id"]))["outputs"] == {"y": 8}

    with_hooks(store, check)


def test_an_old_secret_is_migrated_to_the_whsec_form_with_the_same_key(tmp_path):
    """A data folder from before (its secret the plain text that keyed the old HMAC) is upgraded: the secret
    becomes ``whsec_`` + base64 of those very bytes, so the key a sender holds is unchanged."""
    s = Store(tmp_path, install_templates=False)
    wid = s.workflows.create(doubler_workflow()).id
    s.hooks.secret(wid)
    s.close()
    old = "3q2-7w_old-style-secret-made-by-token_urlsafe"
    with sqlite3.connect(tmp_path / "nodeloom.db") as db:
        db.execute("UPDATE hooks SET secret = ? WHERE workflow_id = ?", (old, wid))
        db.execute("UPDATE alembic_version SET version_num = '0005_attempts_and_callbacks'")
    s = Store(tmp_path, install_templates=False)
    try:
        secret = s.hooks.secret(wid)
        assert secret.startswith("whsec_")
        body = b'{"x": 1}'
        when = datetime.now(timezone.utc)
        assert Webhook(secret).sign("m", when, body) == Webhook(old.encode()).sign("m", when, body)
    finally:
        s.close()


def doubler_workflow():
    from engine.model import Workflow

    return Workflow.model_validate(doubler())


def test_adding_a_webhook_trigger_on_the_command_line_shows_its_url_path_and_whsec_secret(tmp_path):
    from .test_cli_queue import nodeloom

    s = Store(tmp_path, install_templates=False)
    wid = s.workflows.create(doubler_workflow()).id
    s.close()
    added = nodeloom(tmp_path, "triggers", "add", wid, "--webhook")
    assert added.returncode == 0, added.stderr
    assert len(added.stdout.split()) == 1  # stdout: the trigger id alone, as for every kind
    s = Store(tmp_path, install_templates=False)
    try:
        secret = s.hooks.secret(wid)
    finally:
        s.close()
    assert secret.startswith("whsec_") and secret in added.stderr and f"/api/v1/hooks/{wid}" in added.stderr
    assert "bearer" not in added.stderr.lower() or "no bearer" in added.stderr.lower()
