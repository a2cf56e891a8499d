"""The server's checks made strict (SPEC §9), through a real uvicorn on a loopback port: the bearer scheme in any
case, a WebSocket's token in its subprotocols, a WebSocket to an unknown run, non-finite numbers in JSON bodies,
a deleted workflow's versions, every loopback address, and secret files only their owner can read."""

import asyncio
import json
import os
import socket
import stat
import subprocess
import sys

import httpx
import pytest
import websockets

from engine.server import ServerSettings
from engine.store import Store

from .builder import Flow
from .server_helpers import OPEN, started, with_api, with_server

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path, install_templates=False)
    yield s
    s.close()


def doubler() -> dict:
    return (Flow("Doubler").node("i", "input", name="x").node("t", "transform", expression="data * 2")
            .node("o", "output", name="y").edge("i.value", "t.data", "e1").edge("t.result", "o.value", "e2")
            .build().model_dump(mode="json"))


async def create(client, document) -> str:
    r = await client.post("/workflows", json={"document": document})
    assert r.status_code == 201, r.text
    return r.json()["id"]


# -- 4. the bearer scheme in any case ---------------------------------------------------------------------------

def test_the_bearer_scheme_is_matched_in_any_case_and_nothing_else_passes(store):
    async def check(client, token, server):
        async def status(value):
            return (await client.get("/api/v1/workflows", headers={"Authorization": value})).status_code

        for scheme in ("Bearer", "bearer", "BEARER", "bEaReR"):
            assert await status(f"{scheme} {token}") == 200, scheme
        assert await status(f"Bearer   {token}") == 200  # 1*SP (RFC 7235)
        for value in (token, f"Bearer{token}", f"Basic {token}", f"Bearerx {token}", f"bearer {token}x",
                      f"bearer {token[:-1]}", "bearer", "bearer x", f"{token} bearer"):
            assert await status(value) == 401, value

    with_server(store, check, **OPEN)


# -- 5 and 9. WebSockets ----------------------------------------------------------------------------------------

def test_a_websocket_to_an_unknown_run_closes_with_4404_and_a_reason(store):
    async def check(c, service, server):
        token = c.headers["authorization"].split()[1]
        url = server.url.replace("http", "ws") + "/api/v1/runs/no-such-run/ws"
        async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            with pytest.raises(websockets.exceptions.ConnectionClosed) as e:
                await asyncio.wait_for(ws.recv(), 10)
        assert (e.value.rcvd.code, e.value.rcvd.reason) == (4404, "no run with id 'no-such-run'"), e.value.rcvd

    with_api(store, check)


def test_a_browser_page_on_an_allowed_origin_authenticates_a_websocket_by_its_subprotocols(store):
    origin = "http://localhost:3000"

    async def check(c, service, server):
        token = c.headers["authorization"].split()[1]
        wid = await create(c, doubler())
        rid = (await c.post(f"/workflows/{wid}/run", json={"inputs": {"x": 4}})).json()["run_id"]
        url = server.url.replace("http", "ws") + f"/api/v1/runs/{rid}/ws"
        got = []
        async with websockets.connect(url, origin=origin, subprotocols=["nodeloom.bearer", token]) as ws:
            assert ws.subprotocol == "nodeloom.bearer"  # echoed: the token itself is never sent back
            assert token not in str(ws.response.headers)
            async for message in ws:
                got += json.loads(message)
        assert got[-1]["kind"] == "run_finished" and got[-1]["outputs"] == {"y": 8}
        for origin_, protocols in ((origin, ["nodeloom.bearer", "wrong" * 9]), (origin, ["nodeloom.bearer"]),
                                   (origin, [token]), ("http://localhost:3001", ["nodeloom.bearer", token]),
                                   ("null", ["nodeloom.bearer", token])):
            with pytest.raises(websockets.exceptions.InvalidStatus) as e:
                async with websockets.connect(url, origin=origin_, subprotocols=protocols):
                    pass
            assert e.value.response.status_code == 403, (origin_, protocols)

    with_api(store, check, allowed_origins=(origin,))


# -- 6. non-finite numbers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1E+400", "1" * 400 + ".5"])
def test_non_finite_numbers_in_json_bodies_are_a_422_naming_them(store, number):
    async def check(c, service, server):
        wid = await create(c, doubler())
        json_ = {"Content-Type": "application/json"}
        run = await c.post(f"/workflows/{wid}/run", content=f'{{"inputs": {{"x": {number}}}}}', headers=json_)
        document = json.dumps(doubler()).replace('"position": [0.0, 0.0]', f'"position": [{number}, 0.0]', 1)
        made = await c.post("/workflows", content=f'{{"document": {document}}}', headers=json_)
        runs = (await c.get("/runs", params={"workflow_id": wid})).json()["items"]
        workflows = (await c.get("/workflows")).json()["total"]
        fine = await c.post(f"/workflows/{wid}/run", json={"inputs": {"x": "NaN"}})  # a string is data
        return run, made, runs, workflows, fine

    run, made, runs, workflows, fine = with_api(store, check)
    for r in (run, made):
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        assert number[:8] in detail and ("finite" in detail or "64-bit" in detail), detail
    assert runs == [] and workflows == 1  # neither ran nor was stored
    assert fine.status_code == 200 and fine.json()["outputs"] == {"y": "NaNNaN"}


