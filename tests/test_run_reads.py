"""The plain-SQL read of a run and its node runs (what a sync HTTP run answers with) says exactly what the ORM
reads say: every column, JSON null and NULL alike, booleans, iterations, a document's presence."""

import asyncio

import pytest

from engine.errors import NotFound
from engine.runs import RunService, RunSettings
from engine.store import Store, run_json

from .builder import Flow


def test_with_nodes_reads_what_get_and_nodes_read(tmp_path):
    store = Store(tmp_path, install_templates=False)
    loop = (Flow("loop").node("in", "input", name="items", type="list").node("each", "foreach")
            .node("sq", "transform", expression="data * data").node("col", "collect")
            .node("bad", "transform", expression="1 / 0", settings={"on_error": "continue"})
            .node("out", "output", name="out").edge("in.value", "each.items").edge("each.item", "sq.data")
            .edge("sq.result", "col.value").edge("col.items", "out.value").edge("col.items", "bad.data")).build()
    wid = store.workflows.create(loop).id

    async def go():
        async with RunService(store, RunSettings()) as service:
            first = await service.start(wid, {"items": [1, 2, 3]}).result()
            second = await service.start(wid, {"items": [1, 2, 3]}).result()  # (cached node runs)
            draft = await service.start(loop, {"items": []}, use_cache=False).result()  # (a document)
            return [first.run_id, second.run_id, draft.run_id]

    ids = asyncio.run(go())
    runs = store.runs
    for run_id in ids:
        info, nodes = runs.with_nodes(run_id)
        assert info == runs.get(run_id) and nodes == runs.nodes(run_id)
        assert run_json(info, nodes) == run_json(runs.get(run_id), runs.nodes(run_id))
    info, nodes = runs.with_nodes(ids[1])
    assert any(n.cached for n in nodes) and any(n.iteration for n in nodes) and info.outputs == {"out": [1, 4, 9]}
    assert runs.with_nodes(ids[2])[0].has_document
    with pytest.raises(NotFound):
        runs.with_nodes("nope")
    store.close()
