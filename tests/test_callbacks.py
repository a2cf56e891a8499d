"""Run callbacks (SPEC §9): the run object is POSTed, signed, when the run ends — and never to loopback,
private, link-local or IPv4-mapped addresses unless allowed, checked on the resolved address at connect time
and on every redirect hop. Real HTTP servers on loopback addresses; a local resolver stands in for DNS."""

import asyncio
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

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
                self.send_response(200)
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


def run_with_callbacks(store, urls, *, allow_private=False):
    """Start one run per URL with that callback; returns the Callbacks object once all are settled."""
    callbacks = Callbacks(policy=AddressPolicy(allow_private=allow_private, treat_as_public=frozenset({"127.0.0.2"})),
                          resolve=fake_dns, delays=(0.05, 0.05))
    wid = flow(store)

    async def go():
        async with RunService(store, RunSettings(), callbacks=callbacks) as service:
            handles = [service.start(wid, {"x": i}, callback_url=url) for i, url in enumerate(urls)]
            for h in handles:
                await h.result()
            for _ in range(200):
                if len(callbacks.delivered) == len(urls):
                    break
                await asyncio.sleep(0.02)
            return [h.run_id for h in handles]

    return callbacks, asyncio.run(go())


def test_callbacks_to_loopback_private_link_local_and_mapped_addresses_are_refused(store, receivers):
    local, public = receivers
    port = local.url.rsplit(":", 1)[1]
    urls = [f"http://127.0.0.1:{port}/cb", f"http://[::1]:{port}/cb", f"http://[::ffff:127.0.0.1]:{port}/cb",
            "http://169.254.169.254/latest/meta-data", f"http://rebind.test:{port}/cb",
            f"{public.url}/hop?to=http://127.0.0.1:{port}/cb", f"http://public.test:{public.url.rsplit(':', 1)[1]}"
            f"/hop?to=http://rebind.test:{port}/cb", f"http://mixed.test:{port}/cb"]
    callbacks, run_ids = run_with_callbacks(store, urls)
    assert [callbacks.delivered.get(r) for r in run_ids] == [0] * len(urls)  # 0: refused (not sent, not retried)
    assert local.received == [] and public.received == []


def test_an_allowed_callback_receives_the_signed_run_object(store, receivers):
    local, public = receivers
    callbacks, [rid] = run_with_callbacks(store, [f"http://public.test:{public.url.rsplit(':', 1)[1]}/done"])
    assert callbacks.delivered[rid] == 200
    [(path, headers, body)] = public.received
    secret = store.hooks.secret(store.runs.get(rid).workflow_id)
    assert path == "/done" and headers["X-Nodeloom-Delivery"] == rid
    assert headers["X-Nodeloom-Signature"] == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    run = json.loads(body)
    assert run["run_id"] == rid and run["status"] == "succeeded" and run["outputs"] == {"y": 0}


def test_private_callbacks_go_through_when_the_settings_allow_them(store, receivers):
    local, _ = receivers
    callbacks, [rid] = run_with_callbacks(store, [f"{local.url}/cb"], allow_private=True)
    assert callbacks.delivered[rid] == 200 and len(local.received) == 1


def test_the_api_refuses_a_literal_private_callback_url_at_once(store):
    async def check(c, service, server):
        wid = flow(store)
        for url in ("http://127.0.0.1:9/x", "http://[::ffff:127.0.0.1]/", "file:///etc/passwd", "http://u:p@a.example/",
                    "http://169.254.169.254/"):
            r = await c.post(f"/workflows/{wid}/run", json={"callback_url": url})
            assert r.status_code == 422 and "callback_url" in r.json()["detail"], url

    with_api(store, check)
