"""A run under the run service stores its results with ResultCache.put_later and ends without a hop to the cache's
writer thread: its recorder writes them, on its own thread, just before the run's records (issue 28). What is
reported recorded has its results on disk; a live preview's results are written as it ends; nothing is lost on
close."""

import asyncio
import time

import diskcache

from engine.cache import ResultCache
from engine.events import NodeFinished
from engine.runs import RunService, RunSettings
from engine.store import Store

from .builder import Flow


def _loop():
    return (Flow("loop").node("in", "input", name="items", type="list").node("each", "foreach")
            .node("sq", "transform", expression="data * data").node("col", "collect")
            .node("out", "output", name="out").edge("in.value", "each.items").edge("each.item", "sq.data")
            .edge("sq.result", "col.value").edge("col.items", "out.value")).build()


def _on_disk(folder, refs) -> set:
    """The refs another connection finds in the cache folder (what a new process would see)."""
    other = diskcache.Cache(str(folder))
    try:
        return {ref for ref in refs if ref in other}
    finally:
        other.close()


def test_a_recorded_runs_results_are_on_disk_when_it_is_reported_recorded(tmp_path):
    store = Store(tmp_path, install_templates=False)
    wid = store.workflows.create(_loop()).id

    async def go():
        async with RunService(store, RunSettings()) as service:
            writer_puts = []
            real = service.executor.cache.put_async
            service.executor.cache.put_async = lambda *a, **kw: writer_puts.append(a) or real(*a, **kw)
            result = await service.start(wid, {"items": list(range(30))}).result()
            refs = {n.output_ref for n in store.runs.nodes(result.run_id) if n.node_id == "sq"}
            return result, refs, _on_disk(store.cache.directory, refs), writer_puts

    result, refs, found, writer_puts = asyncio.run(go())
    assert result.status == "succeeded" and result.outputs["out"] == [i * i for i in range(30)]
    assert len(refs) == 30 and found == refs
    assert writer_puts == []  # (no put went to the cache's writer thread)
    store.close()


def test_a_live_previews_results_are_written_as_it_ends(tmp_path):
    store = Store(tmp_path, install_templates=False)

    async def go():
        async with RunService(store, RunSettings(), front="editor") as service:
            sub = service.subscribe()
            result = await service.start_live(_loop(), {"items": [5, 6, 7]}).result()
            refs = {e.output_ref for e in sub.drain() if isinstance(e, NodeFinished) and e.node_id == "sq"}
            deadline = time.monotonic() + 10
            while _on_disk(store.cache.directory, refs) != refs and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            return result, refs, _on_disk(store.cache.directory, refs)

    result, refs, found = asyncio.run(go())
    assert result.status == "succeeded" and len(refs) == 3 and found == refs
    store.close()


def test_put_later_is_found_at_once_and_written_by_write_pending_or_flush(tmp_path):
    cache = ResultCache(tmp_path / "c")
    cache.put_later("a", {"value": 1}, if_missing=True, tag="w")
    assert cache.lookup("a")[0].values() == {"value": 1} and _on_disk(tmp_path / "c", {"a"}) == set()
    cache.write_pending()
    assert _on_disk(tmp_path / "c", {"a"}) == {"a"} and not cache._unwritten
    fut = cache.put_async("b", {"value": 2}, if_missing=True)  # (a writer's batch, taken by write_pending)
    cache.put_later("c", {"value": 3})
    cache.write_pending()
    assert fut.result(10) is None and _on_disk(tmp_path / "c", {"b", "c"}) == {"b", "c"}
    cache.put_later("d", {"value": 4})
    cache.flush(10)
    assert _on_disk(tmp_path / "c", {"d"}) == {"d"} and cache.usage()["w"][0] == 1
    cache.put_later("e", {"value": 5})
    cache.close()
    assert _on_disk(tmp_path / "c", {"e"}) == {"e"}



def test_pictures_stay_on_the_caches_writer_and_are_on_disk_when_recorded(tmp_path):
    """Encoding a picture takes a while: its put goes to the cache's own writer (the run waits for it, as before),
    so the recorder, which other runs' records and claims wait for, never encodes one."""
    from PIL import Image

    Image.new("RGB", (64, 48), "red").save(tmp_path / "red.png")
    store = Store(tmp_path / "data", install_templates=False)
    wf = (Flow("pic").node("load", "image_load", source=str(tmp_path / "red.png"))
          .node("out", "output", name="w").edge("load.width", "out.value")).build()
    wid = store.workflows.create(wf).id

    async def go():
        async with RunService(store, RunSettings()) as service:
            writer_puts = []
            real = service.executor.cache.put_async
            service.executor.cache.put_async = lambda *a, **kw: writer_puts.append(a[0]) or real(*a, **kw)
            result = await service.start(wid).result()
            refs = {n.output_ref for n in store.runs.nodes(result.run_id) if n.node_id == "load"}
            return result, refs, _on_disk(store.cache.directory, refs), writer_puts

    result, refs, found, writer_puts = asyncio.run(go())
    assert result.status == "succeeded" and result.outputs == {"w": 64}
    assert len(refs) == 1 and found == refs and writer_puts == list(refs)
    store.close()
