"""The HTTP server (issue 13's figures), one JSON line per case, ours and the comparator in the same run.

- sse_latency_p99: ~1,000 events of a real run (a ForEach of 250 items, each a short delay and a transform), from
  the engine's timestamp to the client's receipt over SSE; baseline: a bare FastAPI SSE endpoint fed by a plain
  asyncio queue on the same loop, sent the same number of events at the same pace. Target: p99 ≤ 2× the bare
  p99 (and ≤ 10 ms absolute, printed as ``p99_ms``).
- accept_1000_async: 1,000 ``POST /workflows/{id}/run`` (async: validated, stored in the persistent queue, 202)
  from one client, 20 at a time; baseline: the same client posting to a bare FastAPI endpoint that does nothing.
  Target: ≤ 1.5×.
- sync_run_keepalive_p50: 200 sequential ``POST /workflows/{id}/run`` (sync) of a 3-node workflow (input →
  transform → output, a new input each time: no cache hits) on ONE kept-alive connection; baseline: 200
  sequential requests on one connection to a bare FastAPI endpoint served from a socket bound as ours is
  (``engine.server.serve._bind``: without TCP_NODELAY each answer waited ~40 ms for the delayed ACK). Target:
  p50 ≤ 3× (moonshot 2×).
- sync_run_throughput: the same sync runs, 500 at 50 concurrent; what is compared is the server process's CPU time
  per run against the bare endpoint's per request (the client in its own process, so its CPU is not counted).
  Target: ≤ 2×. Runs per second are printed too.
Both servers are real uvicorn on loopback ports on one loop; the client runs in its own process.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[2])

import asyncio  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from fastapi.responses import JSONResponse, StreamingResponse  # noqa: E402

from engine.longlived import keep_startup_objects  # noqa: E402
from engine.runs import RunService, RunSettings  # noqa: E402
from engine.server import ServerSettings, load_token, serve  # noqa: E402
from engine.server.serve import _bind, _Uvicorn  # noqa: E402
from engine.store import Store  # noqa: E402
from tests.builder import Flow  # noqa: E402

ITEMS, PACE_S, POSTS, AT_ONCE = 250, 0.0025, 1000, 20
SEQUENTIAL, BURST, BURST_AT_ONCE = 200, 500, 50


def line(case: str, ours: float, baseline: float, unit: str, target: str, **extra) -> None:
    print(json.dumps({"bench": "server", "case": case, "ours": round(ours, 4), "baseline": round(baseline, 4),
                      "unit": unit, "ratio": round(ours / baseline, 3), "target": target, **extra}), flush=True)


def p99(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * 0.99))]


def bare_app(queue: asyncio.Queue) -> FastAPI:
    app = FastAPI()

    @app.get("/events")
    async def events():
        async def gen():
            while True:
                item = await queue.get()
                if item is None:
                    return
                yield f"id: {item['seq']}\nevent: tick\ndata: {json.dumps(item)}\n\n"
        return StreamingResponse(gen(), media_type="text/event-stream")

    @app.post("/run")
    async def run(body: dict):
        return JSONResponse({"run_id": "x", "status": "queued"}, status_code=202)

    @app.post("/sync")
    async def sync(body: dict):
        return {"run_id": "x", "status": "succeeded", "outputs": {"y": body["inputs"]["x"] + 1}}

    return app


async def client(*args: str):
    """The client, in its own process (a thread would share our GIL and pace both servers by its switches)."""
    proc = await asyncio.create_subprocess_exec(sys.executable, __file__, "--client", *args,
                                                stdout=asyncio.subprocess.PIPE)
    ready = await proc.stdout.readline()
    assert ready.strip() == b"ready", ready
    return proc


async def client_result(proc):
    out, _ = await proc.communicate()
    assert proc.returncode == 0
    return json.loads(out)


async def read_sse(url: str, headers: dict) -> list[float]:
    latencies = []
    async with httpx.AsyncClient(timeout=60, headers=headers) as c:
        async with c.stream("GET", url) as s:
            print("ready", flush=True)
            buf = ""
            async for chunk in s.aiter_text():
                now = time.time()
                buf += chunk
                while "\n\n" in buf:
                    block, buf = buf.split("\n\n", 1)
                    data = next((ln[6:] for ln in block.splitlines() if ln.startswith("data: ")), None)
                    if data:
                        d = json.loads(data)
                        if d.get("kind") in ("node_started", "node_finished", None):
                            latencies.append((now - d["ts"]) * 1000)
    return latencies


async def post_all(url: str, headers: dict, body: dict) -> float:
    limits = httpx.Limits(max_connections=AT_ONCE)
    async with httpx.AsyncClient(timeout=60, headers=headers, limits=limits) as c:
        gate = asyncio.Semaphore(AT_ONCE)
        await c.post(url, json=body)  # warm the connection pool
        print("ready", flush=True)

        async def one(i):
            async with gate:
                r = await c.post(url, json=body)
                assert r.status_code == 202, r.text

        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(POSTS)))
        return time.perf_counter() - t0


def sequential(url: str, headers: dict) -> list[float]:
    """``SEQUENTIAL`` posts on one kept-alive connection: each one's milliseconds."""
    latencies = []
    with httpx.Client(timeout=60, headers=headers, limits=httpx.Limits(max_connections=1)) as c:
        c.post(url, json={"inputs": {"x": -1}})  # the connection opened (and the server warm)
        print("ready", flush=True)
        for i in range(SEQUENTIAL):
            t0 = time.perf_counter()
            r = c.post(url, json={"inputs": {"x": i}})
            latencies.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200 and r.json()["outputs"] == {"y": i + 1}, r.text
    return latencies


