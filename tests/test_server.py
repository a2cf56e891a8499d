"""The HTTP server's foundation (issue 13), through a real uvicorn on a loopback port: the guard in front of
every route, the token, and `nodeloom serve` as a user runs it."""

import asyncio
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from engine.runs import RunService, RunSettings
from engine.server import Guard, ServerSettings, load_token, serve
from engine.server.serve import _Uvicorn
from engine.store import Store

from .server_helpers import with_server

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path)
    yield s
    s.close()


def test_every_route_but_health_and_the_webhook_needs_the_token(store):
    webhook = ("POST", "/api/v1/hooks/{workflow_id}")  # (its Standard Webhooks signature authenticates it)

    async def check(client, token, server):
        assert (await client.get("/api/v1/health")).json()["status"] == "ok"
        spec = (await client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"})).json()
        routes = [(m.upper(), p) for p, ops in spec["paths"].items() for m in ops
                  if p != "/api/v1/health" and (m.upper(), p) != webhook]
        assert routes  # (a new route is enumerated here from the document: it cannot slip through)
        for method, path in routes + [("GET", "/api/v1/openapi.json")]:
            url = path.replace("{", "").replace("}", "")
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
                r = await client.request(method, url, headers=headers)
                assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer", (method, path, headers)
        for headers in ({}, {"Authorization": "Bearer wrong"}):  # the webhook asks for its signature instead
            r = await client.post("/api/v1/hooks/workflow_id", headers=headers)
            assert r.status_code == 401 and "webhook-id" in r.json()["detail"] and "www-authenticate" not in r.headers
        ok = await client.get("/api/v1/workflows", params={"templates": "true"},
                              headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200 and ok.json()["total"] >= 8
        assert {"401", "403", "413", "429"} <= set(spec["paths"]["/api/v1/workflows"]["get"]["responses"])

    with_server(store, check)


def test_foreign_hosts_and_cross_site_requests_get_403(store):
    async def check(client, token, server):
        auth = {"Authorization": f"Bearer {token}"}
        for headers in ({"Host": "evil.example"}, {"Host": "attacker.127.0.0.1.nip.io"},
                        {"Origin": "https://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
            for path in ("/api/v1/health", "/api/v1/workflows"):
                r = await client.get(path, headers={**auth, **headers})
                assert r.status_code == 403, (headers, path)
        r = await client.get("/api/v1/workflows", headers={**auth, "Host": f"localhost:{server.port}"})
        assert r.status_code == 200

    with_server(store, check)


def test_oversized_bodies_get_413_declared_or_chunked(store):
    """A body is refused by its declared length at once, and a chunked one as it grows past the limit."""
    async def echo(scope, receive, send):
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(body)).encode()})

    async def go():
        import uvicorn

        settings = ServerSettings(port=0, max_body_bytes=64 * 1024)
        uv = _Uvicorn(uvicorn.Config(Guard(echo, settings, "t" * 43), host="127.0.0.1", port=0, lifespan="off",
                                     log_level="warning"))
        task = asyncio.ensure_future(uv.serve())
        while not uv.started:
            await asyncio.sleep(0.01)
        port = uv.servers[0].sockets[0].getsockname()[1]
        auth = {"Authorization": "Bearer " + "t" * 43}

        async def chunks(n):
            for _ in range(n):
                yield b"x" * 16 * 1024

        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                small = await client.post("/x", content=b"y" * 1000, headers=auth)
                declared = await client.post("/x", content=b"y" * (65 * 1024), headers=auth)
                chunked = await client.post("/x", content=chunks(20), headers=auth)
                fine = await client.post("/x", content=chunks(2), headers=auth)
            return small, declared, chunked, fine
        finally:
            uv.should_exit = True
            await task

    small, declared, chunked, fine = asyncio.run(go())
    assert (small.status_code, small.text) == (200, "1000")
    assert declared.status_code == 413 and chunked.status_code == 413
    assert (fine.status_code, fine.text) == (200, str(32 * 1024))


def test_too_many_requests_get_429_with_retry_after(store):
    async def check(client, token, server):
        auth = {"Authorization": f"Bearer {token}"}
        codes = [(await client.get("/api/v1/workflows", headers=auth)) for _ in range(8)]
        return codes

    responses = with_server(store, check, requests_per_minute=5)
    assert [r.status_code for r in responses[:5]] == [200] * 5
    assert responses[5].status_code == 429 and int(responses[5].headers["retry-after"]) >= 1


def test_the_token_is_long_and_only_the_user_can_read_it(tmp_path):
    token = load_token(tmp_path)
    path = tmp_path / "server-token"
    assert len(token) >= 43 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_token(tmp_path) == token
    path.chmod(0o644)  # readable by others: not trusted any more
    assert load_token(tmp_path) != token and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_nodeloom_serve_prints_its_address_and_stops_on_sigterm_within_two_seconds(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "--home", str(tmp_path), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "Nodeloom serves http://127.0.0.1:" in line, proc.stderr.read() if proc.poll() is not None else line
        url = line.split()[2]
        token = (tmp_path / "server-token").read_text().strip()
        r = httpx.get(f"{url}/workflows", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 200
        t0 = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0 and time.perf_counter() - t0 < 2.0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_second_server_on_a_taken_port_says_why(store):
    async def check(client, token, server):
        service = RunService(store, RunSettings(), front="server")
        await service.open()
        try:
            with pytest.raises(OSError, match="could not listen"):
                await serve(service, ServerSettings(port=server.port), token)
        finally:
            await service.close()

    with_server(store, check)


def test_the_server_imports_nothing_from_the_app_and_the_executor_nothing_from_the_server():
    import ast

    root = Path(__file__).resolve().parents[1] / "engine"
    for folder, banned in ((root / "server", ("app",)), (root / "executor", ("engine.server",))):
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
                for name in names:
                    assert not any(name == b or name.startswith(b + ".") for b in banned), (path, name)


def test_sigterm_leaves_queued_runs_queued_and_requeues_the_running_one(tmp_path):
    from .builder import Flow

    store = Store(tmp_path, install_templates=False)
    wf = Flow("Slow").node("d", "delay", seconds=30).build()
    wid = store.workflows.create(wf).id
    store.close()
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "--home", str(tmp_path), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split()[2]
        assert proc.stdout.readline().startswith("Authorization: Bearer ")
        auth = {"Authorization": f"Bearer {(tmp_path / 'server-token').read_text().strip()}"}
        ids = [httpx.post(f"{url}/workflows/{wid}/run", json={"mode": "async"}, headers=auth).json()["run_id"]
               for _ in range(3)]
        deadline = time.monotonic() + 10
        while httpx.get(f"{url}/runs/{ids[0]}", headers=auth).json()["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    store = Store(tmp_path, install_templates=False)
    try:
        assert [store.runs.get(i).status for i in ids] == ["queued"] * 3
    finally:
        store.close()


def test_cors_headers_only_for_an_exactly_allowed_origin(store):
    async def check(client, token, server):
        auth = {"Authorization": f"Bearer {token}"}
        plain = await client.get("/api/v1/workflows", headers=auth)
        assert plain.status_code == 200 and "access-control-allow-origin" not in plain.headers
        ok = await client.get("/api/v1/workflows", headers={**auth, "Origin": "http://localhost:3000"})
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "http://localhost:3000"
        pre = await client.options("/api/v1/workflows", headers={"Origin": "http://localhost:3000",
                                                                 "Access-Control-Request-Method": "POST"})
        assert pre.status_code == 204 and "Authorization" in pre.headers["access-control-allow-headers"]
        for origin in ("http://localhost:3001", "http://localhost:3000.evil.example", "null"):
            r = await client.options("/api/v1/workflows", headers={"Origin": origin,
                                                                   "Access-Control-Request-Method": "POST"})
            assert r.status_code == 403 and "access-control-allow-origin" not in r.headers, origin

    with_server(store, check, allowed_origins=("http://localhost:3000",))
