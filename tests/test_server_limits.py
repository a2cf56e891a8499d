"""The server's limits on the wire (SPEC §9), through a real uvicorn on a loopback port and real sockets:
TCP_NODELAY on every served socket, 413 for an oversized chunked body on every route that takes one, and slow
or idle clients that cannot starve the server (header and body timeouts, a cap on open connections)."""

import asyncio
import socket
import statistics
import time

import httpx
import pytest

from engine.server import ServerSettings
from engine.store import Store

from .server_helpers import OPEN, started

pytestmark = pytest.mark.timeout(120)

MiB = 2**20


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path, install_templates=False)
    yield s
    s.close()


def on_server(store, check, **settings):
    """``await check(server, token)`` on a real server (rate limits open unless given)."""
    async def go():
        service, server, token = await started(store, **{**OPEN, **settings})
        try:
            return await check(server, token)
        finally:
            await server.stop()
            await service.close()

    return asyncio.run(go())


async def health_within(server, seconds: float) -> float:
    """/health on a new connection: answered 200 within ``seconds``; returns how long it took."""
    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=server.url, timeout=seconds) as client:
        r = await client.get("/api/v1/health")
    took = time.perf_counter() - t0
    assert r.status_code == 200 and took < seconds, (r.status_code, took)
    return took


async def closed_by_server(reader: asyncio.StreamReader) -> None:
    """Returns once the server closed the connection (whatever it wrote before)."""
    try:
        while await reader.read(65536):
            pass
    except ConnectionError:
        pass


# -- 1. TCP_NODELAY --------------------------------------------------------------------------------------------

def test_every_served_socket_has_tcp_nodelay(store):
    async def check(server, token):
        async with httpx.AsyncClient(base_url=server.url) as client:
            assert (await client.get("/api/v1/health")).status_code == 200
            served = [p.transport.get_extra_info("socket") for p in server._uv.server_state.connections]
            assert served, "the kept-alive connection is open"
            for sock in served:
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        for listener in server._uv.servers[0].sockets:
            assert listener.proto == socket.IPPROTO_TCP

    on_server(store, check)


def test_requests_on_one_kept_alive_connection_do_not_wait_for_delayed_acks(store):
    """Without TCP_NODELAY every answer (head, then body: two writes) waited ~40 ms for the client's ACK."""
    async def check(server, token):
        took = []
        async with httpx.AsyncClient(base_url=server.url, limits=httpx.Limits(max_connections=1)) as client:
            await client.get("/api/v1/health")
            for _ in range(20):
                t0 = time.perf_counter()
                assert (await client.get("/api/v1/health")).status_code == 200
                took.append(time.perf_counter() - t0)
            assert len(server._uv.server_state.connections) == 1
        return took

    took = on_server(store, check)
    assert statistics.median(took) < 0.020, [round(t * 1000, 1) for t in took]


# -- 2. oversized chunked bodies -------------------------------------------------------------------------------

def test_a_40_mib_chunked_body_gets_413_on_every_route_that_takes_a_body(store):
    async def big():
        for _ in range(40):
            yield b" " * MiB

    async def check(server, token):
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                # a webhook's headers (Standard Webhooks), so that its route would read the body
                "webhook-id": "d-1",
                "webhook-timestamp": str(int(time.time())), "webhook-signature": "v1,AAAA"}
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            spec = (await client.get("/api/v1/openapi.json", headers=auth)).json()
            routes = [(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if m in ("post", "put", "patch")]
            assert {("POST", "/api/v1/workflows"), ("PUT", "/api/v1/workflows/{workflow_id}"),
                    ("POST", "/api/v1/workflows/{workflow_id}/run"), ("POST", "/api/v1/nodes/test"),
                    ("POST", "/api/v1/validate"), ("POST", "/api/v1/hooks/{workflow_id}"),
                    ("POST", "/api/v1/runs/{run_id}/replay"), ("PATCH", "/api/v1/runs/{run_id}")} <= set(routes)
            answers = {}
            for method, path in routes:
                url = path.replace("{", "").replace("}", "")
                r = await client.request(method, url, content=big(), headers=auth)
                json_ = r.headers.get("content-type") == "application/json"
                answers[(method, path)] = (r.status_code, r.json().get("detail") if json_ else r.text)
                assert (await client.get("/api/v1/health")).status_code == 200  # and it still answers
        return answers

    answers = on_server(store, check)
    wrong = {route: answer for route, answer in answers.items() if answer[0] != 413}
    assert not wrong, "\n".join(f"{m} {p}: {code} {detail}" for (m, p), (code, detail) in wrong.items())
    assert all("larger than 33554432 bytes" in detail for _, detail in answers.values())


def test_a_chunked_body_within_the_limit_still_reaches_the_route(store):
    async def parts():
        yield b'{"document": {"format": "nodeloom.workflow", "schema_version": 1, "name": "Chunked", '
        yield b'"nodes": [], "edges": []}' + b" " * MiB + b"}"

    async def check(server, token):
        async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30,
                                     headers={"Authorization": f"Bearer {token}"}) as client:
            r = await client.post("/workflows", content=parts(), headers={"Content-Type": "application/json"})
            assert r.status_code == 201, r.text
            assert (await client.get(f"/workflows/{r.json()['id']}")).json()["name"] == "Chunked"

    on_server(store, check)