async def burst(url: str, headers: dict) -> float:
    """``BURST`` posts, ``BURST_AT_ONCE`` at a time: seconds."""
    limits = httpx.Limits(max_connections=BURST_AT_ONCE, max_keepalive_connections=BURST_AT_ONCE)
    async with httpx.AsyncClient(timeout=120, headers=headers, limits=limits) as c:
        gate = asyncio.Semaphore(BURST_AT_ONCE)
        await asyncio.gather(*(c.post(url, json={"inputs": {"x": -1 - i}}) for i in range(BURST_AT_ONCE)))
        print("ready", flush=True)

        async def one(i):
            async with gate:
                r = await c.post(url, json={"inputs": {"x": i}})
                assert r.status_code == 200 and r.json()["outputs"] == {"y": i + 1}, r.text

        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(BURST)))
        return time.perf_counter() - t0


async def server_cpu(proc, service=None) -> tuple[float, float]:
    """The client's result, and this process's CPU seconds (both servers' process, every thread) while it ran —
    until the recorder has written what the runs left it (``service``), so that work counts too."""
    cpu = time.process_time()
    result = await client_result(proc)
    if service is not None:
        await service.recorder.flush()
    return result, time.process_time() - cpu


async def sync_cases(service, server, token: str, bare_url: str) -> None:
    store = service.store
    three = (Flow("Three").node("i", "input", name="x").node("t", "transform", expression="data + 1")
             .node("o", "output", name="y").edge("i.value", "t.data").edge("t.result", "o.value").build())
    url = f"{server.url}/api/v1/workflows/{store.workflows.create(three).id}/run"
    ours = await client_result(await client("sequential", url, token))
    theirs = await client_result(await client("sequential", f"{bare_url}/sync", ""))
    p50 = sorted(ours)[len(ours) // 2]
    bare_p50 = sorted(theirs)[len(theirs) // 2]
    line("sync_run_keepalive_p50", p50, bare_p50, "ms", "<= 3 (moonshot 2)", requests=SEQUENTIAL,
         p90_ms=round(sorted(ours)[int(len(ours) * 0.9)], 3),
         bare_p90_ms=round(sorted(theirs)[int(len(theirs) * 0.9)], 3))
    ours_s, ours_cpu = await server_cpu(await client("burst", url, token), service)
    theirs_s, theirs_cpu = await server_cpu(await client("burst", f"{bare_url}/sync", ""))
    line("sync_run_throughput", ours_cpu / BURST * 1000, theirs_cpu / BURST * 1000, "ms CPU per request", "<= 2",
         runs=BURST, at_once=BURST_AT_ONCE, runs_per_s=round(BURST / ours_s, 1),
         bare_requests_per_s=round(BURST / theirs_s, 1))


async def main() -> None:
    store = Store(Path(tempfile.mkdtemp(prefix="nodeloom-bench-server-")), install_templates=False)
    loop_wf = (Flow("Loop").node("items", "constant", value=list(range(ITEMS))).node("each", "foreach")
               .node("wait", "delay", seconds=PACE_S).node("sq", "transform", expression="data * data")
               .node("col", "collect").node("out", "output", name="out")
               .edge("items.value", "each.items").edge("each.item", "wait.value").edge("wait.value", "sq.data")
               .edge("sq.result", "col.value").edge("col.items", "out.value").build())
    loop_id = store.workflows.create(loop_wf).id
    one_id = store.workflows.create(Flow("One").node("i", "input", name="x").build()).id
    service = RunService(store, RunSettings(max_queued_runs=10**6, queue_poll_s=0.05), front="server",
                         trigger="http", dispatch=True)
    await service.open()
    token = load_token(store.home)
    server = await serve(service, ServerSettings(port=0, requests_per_minute=10**7, runs_per_minute=10**7), token)
    keep_startup_objects()  # (as `nodeloom serve` does once it is set up)
    queue: asyncio.Queue = asyncio.Queue()
    # the bare server's socket bound as ours is (engine.server.serve._bind), served by uvicorn's h11 as ours is
    bare_sock = _bind(ServerSettings(port=0))
    bare = _Uvicorn(uvicorn.Config(bare_app(queue), http="h11", lifespan="off", log_level="warning",
                                   access_log=False))
    bare_task = asyncio.ensure_future(bare.serve(sockets=[bare_sock]))
    while not bare.started:
        await asyncio.sleep(0.01)
    bare_url = f"http://127.0.0.1:{bare.servers[0].sockets[0].getsockname()[1]}"
    try:
        # SSE, ours: the client subscribes to a queued run, then the run starts (every event is live)
        service.pause()
        run_id = await service.enqueue(loop_id, {})
        proc = await client("sse", f"{server.url}/api/v1/runs/{run_id}/events", token)
        service.resume()
        ours = await client_result(proc)
        # the bare endpoint, sent as many events at the pace the run emitted them
        proc = await client("sse", f"{bare_url}/events", "")
        await asyncio.sleep(0.05)
        for i in range(len(ours)):
            queue.put_nowait({"seq": i + 1, "ts": time.time()})
            if i % 4 == 3:
                await asyncio.sleep(PACE_S)
        queue.put_nowait(None)
        theirs = await client_result(proc)
        line("sse_latency_p99", p99(ours), p99(theirs), "ms", "<= 2", events=len(ours), p99_ms=round(p99(ours), 3),
             p50_ms=round(sorted(ours)[len(ours) // 2], 3), bare_p50_ms=round(sorted(theirs)[len(theirs) // 2], 3))
        # accepting 1,000 async runs (the queue held: what is measured is accepting, not running)
        await service.recorder.recorded(run_id)
        service.pause()
        body = json.dumps({"inputs": {"x": 1}, "mode": "async"})
        proc = await client("post", f"{server.url}/api/v1/workflows/{one_id}/run", token, body)
        cpu = time.process_time()
        ours_s = await client_result(proc)
        ours_cpu = time.process_time() - cpu
        proc = await client("post", f"{bare_url}/run", "", body)
        cpu = time.process_time()
        theirs_s = await client_result(proc)
        theirs_cpu = time.process_time() - cpu
        line("accept_1000_async", ours_s, theirs_s, "s", "<= 1.5", server_cpu_ms_per_request=round(ours_cpu, 3),
             bare_cpu_ms_per_request=round(theirs_cpu, 3))
        # the accepted runs were there to be accepted, not run: left queued, they drained two at a time through the
        # sync cases below, their CPU counted as the sync runs' and their commits and fsyncs in the way of each one
        await asyncio.to_thread(service.clear_queue)
        service.resume()
        await sync_cases(service, server, token, bare_url)
    finally:
        bare.should_exit = True
        await bare_task
        await server.stop()
        await service.close()
        store.close()


def client_main(kind: str, url: str, token: str, body: str = "") -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if kind == "sse":
        result = asyncio.run(read_sse(url, headers))
    elif kind == "sequential":
        result = sequential(url, headers)
    elif kind == "burst":
        result = asyncio.run(burst(url, headers))
    else:
        result = asyncio.run(post_all(url, headers, json.loads(body)))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        client_main(*sys.argv[2:])
    else:
        asyncio.run(main())
