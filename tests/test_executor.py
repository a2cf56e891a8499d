"""Executor behaviour beyond the literal event lists: concurrency, loops, errors, pins, subscribers."""

import asyncio
import time

import pytest

from engine import InputError
from engine.blocks import Block, Port
from engine.events import NodeFinished, NodeStarted
from engine.executor import Executor

from .builder import Flow, brief


def fan(n, seconds, **wf_settings):
    f = Flow().node("src", "constant", value=1)
    for i in range(n):
        f.node(f"d{i}", "delay", seconds=seconds).edge("src.value", f"d{i}.value")
    wf = f.build()
    return wf.model_copy(update=wf_settings)


def test_max_concurrency_bounds_running_nodes(run_flow):
    result, events = run_flow(fan(6, 0.05, max_concurrency=2))
    running = peak = 0
    for ev in events:
        if isinstance(ev, NodeStarted) and ev.node_id != "src":
            running += 1
            peak = max(peak, running)
        elif isinstance(ev, NodeFinished) and ev.node_id != "src":
            running -= 1
    assert result.status == "succeeded" and peak == 2


def test_independent_nodes_run_concurrently(run_flow):
    t0 = time.monotonic()
    result, _ = run_flow(fan(8, 0.2))
    assert result.status == "succeeded"
    assert time.monotonic() - t0 < 0.2 * 8 / 2  # far less than one after the other


def loop_flow(n, parallel, batch_size, seconds=0.05):
    return (Flow().node("items", "constant", value=list(range(n)))
            .node("each", "foreach", parallel=parallel, batch_size=batch_size)
            .node("wait", "delay", seconds=seconds)
            .node("sq", "transform", expression="data * data")
            .node("col", "collect").node("out", "output", name="out")
            .edge("items.value", "each.items").edge("each.item", "wait.value").edge("wait.value", "sq.data")
            .edge("sq.result", "col.value").edge("col.items", "out.value").build())


def test_parallel_foreach_runs_batch_size_at_a_time_and_keeps_order(run_flow):
    result, events = run_flow(loop_flow(12, True, 4))
    assert result.outputs == {"out": [i * i for i in range(12)]}
    running = peak = 0
    for ev in events:
        if getattr(ev, "node_id", None) == "wait":
            if isinstance(ev, NodeStarted):
                running += 1
                peak = max(peak, running)
            elif isinstance(ev, NodeFinished):
                running -= 1
    assert peak == 4


def test_sequential_foreach_runs_one_at_a_time(run_flow):
    result, events = run_flow(loop_flow(3, False, 10, seconds=0))
    waits = [brief(e) for e in events if getattr(e, "node_id", None) == "wait"]
    assert waits == [("started", "wait", (0,)), ("succeeded", "wait", (0,)), ("started", "wait", (1,)),
                     ("succeeded", "wait", (1,)), ("started", "wait", (2,)), ("succeeded", "wait", (2,))]


def test_loop_reads_outside_values_and_loop_variables(run_flow):
    wf = (Flow().node("items", "constant", value=["a", "b", "c"]).node("prefix", "constant", value="#")
          .node("each", "foreach")
          .node("t", "template", template="{{loop.index}}/{{loop.total}} {{data}}{{loop.item}} {{loop.last}}")
          .node("join", "merge", mode="list")
          .node("col", "collect").node("out", "output", name="out")
          .edge("items.value", "each.items").edge("prefix.value", "join.a").edge("each.item", "join.b")
          .edge("join.value", "t.data").edge("t.text", "col.value").edge("col.items", "out.value").build())
    result, _ = run_flow(wf)
    assert result.outputs["out"] == ['0/3 ["#", "a"]a false', '1/3 ["#", "b"]b false', '2/3 ["#", "c"]c true']


def test_failing_body_node_fails_the_run_and_cancels_other_iterations(run_flow):
    wf = (Flow().node("items", "constant", value=[1, 0, 2, 3]).node("each", "foreach", parallel=True, batch_size=4)
          .node("slow", "delay", seconds=0.0).node("div", "transform", expression="10 / data")
          .node("col", "collect").edge("items.value", "each.items").edge("each.item", "slow.value")
          .edge("slow.value", "div.data").edge("div.result", "col.value").build())
    result, events = run_flow(wf)
    assert result.status == "failed"
    assert result.error == "node 'div' (iteration 1) failed: division by zero in '10 / data'"
    assert result.nodes["each"].status == "failed"


def test_on_error_continue_feeds_the_error_port(run_flow):
    wf = (Flow().node("boom", "test_boom", settings={"on_error": "continue"})
          .node("handler", "transform", expression="'handled: ' + data['message']")
          .node("after", "transform", expression="data")
          .node("out", "output", name="out").node("out2", "output", name="value")
          .edge("boom.error", "handler.data").edge("handler.result", "out.value")
          .edge("boom.value", "after.data").edge("after.result", "out2.value").build())
    result, events = run_flow(wf)
    assert result.status == "succeeded"
    assert result.outputs == {"out": "handled: ValueError: boom", "value": None}
    assert result.nodes["boom"].status == "failed"


