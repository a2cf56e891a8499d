"""Live preview runs in the engine (issue 27): blocks that act on the world are held — with what follows them —
and the rest runs through the run service with trigger ``live``, the cache read and written, but nothing recorded,
nothing queued, nothing charged to a runs limit; cancelling one stops a busy block at once."""

import asyncio
import sqlite3
import time

import pytest
from PIL import Image

from engine.blocks import Block, Port, default_registry
from engine.errors import NotFound
from engine.events import NodeFinished, RunFinished
from engine.graph import live_part
from engine.runs import LiveHandle, RunService
from engine.store import Store

from .builder import Flow


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "home")
    yield s
    s.close()


def _picture(tmp_path, size=(64, 48)):
    path = tmp_path / "in.png"
    Image.linear_gradient("L").resize(size).convert("RGB").save(path)
    return path


def _save_flow(src, out):
    return (Flow("photo").node("load", "image_load", source=str(src)).node("blur", "image_blur", radius=2)
            .node("save", "image_save", path=str(out)).node("o", "output", name="path")
            .node("info", "image_info")
            .chain("load.image", "blur.image", "save.image").edge("save.path", "o.value")
            .edge("blur.image", "info.image").build())


def _count(store, table):
    with sqlite3.connect(store.home / "nodeloom.db") as db:
        return db.execute(f"select count(*) from {table}").fetchone()[0]


# -- what is held ---------------------------------------------------------------------------------------------


def test_blocks_say_whether_they_act_on_the_world():
    reg = default_registry()
    acting = {cls.type for cls in reg if cls.acts_on_world}
    assert acting == {"image_save", "http_request", "python", "sub_workflow"}
    assert reg.get("image_save").describe()["acts_on_world"] is True
    assert reg.get("image_load").describe()["acts_on_world"] is False
    http = reg.get("http_request")
    assert [m for m in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
            if http.live_safe({"method": m})] == ["GET", "HEAD"]
    assert http.live_safe({}) and not http.live_safe({"method": {"$expr": "'GET'"}})
    python = reg.get("python")
    assert not python.live_safe({}) and python.live_safe({}, user_code=True)


def test_a_node_acting_on_the_world_is_held_with_everything_downstream(tmp_path):
    wf = _save_flow(tmp_path / "in.png", tmp_path / "out.png")
    part = live_part(wf)
    assert part.held == {"save": "save", "o": "save"}
    assert [n.id for n in part.workflow.nodes] == ["load", "blur", "info"]
    assert {(e.source, e.target) for e in part.workflow.edges} == {("load", "blur"), ("blur", "info")}


def test_references_count_as_downstream_and_targets_run_only_what_they_need(tmp_path):
    wf = (Flow().node("c", "constant", value=3).node("post", "http_request", method="POST", url="http://x")
          .node("get", "http_request", url="http://y")
          .node("t", "constant", value={"$expr": "{{ nodes.post.status }}"}).node("u", "transform", expression="1")
          .edge("c.value", "post.body").build())
    part = live_part(wf)
    assert part.held == {"post": "post", "t": "post"}
    assert [n.id for n in part.workflow.nodes] == ["c", "get", "u"]
    assert [n.id for n in live_part(wf, targets=["u"]).workflow.nodes] == ["u"]
    assert [n.id for n in live_part(wf, targets=["t"]).workflow.nodes] == []  # a held target: nothing of it runs


def test_python_runs_live_only_when_allowed_and_bypassed_or_pinned_nodes_are_not_held(tmp_path):
    wf = (Flow().node("p", "python").node("t", "transform", expression="data").edge("p.result", "t.data")
          .node("s", "image_save", path="x.png").node("q", "python", pinned={"result": 1}).build())
    wf.nodes[2].bypass = True
    assert live_part(wf).held == {"p": "p", "t": "p"}
    assert live_part(wf, user_code=True).held == {}
    assert live_part(wf, use_pins=False).held == {"p": "p", "t": "p", "q": "q"}


def test_a_held_node_in_a_loop_body_holds_its_whole_loop(tmp_path):
    wf = (Flow().node("items", "constant", value=[1, 2]).node("each", "foreach")
          .node("post", "http_request", method="POST", url="http://x").node("all", "collect")
          .node("after", "transform", expression="data").node("alone", "constant", value=1)
          .chain("items.value", "each.items").edge("each.item", "post.body").edge("post.status", "all.value")
          .edge("all.items", "after.data").build())
    part = live_part(wf)
    assert set(part.held) == {"each", "post", "all", "after"}
    assert [n.id for n in part.workflow.nodes] == ["items", "alone"]


def test_a_target_in_a_loop_body_brings_its_whole_loop(tmp_path):
    wf = (Flow().node("items", "constant", value=[1, 2]).node("each", "foreach")
          .node("double", "transform", expression="data * 2").node("all", "collect")
          .node("after", "transform", expression="data")
          .chain("items.value", "each.items").edge("each.item", "double.data").edge("double.result", "all.value")
          .edge("all.items", "after.data").build())
    assert [n.id for n in live_part(wf, targets=["double"]).workflow.nodes] == ["items", "each", "double", "all"]


