"""Run callbacks (SPEC §9): the run object is POSTed when the run ends, signed per Standard Webhooks with the
workflow's ``whsec_`` secret (verified here by the `standardwebhooks` package), its delivery state written to
the run (``callback``: attempts, last_error, delivered_at, status_code) — and never to loopback, private,
link-local or IPv4-mapped addresses unless allowed, checked on the resolved address at connect time and on every
redirect hop. Real HTTP servers on loopback addresses; a local resolver stands in for DNS."""

import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook

from engine.runs import RunService, RunSettings
from engine.runs.callbacks import Callbacks
from engine.safenet import AddressPolicy
from engine.store import Store

from .builder import Flow
from .server_helpers import with_api

pytestmark = pytest.mark.timeout(120)


class Receiver:
    """An HTTP server on ``host`` that records what it is sent; ``/hop?to=URL`` redirects."""

    def __init__(self, host="127.0.0.1"):
        received = self.received = []
        got = self.got = threading.Event()  # set at the first request

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/hop?to="):
                    self.send_response(307)
                    self.send_header("Location", self.path.split("=", 1)[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                received.append((self.path, dict(self.headers), body))
                got.set()
                self.send_response(500 if self.path.startswith("/fail") else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path, install_templates=False)
    yield s
    s.close()


@pytest.fixture
def receivers():
    local, public = Receiver("127.0.0.1"), Receiver("127.0.0.2")  # 127.0.0.2: the stand-in for a public host
    yield local, public
    local.close()
    public.close()


def flow(store):
    wf = Flow("Callback").node("i", "input", name="x").node("o", "output", name="y").edge("i.value", "o.value", "e")
    return store.workflows.create(wf.build()).id


async def fake_dns(host, port):
    return {"rebind.test": ["127.0.0.1"], "public.test": ["127.0.0.2"], "mixed.test": ["127.0.0.2", "10.0.0.1"]}[host]


def run_with_callbacks(store, urls, *, allow_private=False, workflow=None):
    """Start one run per URL with that callback; returns each run's callback state once all are settled."""
    callbacks = Callbacks(policy=AddressPolicy(allow_private=allow_private, treat_as_public=frozenset({"127.0.0.2"})),
                          resolve=fake_dns, delays=(0.05, 0.05))
    wid = workflow or flow(store)

    async def go():
        async with RunService(store, RunSettings(), callbacks=callbacks) as service:
            handles = [service.start(wid, {"x": i}, callback_url=url) for i, url in enumerate(urls)]
            for h in handles:
                await h.result()
            await callbacks.idle()  # (the deliveries began as the runs ended)
            return [h.run_id for h in handles]

    run_ids = asyncio.run(go())
    return [store.runs.get(r).callback for r in run_ids], run_ids


def test_callbacks_to_loopback_private_link_local_and_mapped_addresses_are_refused(store, receivers):
    local, public = receivers
    port = local.url.rsplit(":", 1)[1]
    urls = [f"http://127.0.0.1:{port}/cb", f"http://[::1]:{port}/cb", f"http://[::ffff:127.0.0.1]:{port}/cb",
            "http://169.254.169.254/latest/meta-data", f"http://rebind.test:{port}/cb",
            f"{public.url}/hop?to=http://127.0.0.1:{port}/cb", f"http://public.test:{public.url.rsplit(':', 1)[1]}"
            f"/hop?to=http://rebind.test:{port}/cb", f"http://mixed.test:{port}/cb"]
    states, _ = run_with_callbacks(store, urls)
    for url, state in zip(urls, states):  # refused: not sent, not retried, and the run says why
        assert (state["attempts"], state["delivered_at"], state["status_code"]) == (1, None, None), url
        assert state["last_error"].startswith("refused"), (url, state)
    assert local.received == [] and public.received == []


def test_an_allowed_callback_receives_the_signed_run_object(store, receivers):
    local, public = receivers
    [state], [rid] = run_with_callbacks(store, [f"http://public.test:{public.url.rsplit(':', 1)[1]}/done"])
    assert (state["attempts"], state["status_code"], state["last_error"]) == (1, 200, None)
    [(path, headers, body)] = public.received
    secret = store.hooks.secret(store.runs.get(rid).workflow_id)
    assert secret.startswith("whsec_") and path == "/done" and headers["webhook-id"] == rid
    run = Webhook(secret).verify(body, headers)
    assert run["run_id"] == rid and run["status"] == "succeeded" and run["outputs"] == {"y": 0}
    assert not any(k.lower().startswith("x-nodeloom") for k in headers)


def test_private_callbacks_go_through_when_the_settings_allow_them(store, receivers):
    local, _ = receivers
    [state], _ = run_with_callbacks(store, [f"{local.url}/cb"], allow_private=True)
    assert state["status_code"] == 200 and state["delivered_at"] is not None and len(local.received) == 1


def test_a_run_without_a_stored_workflow_sends_no_callback_and_says_why(store, receivers):
    """No stored workflow, no secret to sign with: an unsigned callback could not be told from a forged one."""
    local, _ = receivers
    wf = Flow("Loose").node("i", "input", name="x").node("o", "output", name="y").edge("i.value", "o.value").build()
    [state], _ = run_with_callbacks(store, [f"{local.url}/cb"], allow_private=True, workflow=wf)
    assert state["attempts"] == 0 and state["delivered_at"] is None and "no stored workflow" in state["last_error"]
    assert local.received == []


def test_the_api_refuses_a_literal_private_callback_url_at_once(store):
    async def check(c, service, server):
        wid = flow(store)
        for url in ("http://127.0.0.1:9/x", "http://[::ffff:127.0.0.1]/", "file:///etc/passwd", "http://u:p@a.example/",
                    "http://169.254.169.254/"):
            r = await c.post(f"/workflows/{wid}/run", json={"callback_url": url})
            assert r.status_code == 422 and "callback_url" in r.json()["detail"], url

    with_api(store, check)


# -- through the server: the run object shows the callback's delivery --------------------------------------------

def served_callback(store, path: str):
    """An async run over HTTP with a callback to a local receiver at ``path`` (private callbacks allowed): (what
    the receiver got, the run as GET /runs/{id} shows it once the delivery is settled, the workflow's secret)."""
    local = Receiver("127.0.0.1")

    async def check(c, service, server):
        wid = flow(store)
        secret = (await c.get(f"/workflows/{wid}/hook")).json()["secret"]
        r = await c.post(f"/workflows/{wid}/run", json={"inputs": {"x": 4}, "mode": "async",
                                                         "callback_url": f"{local.url}{path}"})
        assert r.status_code == 202, r.text
        assert await asyncio.to_thread(local.got.wait, 30)
        await service.callbacks.idle()
        return (await c.get(f"/runs/{r.json()['run_id']}")).json(), secret

    try:
        run, secret = with_api(store, check, dispatch=True, run_settings=RunSettings(allow_private_callbacks=True),
                               callbacks=Callbacks(delays=(0.05, 0.05)))
    finally:
        local.close()
    return local.received, run, secret


def test_a_callback_verifies_with_standardwebhooks_and_the_run_object_shows_its_delivery(store):
    t0 = time.time()
    [(path, headers, body)], run, secret = served_callback(store, "/done")
    sent = Webhook(secret).verify(body, headers)  # raises unless signed with the workflow's whsec_ secret
    assert sent["run_id"] == run["run_id"] and sent["status"] == "succeeded" and sent["outputs"] == {"y": 4}
    assert set(sent) == set(run) and sent["node_runs"]  # the run object, node runs and all
    assert headers["webhook-id"] == run["run_id"] and headers["Content-Type"] == "application/json"
    state = run["callback"]
    assert (state["attempts"], state["status_code"], state["last_error"]) == (1, 200, None)
    assert t0 <= state["delivered_at"] <= time.time()


def test_a_failing_callback_endpoint_shows_its_attempts_and_last_error(store):
    received, run, secret = served_callback(store, "/fail")
    assert len(received) == 3  # three attempts, each signed anew
    for _, headers, body in received:
        Webhook(secret).verify(body, headers)
    assert len({h["webhook-id"] for _, h, _ in received}) == 1  # one message, retried under its id
    state = run["callback"]
    assert (state["attempts"], state["status_code"], state["delivered_at"]) == (3, 500, None)
    assert "500" in state["last_error"]
