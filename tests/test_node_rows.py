"""The recorder's node runs (issue 28): a node that starts and ends within one batch of events is one row written
whole (no INSERT then UPDATE), the rows of a batch go in together, and what is read back is what it was — in the
order the nodes started, with their start and end, attempts and errors."""

import asyncio

from sqlalchemy import event

from engine.runs import RunService, RunSettings
from engine.store import Store

from .builder import Flow


def _statements(store):
    seen = []
    store.db.engine.dispose()  # (the connections opened from now on are traced)
    event.listen(store.db.engine, "connect", lambda con, _: con.set_trace_callback(seen.append))
    return seen


def test_a_loops_node_runs_are_written_whole_and_read_back_in_start_order(tmp_path):
    store = Store(tmp_path, install_templates=False)
    loop = (Flow("loop").node("in", "input", name="items", type="list")
            .node("each", "foreach", parallel=True, batch_size=3)
            .node("wait", "delay", seconds={"$expr": "{{ loop.item }}"}).node("col", "collect").node("out", "output", name="out")
            .edge("in.value", "each.items").edge("each.item", "wait.value")
            .edge("wait.value", "col.value").edge("col.items", "out.value")).build()
    flat = (Flow("flat").node("in", "input", name="items", type="list").node("each", "foreach")
            .node("sq", "transform", expression="data * data").node("col", "collect")
            .node("out", "output", name="out").edge("in.value", "each.items").edge("each.item", "sq.data")
            .edge("sq.result", "col.value").edge("col.items", "out.value")).build()
    wid, fid = store.workflows.create(loop).id, store.workflows.create(flat).id
    seen = _statements(store)

    async def go():
        async with RunService(store, RunSettings()) as service:
            slow = await service.start(wid, {"items": [0.06, 0.01, 0.03]}, use_cache=False).result()
            seen.clear()
            fast = await service.start(fid, {"items": list(range(50))}, use_cache=False).result()
            return slow, fast

    slow, fast = asyncio.run(go())
    assert slow.status == fast.status == "succeeded"
    writes = [s for s in seen if "node_runs" in s]
    assert len([s for s in writes if s.startswith("UPDATE")]) < 10, writes  # (was one per node run)
    nodes = store.runs.nodes(fast.run_id)
    assert [n.iteration for n in nodes if n.node_id == "sq"] == [(i,) for i in range(50)]
    assert all(n.status == "succeeded" and n.attempts == 1 and n.started_at <= n.finished_at
               and n.duration_ms is not None and n.output_summary == {"result": str(i * i)}
               for i, n in enumerate(n for n in nodes if n.node_id == "sq"))
    assert [n.node_id for n in nodes if not n.iteration] == ["in", "each", "col", "out"]
    waits = [n for n in store.runs.nodes(slow.run_id) if n.node_id == "wait"]
    assert [n.iteration for n in waits] == [(0,), (1,), (2,)]  # start order, though they ended 1, 2, 0
    assert [n.status for n in waits] == ["succeeded"] * 3 and all(n.started_at <= n.finished_at for n in waits)
    assert waits[0].finished_at > waits[2].finished_at > waits[1].finished_at
