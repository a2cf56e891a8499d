"""A run's results go into the cache with the records of its end (issue 28: one transaction, not one more every
~20 ms beside a running run and what streams it), unless memory says otherwise."""

import asyncio

from PIL import Image

from engine.cache import ResultCache
from engine.cache import store as cache_store
from engine.runs import RunService, RunSettings
from engine.store import Store

from .builder import Flow


def test_waiting_results_are_due_for_pictures_for_many_of_them_or_after_a_while(tmp_path, monkeypatch):
    cache = ResultCache(tmp_path / "cache")
    try:
        assert not cache.pending_due()  # (nothing waits)
        cache.put_later("a" * 64, {"value": 1}, if_missing=True)
        assert not cache.pending_due()
        assert cache.lookup("a" * 64) is not None  # found while it waits
        monkeypatch.setattr(cache_store, "LATER_AGE_S", 0.0)
        assert cache.pending_due()  # the oldest waited long enough
        monkeypatch.setattr(cache_store, "LATER_AGE_S", 60.0)
        for i in range(cache_store.LATER_ENTRIES - 1):
            cache.put_later(f"{i:064d}", {"value": i}, if_missing=True)
        assert cache.pending_due()  # as many as LATER_ENTRIES
        cache.write_pending()
        assert not cache.pending_due() and len(cache) == cache_store.LATER_ENTRIES
        cache.put_later("b" * 64, {"picture": Image.new("RGB", (8, 8))}, if_missing=True)
        assert cache.pending_due()  # a picture: memory
    finally:
        cache.close()


def test_a_running_run_writes_its_results_with_its_end(tmp_path):
    """Its record batches (every ~20 ms while it runs) carry no cache transaction of their own; the batch that ends
    it writes its results before its records, and the next run finds them."""
    store = Store(tmp_path, install_templates=False)
    flow = (Flow("slow").node("i", "input", name="x").node("a", "transform", expression="data + 1")
            .node("w", "delay", seconds=0.15).node("b", "transform", expression="data * 2")
            .node("o", "output", name="y")
            .edge("i.value", "a.data").edge("a.result", "w.value").edge("w.value", "b.data").edge("b.result", "o.value"))
    store.workflows.create(flow.build())
    writes: list[int] = []  # entries in each cache transaction
    writes_of_first: list[int] = []

    async def go():
        async with RunService(store, RunSettings()) as service:
            cache = service.executor.cache
            real = cache._write_entries
            cache._write_entries = lambda batch, fut: (writes.append(len(batch)), real(batch, fut))
            first = await service.start("slow", {"x": 1}).result()
            writes_of_first.extend(writes)
            again = await service.start("slow", {"x": 1}).result()
            return first, again, [n.status for n in again.nodes.values()]

    first, again, statuses = asyncio.run(go())
    store.close()
    assert first.outputs == again.outputs == {"y": 4}
    assert len(writes_of_first) == 1 and writes_of_first[0] >= 4  # i's and a's, put while it ran: with the rest
    assert set(statuses) <= {"cached", "succeeded"} and statuses.count("cached") >= 3