def test_a_declared_oversized_body_gets_a_413_the_client_can_read_and_an_endless_one_is_cut_off(store):
    async def check(server, token):
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            for size in (40 * MiB, 100 * MiB):  # sent whole, while the server drops the rest after its answer
                r = await client.post("/api/v1/validate", content=b" " * size, headers=auth)
                assert r.status_code == 413, size
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"POST /api/v1/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                     + "".join(f"{k}: {v}\r\n" for k, v in auth.items()).encode() + b"\r\n")
        head = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))  # read as it comes (a reset drops what waits)
        chunk = b"%x\r\n%s\r\n" % (MiB, b" " * MiB)
        t0 = time.perf_counter()
        try:
            while time.perf_counter() - t0 < 20:  # never ending
                writer.write(chunk)
                await writer.drain()
        except ConnectionError:
            pass
        cut = time.perf_counter() - t0
        writer.close()
        assert head.done() and head.result().startswith(b"HTTP/1.1 413 ") and 2 <= cut < 10, (head, cut)

    on_server(store, check, body_timeout_s=2.0)


# -- 3. slow clients -------------------------------------------------------------------------------------------

def test_the_limits_on_slow_clients_have_desktop_defaults_and_refuse_nonsense():
    s = ServerSettings()
    assert (s.header_timeout_s, s.body_timeout_s, s.max_connections) == (10.0, 30.0, 256)
    for bad in ({"header_timeout_s": 0}, {"body_timeout_s": -1}, {"max_connections": 0},
                {"header_timeout_s": "ten"}, {"max_connections": 2.5}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            ServerSettings(**bad)


def test_200_half_open_connections_are_closed_by_the_header_timeout_while_health_answers(store):
    async def check(server, token):
        t0 = time.perf_counter()
        partial = [b"", b"GET /api/v1/hea", b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                   b"POST /api/v1/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le"]
        conns = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(200)]
        for i, (_, writer) in enumerate(conns):
            writer.write(partial[i % len(partial)])
        dribblers = conns[:10]  # one more byte of a header every 0.3 s: progress, but the headers never end

        async def dribble():
            for n in range(100):
                for _, writer in dribblers:
                    if not writer.is_closing():
                        writer.write(b"X-Slow-%d: y\r\n" % n)
                await asyncio.sleep(0.3)

        dribbling = asyncio.ensure_future(dribble())
        all_closed = asyncio.ensure_future(asyncio.gather(*(closed_by_server(r) for r, _ in conns)))
        answered = 0
        try:
            while not all_closed.done():
                assert time.perf_counter() - t0 < 15, "half-open connections still open after 15 s"
                await health_within(server, 3.0)
                answered += 1
                await asyncio.wait({all_closed}, timeout=0.25)
        finally:
            dribbling.cancel()
            for _, writer in conns:
                writer.close()
        took = time.perf_counter() - t0
        assert took >= 1.9, "closed before the header timeout"
        assert answered >= 4
        await health_within(server, 3.0)
        return took

    on_server(store, check, header_timeout_s=2.0)


def test_a_body_that_stops_coming_is_closed_but_a_slow_steady_one_is_read(store):
    async def check(server, token):
        head = (f"POST /api/v1/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n")
        body = b'{"document": {"format": "nodeloom.workflow", "nodes": []}}'
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write((head % len(body)).encode() + body[:10])
        t0 = time.perf_counter()
        await asyncio.wait_for(closed_by_server(reader), 10)
        stalled = time.perf_counter() - t0
        writer.close()
        assert 1.9 <= stalled < 5, stalled

        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write((head % len(body)).encode())
        t0 = time.perf_counter()
        for i in range(0, len(body), 4):  # 4 bytes every 0.3 s: 4.5 s in all, over twice the body timeout
            writer.write(body[i:i + 4])
            await asyncio.sleep(0.3)
        answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        writer.close()
        assert time.perf_counter() - t0 > 4 and answer.startswith(b"HTTP/1.1 200 "), answer

    on_server(store, check, body_timeout_s=2.0)


def test_connections_over_the_cap_are_refused_at_once_and_health_answers_when_they_close(store):
    async def check(server, token):
        idle = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(20)]
        for reader, _ in idle:  # all accepted and held open
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(reader.read(1), 0.05)
        refused = []
        for _ in range(10):
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            t0 = time.perf_counter()
            try:
                said = await asyncio.wait_for(reader.read(), 2)
            except ConnectionError:
                said = b""
            refused.append((time.perf_counter() - t0, said))
            writer.close()
        for took, said in refused:
            assert took < 1.0 and (said == b"" or said.startswith(b"HTTP/1.1 503 ")), (took, said)
        for _, writer in idle:
            writer.close()
        deadline = time.perf_counter() + 5
        while True:  # the server sees the closes a moment later
            try:
                await health_within(server, 3.0)
                break
            except (AssertionError, httpx.HTTPError):
                assert time.perf_counter() < deadline, "health does not answer after the idle ones closed"
                await asyncio.sleep(0.05)

    on_server(store, check, max_connections=20, header_timeout_s=60.0)