# -- live runs through the service ---------------------------------------------------------------------------


def test_a_live_run_uses_the_cache_but_is_never_recorded_queued_or_charged(store, tmp_path):
    src, out = _picture(tmp_path), tmp_path / "out.png"
    wf = _save_flow(src, out)

    async def go():
        async with RunService(store, front="editor") as service:
            service.launcher.limit_runs(1)  # (a limit counts only what a requester starts: live runs never)
            sub = service.subscribe()
            first = service.start_live(wf, targets=["info"], run_id="live-1")
            assert isinstance(first, LiveHandle) and first.held == {"save": "save", "o": "save"}
            assert service.origin("live-1").trigger == "live"
            r1 = await first.result()
            r2 = await service.start_live(wf, targets=["info"], run_id="live-2").result()
            recorded = await service.start(wf, run_id="real").result()
            events = sub.drain()
            return r1, r2, recorded, events

    r1, r2, recorded, events = asyncio.run(go())
    assert (r1.status, r2.status, recorded.status) == ("succeeded",) * 3
    statuses = {(ev.run_id, ev.node_id): ev.status for ev in events if isinstance(ev, NodeFinished)}
    assert {k[1]: v for k, v in statuses.items() if k[0] == "live-1"} == {
        "load": "succeeded", "blur": "succeeded", "info": "succeeded"}
    assert {k[1]: v for k, v in statuses.items() if k[0] == "live-2"} == {
        "load": "cached", "blur": "cached", "info": "cached"}
    assert statuses[("real", "blur")] == "cached" and statuses[("real", "save")] == "succeeded"
    assert out.exists()  # written by the real run only (the live runs held it)
    for run_id in ("live-1", "live-2"):
        with pytest.raises(NotFound):
            store.runs.get(run_id)
        assert store.events.after(run_id) == []
    assert [r.id for r in store.runs.list()] == ["real"]
    assert _count(store, "runs") == 1 and _count(store, "node_runs") == 5
    assert store.queue.view().queued == [] and store.queue.view().running == []


def test_a_live_run_holding_the_save_writes_no_file(store, tmp_path):
    out = tmp_path / "out.png"

    async def go():
        async with RunService(store) as service:
            return await service.start_live(_save_flow(_picture(tmp_path), out)).result()

    assert asyncio.run(go()).status == "succeeded"
    assert not out.exists()


class BusyBlock(Block):
    """Busy for 5 s in a worker thread, as a big blur is (a thread cannot be stopped: it is left to finish)."""

    type = "test_busy"
    outputs = (Port("value", "any"),)

    async def run(self, ctx, inputs, config):
        await ctx.run_blocking(time.sleep, 5)
        return {"value": 1}


@pytest.mark.parametrize("busy", ["delay", "test_busy", "python"])
def test_cancelling_a_live_run_stops_a_busy_block_at_once(store, busy):
    """Sleeping on the loop, busy in a worker thread (abandoned), or in a python block's process (killed)."""
    config = {"python": {"code": "import time\ndef main(data):\n    time.sleep(30)\n"}, "delay": {"seconds": 30}}
    wf = Flow().node("wait", busy, **config.get(busy, {})).build()
    registry = default_registry().copy()
    registry.register(BusyBlock, "tests")

    async def go():
        async with RunService(store, registry=registry) as service:
            sub = service.subscribe()
            handle = service.start_live(wf, user_code=True)
            async for ev in sub:
                if getattr(ev, "node_id", None) == "wait":  # (node_started: it is busy)
                    break
            await asyncio.sleep(0.2)
            t0 = time.perf_counter()
            assert service.cancel(handle.run_id) == "cancelling"
            result = await handle.result()
            return result, time.perf_counter() - t0, [e for e in sub.drain() if isinstance(e, (RunFinished,
                                                                                                NodeFinished))]

    result, took, ended = asyncio.run(go())
    assert result.status == "cancelled" and took < 1.0, took
    assert [(type(e).__name__, e.status) for e in ended] == [("NodeFinished", "cancelled"),
                                                            ("RunFinished", "cancelled")]


def test_recorded_runs_beside_live_runs_keep_every_event(store):
    wf = Flow().node("a", "constant", value=1).node("b", "transform", expression="data + 1").edge(
        "a.value", "b.data").build()

    async def go():
        async with RunService(store) as service:
            handles = []
            for i in range(10):
                handles.append(service.start_live(wf, run_id=f"live-{i}"))
                handles.append(service.start(wf, run_id=f"real-{i}"))
            await asyncio.gather(*(h.result() for h in handles))

    asyncio.run(go())
    assert sorted(r.id for r in store.runs.list(limit=100)) == sorted(f"real-{i}" for i in range(10))
    for i in range(10):
        kinds = [e["kind"] for e in store.events.after(f"real-{i}")]
        assert kinds[0] == "run_queued" and kinds[-1] == "run_finished" and kinds.count("node_finished") == 2
    assert _count(store, "node_runs") == 20