def test_error_port_is_dead_on_success(run_flow):
    wf = (Flow().node("c", "constant", value=1).node("handler", "transform", expression="data")
          .edge("c.error", "handler.data").build())
    result, _ = run_flow(wf)
    assert result.nodes["handler"].status == "skipped"


def test_failure_stops_the_run_without_starting_later_nodes(run_flow):
    wf = (Flow().node("slow", "delay", seconds=10).node("wait", "delay", seconds=0.01)
          .node("boom", "test_boom").node("later", "transform", expression="1")
          .edge("wait.value", "boom.value").edge("boom.value", "later.data").build())
    t0 = time.monotonic()
    result, events = run_flow(wf)
    assert time.monotonic() - t0 < 1
    assert result.status == "failed" and result.error == "node 'boom' failed: ValueError: boom"
    assert "later" not in result.nodes
    assert result.nodes["slow"].status == "cancelled"
    failed = [e for e in events if isinstance(e, NodeFinished) and e.status == "failed"][0]
    assert failed.error_type == "ValueError" and "Traceback" in failed.traceback


def test_pins_replace_execution_when_asked(run_flow):
    wf = (Flow().node("c", "constant", value=1, pinned={"value": 41})
          .node("t", "transform", expression="data + 1").node("out", "output", name="out")
          .edge("c.value", "t.data").edge("t.result", "out.value").build())
    result, events = run_flow(wf, use_pins=True)
    assert result.outputs == {"out": 42}
    pinned = [e for e in events if isinstance(e, NodeFinished) and e.node_id == "c"][0]
    assert pinned.status == "cached" and pinned.pinned
    assert ("started", "c") not in [brief(e) for e in events]
    result, _ = run_flow(wf)
    assert result.outputs == {"out": 2}


def test_input_port_overrides_config_field(run_flow):
    from engine.folders import resources_dir

    wf = (Flow().node("path", "input", name="path", type="string")
          .node("load", "image_load", source="ignored.png").node("out", "output", name="w")
          .edge("path.value", "load.source").edge("load.width", "out.value").build())
    result, _ = run_flow(wf, {"path": str(resources_dir() / "samples" / "landscape.png")})
    assert result.outputs == {"w": 320}


def test_bad_inputs_are_refused_before_anything_runs(registry):
    wf = (Flow().node("n", "input", name="n", type="number", required=True)
          .node("out", "output", name="out").edge("n.value", "out.value").build())

    async def go():
        ex = Executor(registry)
        with pytest.raises(InputError) as info:
            ex.start(wf, {"n": "seven", "extra": 1})
        assert info.value.problems == ["unknown input 'extra' (this workflow's inputs: n)",
                                       "input 'n' must be a number, not the text 'seven'"]
        with pytest.raises(InputError, match="missing required input 'n'"):
            ex.start(wf, {})
        ex.close()

    asyncio.run(go())


def test_a_slow_subscriber_never_slows_the_run(registry):
    f = Flow().node("n0", "constant", value=0)
    for i in range(1, 2000):
        f.node(f"n{i}", "transform", expression="data + 1").edge(f"n{i-1}.value" if i == 1 else f"n{i-1}.result",
                                                                  f"n{i}.data")
    wf = f.build()

    async def go():
        ex = Executor(registry)
        slow = ex.subscribe(maxsize=100)
        fast = ex.subscribe()
        result = await ex.run(wf)
        ex.close()
        return result, slow, fast

    result, slow, fast = asyncio.run(go())
    assert result.status == "succeeded"
    assert slow.dropped == 2 * 2000 + 3 - 100
    kept = slow.drain()
    assert len(kept) == 100 and kept[-1].kind == "run_finished"
    assert fast.dropped == 0 and len(fast.drain()) == 2 * 2000 + 3


LOOP_TICKED = __import__("threading").Event()


class _WaitForLoopBlock(Block):
    """Blocks a worker thread until the event loop has turned several times (or gives up after 5 s)."""

    type = "test_wait_for_loop"
    outputs = (Port("value", "any"),)

    async def run(self, ctx, inputs, config):
        def wait():
            turned = LOOP_TICKED.wait(timeout=5)
            ctx.progress(1.0, "spun")
            return turned

        return {"value": await ctx.run_blocking(wait)}


def test_run_blocking_keeps_the_loop_turning(registry):
    registry.register(_WaitForLoopBlock, "tests")
    wf = Flow().node("block", "test_wait_for_loop").node("out", "output", name="turned") \
        .edge("block.value", "out.value").build()
    LOOP_TICKED.clear()

    async def go():
        ex = Executor(registry)
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1
                if ticks == 5:
                    LOOP_TICKED.set()  # the loop turned while the job held its worker thread

        t = asyncio.ensure_future(ticker())
        sub = ex.subscribe()
        result = await ex.run(wf)
        t.cancel()
        ex.close()
        return result, sub.drain()

    result, events = asyncio.run(go())
    assert result.status == "succeeded" and result.outputs == {"turned": True}
    assert ("progress", "block", "spun") in [brief(e) for e in events]