# -- 7. a deleted workflow's versions -----------------------------------------------------------------------------

def test_a_deleted_workflows_versions_answer_404(store):
    async def check(c, service, server):
        wid = await create(c, doubler())
        paths = [f"/workflows/{wid}/versions", f"/workflows/{wid}/versions/1",
                 f"/workflows/{wid}/versions/compare?a=1&b=1"]
        before = [(await c.get(p)).status_code for p in paths]
        assert (await c.delete(f"/workflows/{wid}")).status_code == 200
        after = [(await c.get(p)) for p in paths]
        return before, after, wid

    before, after, wid = with_api(store, check)
    assert before == [200, 200, 200]
    assert [r.status_code for r in after] == [404, 404, 404], [r.text for r in after]
    assert all(r.json()["detail"] == f"no workflow with id {wid!r}" for r in after)  # (its closing quote kept)
    assert store.workflows.versions(wid)  # kept (restorable from the trash)


# -- 8. every loopback address --------------------------------------------------------------------------------

def test_all_of_127_0_0_0_8_and_ipv6_loopback_count_as_loopback():
    for host in ("127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "0:0:0:0:0:0:0:1", "localhost", "LOCALHOST"):
        assert ServerSettings(host=host).loopback, host
    for host in ("0.0.0.0", "::", "192.168.1.2", "10.0.0.1", "127.0.0.1.nip.io", "localhost.evil.example"):
        assert not ServerSettings(host=host).loopback, host


def _can_bind(address: str) -> bool:
    try:
        with socket.socket() as s:
            s.bind((address, 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _can_bind("127.0.0.2"), reason="this machine cannot bind 127.0.0.2")
def test_a_server_on_127_0_0_2_answers_its_address_and_other_loopback_hosts(store):
    async def go():
        service, server, token = await started(store, host="127.0.0.2", **OPEN)
        try:
            auth = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(base_url=server.url, timeout=10, headers=auth) as client:
                assert server.url.startswith("http://127.0.0.2:")
                hosts = ("127.0.0.2:{port}", "127.0.0.2", "127.0.0.3", "localhost:{port}", "[::1]", "evil.example",
                         "127.0.0.2.nip.io")
                return {host: (await client.get("/api/v1/workflows", headers={"Host": host.format(port=server.port)}
                                                )).status_code for host in hosts}
        finally:
            await server.stop()
            await service.close()

    assert asyncio.run(go()) == {"127.0.0.2:{port}": 200, "127.0.0.2": 200, "127.0.0.3": 200, "localhost:{port}": 200,
                                 "[::1]": 200, "evil.example": 403, "127.0.0.2.nip.io": 403}


@pytest.mark.skipif(not _can_bind("127.0.0.2"), reason="this machine cannot bind 127.0.0.2")
def test_nodeloom_serve_on_127_0_0_2_is_loopback_and_does_not_warn(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "--home", str(tmp_path), "serve", "--host",
                             "127.0.0.2", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("Nodeloom serves http://127.0.0.2:"), line
        token = (tmp_path / "server-token").read_text().strip()
        r = httpx.get(line.split()[2] + "/workflows", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "beyond this computer" not in err, err


# -- 10. secret files ----------------------------------------------------------------------------------------------

def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_data_folder_nodeloom_creates_is_its_owners_only_and_one_that_exists_is_left_as_it_is(tmp_path):
    old = os.umask(0o022)  # the usual umask: folders made without care are 0755
    try:
        home = tmp_path / "made" / "nodeloom"  # neither exists yet
        Store(home, install_templates=False).close()
        assert _mode(home) == 0o700
        assert _mode(home.parent) == 0o755  # (only the data folder itself: its parents are not ours)
        env = {**os.environ, "NODELOOM_HOME": str(tmp_path / "by-the-cli"), "PYTHONWARNINGS": "ignore"}
        done = subprocess.run([sys.executable, "-m", "app.cli", "list"], capture_output=True, text=True, timeout=60,
                              env=env)
        assert done.returncode == 0, done.stderr
        assert _mode(tmp_path / "by-the-cli") == 0o700
        mine = tmp_path / "chosen"
        mine.mkdir(mode=0o750)  # a folder the user made and chose: its mode is theirs
        Store(mine, install_templates=False).close()
        assert _mode(mine) == 0o750
    finally:
        os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_database_its_wal_and_shm_and_the_token_are_readable_by_their_owner_only(tmp_path):
    old = os.umask(0o022)  # the usual umask: files made without care are 0644
    try:
        s = Store(tmp_path, install_templates=False)
        s.workflows.create(Flow("x").node("i", "input", name="x").build())  # the WAL and its index exist now
        from engine.server import load_token

        load_token(tmp_path)
        files = [tmp_path / n for n in ("nodeloom.db", "nodeloom.db-wal", "nodeloom.db-shm", "server-token")]
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
        s.close()
        for f in files[:3]:
            if f.exists():
                f.chmod(0o644)  # made by an older Nodeloom, or by hand
        s = Store(tmp_path, install_templates=False)
        s.workflows.create(Flow("y").node("i", "input", name="x").build())
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
        assert s.workflows.list().total == 2  # nothing lost
        s.close()
    finally:
        os.umask(old)