class _PreviewBlock(Block):
    type = "test_preview"
    outputs = (Port("n", "integer"),)

    async def run(self, ctx, inputs, config):
        from PIL import Image

        ctx.preview(Image.new("RGB", (4, 3), "blue"), "halfway")
        return {"n": 1}


class _Renamed(Block):
    type = "test_new_name"
    legacy_types = ("test_old_name",)
    inline = True
    outputs = (Port("value", "any"),)

    async def run(self, ctx, inputs, config):
        return {"value": "new"}


def test_previews_travel_as_references(registry):
    registry.register(_PreviewBlock, "tests")
    from engine.folders import resources_dir

    wf = (Flow().node("p", "test_preview").node("load", "image_load",
                                                source=str(resources_dir() / "samples" / "landscape.png")).build())

    async def go():
        ex = Executor(registry)
        sub = ex.subscribe()
        await ex.run(wf)
        ex.close()
        return sub.drain()

    events = asyncio.run(go())
    progress = [e for e in events if e.kind == "node_progress"]
    assert [(e.node_id, e.message, e.preview) for e in progress] == [("p", "halfway", "p")]
    finished = {e.node_id: e.preview for e in events if isinstance(e, NodeFinished)}
    assert finished == {"p": "p", "load": "load"}  # an image output is a preview too


def test_legacy_block_types_still_load(registry, run_flow):
    registry.register(_Renamed, "tests")
    wf = Flow().node("x", "test_old_name").node("out", "output", name="out").edge("x.value", "out.value").build()
    result, _ = run_flow(wf)
    assert result.outputs == {"out": "new"}


def test_two_failures_at_once_end_the_run_cleanly(run_flow, caplog):
    import gc

    wf = (Flow().node("x", "test_flaky", succeed_on=99).node("y", "test_flaky", succeed_on=99).build())
    result, events = run_flow(wf)
    gc.collect()
    assert result.status == "failed" and result.error == "node 'x' failed: RuntimeError: flaky failure on attempt 1"
    assert [(e.node_id, e.status) for e in events if isinstance(e, NodeFinished)] == [("x", "failed"), ("y", "failed")]
    assert "never retrieved" not in caplog.text


class _Spy(Block):
    """Remembers the run state it ran in (for looking at what a run keeps)."""

    type = "test_spy"
    inputs = (Port("value", "any", required=False),)
    outputs = (Port("value", "any"),)
    seen: list = []

    async def run(self, ctx, inputs, config):
        self.seen.append(ctx._run)
        return {"value": inputs.get("value")}


def _png_b64(size=(64, 48)) -> str:
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, "teal").save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def test_a_long_image_loop_keeps_only_the_latest_previews(registry, run_flow):
    from engine.executor.state import MAX_PREVIEWS

    registry.register(_Spy, "tests")
    f = (Flow().node("items", "constant", value=list(range(100))).node("each", "foreach")
         .node("t", "template", template="data:image/png;base64," + _png_b64())
         .node("img", "image_load").node("c", "collect").node("spy", "test_spy")
         .chain("items.value", "each.items").chain("each.item", "t.data").chain("t.text", "img.source")
         .chain("img.width", "c.value").chain("c.count", "spy.value"))
    result, _ = run_flow(f.build())
    assert result.status == "succeeded", result.error
    state = _Spy.seen[-1]
    assert len(state.previews) == MAX_PREVIEWS
    assert list(state.previews)[-1] == "img[99]"  # the latest are kept, the oldest forgotten


class _OnceBlock(Block):
    type = "test_once"
    inputs = (Port("value", "any"),)
    outputs = (Port("value", "any"),)
    computed: list = []

    async def run(self, ctx, inputs, config):
        shared = ctx.once("the same for every item", lambda: _OnceBlock.computed.append(ctx.run_id) or ctx.run_id)
        return {"value": [inputs["value"], shared]}


def test_what_a_run_works_out_once_is_worked_out_once_per_run(registry):
    """NodeContext.once: a loop's items ask for the same thing (a model file's hash); the run computes it once, the
    next run again (it is kept with the run, not in the process)."""
    registry.register(_OnceBlock, "tests")
    wf = (Flow().node("items", "constant", value=[1, 2, 3]).node("each", "foreach").node("o", "test_once")
          .node("all", "collect").node("out", "output", name="out").edge("items.value", "each.items")
          .edge("each.item", "o.value").edge("o.value", "all.value").edge("all.items", "out.value").build())

    async def go():
        ex = Executor(registry)
        first, second = await ex.run(wf), await ex.run(wf)
        ex.close()
        return first, second

    first, second = asyncio.run(go())
    assert _OnceBlock.computed == [first.run_id, second.run_id]
    assert first.outputs["out"] == [[i, first.run_id] for i in (1, 2, 3)]
    assert second.outputs["out"] == [[i, second.run_id] for i in (1, 2, 3)]
