"""The persistent result cache: only what changed re-runs; it survives the process; corruption is a miss."""

import asyncio
import json
import os
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from engine.executor import Executor
from engine.cache import ResultCache
from engine.events import NodeFinished
from engine.folders import resources_dir

from .builder import Flow

SAMPLE = str(resources_dir() / "samples" / "landscape.png")
OPS = [("image_blur", {"radius": 1}), ("image_rotate", {"degrees": 90}), ("image_resize", {"width": 200, "height": 200}),
       ("image_grayscale", {}), ("image_threshold", {"level": 100}), ("image_crop", {"left": 1, "top": 1})]


def image_chain(n=20, edit=None, source=SAMPLE):
    """image_load → (n - 2) image operations → output; ``edit`` = (index, config) changes one node."""
    f = Flow().node("n0", "image_load", source=source)
    for i in range(1, n - 1):
        kind, config = OPS[i % len(OPS)]
        if edit and edit[0] == i:
            config = edit[1]
        f.node(f"n{i}", kind, **config).edge(f"n{i-1}.image", f"n{i}.image")
    return f.node(f"n{n-1}", "output", name="image").edge(f"n{n-2}.image", f"n{n-1}.value").build()


def run(cache, wf, **kw):
    async def go():
        ex = Executor(cache=cache)
        sub = ex.subscribe()
        result = await ex.run(wf, **kw)
        ex.close()
        return result, [e for e in sub.drain() if isinstance(e, NodeFinished)]

    return asyncio.run(go())


def statuses(finished):
    return {e.node_id: e.status for e in finished}


@pytest.fixture
def cache(tmp_path):
    c = ResultCache(tmp_path / "cache")
    yield c
    c.close()


def test_second_run_is_all_cached_and_an_edit_reruns_exactly_its_downstream(cache):
    first, events = run(cache, image_chain())
    assert first.status == "succeeded" and set(statuses(events).values()) == {"succeeded"}
    second, events = run(cache, image_chain())
    assert statuses(events) == {f"n{i}": "cached" for i in range(20)}
    assert second.outputs["image"].tobytes() == first.outputs["image"].tobytes()

    third, events = run(cache, image_chain(edit=(10, {"level": 90})))
    assert OPS[10 % len(OPS)][0] == "image_threshold"
    assert statuses(events) == {f"n{i}": ("cached" if i < 10 else "succeeded") for i in range(20)}
    assert [e.node_id for e in events if e.status == "succeeded"] == [f"n{i}" for i in range(10, 20)]
    assert third.outputs["image"].tobytes() != first.outputs["image"].tobytes()


def test_the_cache_works_from_a_new_process(cache, tmp_path):
    run(cache, image_chain())
    cache.flush()
    script = (
        "import asyncio, json, sys\n"
        "sys.path.insert(0, '.')\n"
        "from engine.executor import Executor\nfrom engine.cache import ResultCache\n"
        "from engine.events import NodeFinished\n"
        "from tests.test_cache import image_chain\n"
        f"cache = ResultCache({str(tmp_path / 'cache')!r})\n"
        "async def go():\n"
        "    ex = Executor(cache=cache); sub = ex.subscribe(); r = await ex.run(image_chain())\n"
        "    return r.status, sorted({e.status for e in sub.drain() if isinstance(e, NodeFinished)})\n"
        "print(json.dumps(asyncio.run(go())))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == ["succeeded", ["cached"]]


def _entries(cache: ResultCache) -> dict[str, tuple]:
    db = sqlite3.connect(cache.directory / "cache.db")
    rows = {k: (f, v) for k, f, v in db.execute("SELECT key, filename, value FROM Cache")}
    db.close()
    return rows


def _noise(tmp_path, size=(400, 300)):
    from PIL import Image

    path = tmp_path / "noise.png"
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(path)  # large entries go to files
    return str(path)


def test_a_corrupted_small_entry_is_a_miss(cache, tmp_path):
    chain = lambda: image_chain(source=_noise(tmp_path) if not (tmp_path / "noise.png").exists()  # noqa: E731
                                else str(tmp_path / "noise.png"))
    _, events = run(cache, chain())
    refs = {e.node_id: e.output_ref for e in events}
    entries = _entries(cache)
    inline = next(n for n in refs if refs[n] and entries[refs[n]][0] is None)  # kept inside the index
    db = sqlite3.connect(cache.directory / "cache.db")
    db.execute("UPDATE Cache SET value = ? WHERE key = ?", (b"garbage", refs[inline]))
    db.commit()
    db.close()
    result, events = run(cache, chain())
    assert result.status == "succeeded"
    assert {n for n, s in statuses(events).items() if s != "cached"} == {inline}  # it ran again
    assert cache.corrupt == 1
    _, events = run(cache, chain())  # and was stored anew
    assert set(statuses(events).values()) == {"cached"}


def test_a_corrupted_cache_file_is_computed_again_when_needed(cache, tmp_path):
    wf = (Flow().node("load", "image_load", source=_noise(tmp_path)).node("blur", "image_blur", radius=1)
          .node("turn", "image_rotate", degrees=90).node("out", "output", name="image")
          .edge("load.image", "blur.image").edge("blur.image", "turn.image").edge("turn.image", "out.value").build())
    first, events = run(cache, wf)
    ref = {e.node_id: e.output_ref for e in events}["turn"]
    filename = _entries(cache)[ref][0]
    assert filename, "the rotated noise image is large enough to be stored in a file"
    path = cache.directory / filename
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # damage the middle of the stored image
    path.write_bytes(bytes(data))

    async def go():
        ex = Executor(cache=cache)
        sub = ex.subscribe()
        result = await ex.run(wf)
        ex.close()
        return result, sub.drain()

    result, events = asyncio.run(go())
    assert result.status == "succeeded"
    assert result.outputs["image"].tobytes() == first.outputs["image"].tobytes()
    assert [(e.node_id, e.message) for e in events if e.kind == "node_progress"] == [
        ("turn", "cached result was unreadable; computing it again")]
    assert path.exists() is False or path.read_bytes() != bytes(data)  # written anew
    again, events = run(cache, wf)
    assert set(statuses(events).values()) == {"cached"}
    assert again.outputs["image"].tobytes() == first.outputs["image"].tobytes()


def test_a_corrupted_cache_index_starts_a_fresh_cache(tmp_path):
    c = ResultCache(tmp_path / "cache")
    run(c, image_chain(6))
    c.close()
    (tmp_path / "cache" / "cache.db").write_bytes(b"this is not a database" * 100)
    c = ResultCache(tmp_path / "cache")
    result, events = run(c, image_chain(6))
    c.close()
    assert result.status == "succeeded" and set(statuses(events).values()) == {"succeeded"}
    assert any(p.name.startswith("cache.corrupt-") for p in tmp_path.iterdir())


class _Boom:
    def __reduce__(self):
        return (os.system, ("touch /tmp/nodeloom-cache-pwned",))


def test_pickled_entries_are_never_unpickled(cache):
    import diskcache

    plain = diskcache.Cache(str(cache.directory))
    plain.set("evil", _Boom())  # what a plain diskcache would store with pickle
    plain.close()
    assert cache.lookup("evil") is None
    assert not os.path.exists("/tmp/nodeloom-cache-pwned")
    with pytest.raises(TypeError):
        cache._cache.set("x", {"not": "bytes"})
    assert pickle  # the module is imported above only to show what is refused


def test_loops_and_branches_cache_correctly(cache):
    wf = (Flow().node("items", "constant", value=[5, 5, 5]).node("each", "foreach", parallel=True)
          .node("t", "transform", expression="data + loop.index").node("col", "collect")
          .node("cond", "condition", operator="gt", value=100)
          .node("big", "transform", expression="'big'").node("small", "transform", expression="'small'")
          .node("m", "merge").node("out", "output", name="out").node("out2", "output", name="label")
          .edge("items.value", "each.items").edge("each.item", "t.data").edge("t.result", "col.value")
          .edge("col.items", "out.value").edge("col.count", "cond.value")
          .edge("cond.true_output", "big.data").edge("cond.false_output", "small.data")
          .edge("big.result", "m.a").edge("small.result", "m.b").edge("m.value", "out2.value").build())
    first, _ = run(cache, wf)
    second, events = run(cache, wf)
    assert first.outputs == second.outputs == {"out": [5, 6, 7], "label": "small"}
    st = {(e.node_id, e.iteration): e.status for e in events}
    assert st[("t", (0,))] == st[("t", (2,))] == "cached"
    assert st[("big", ())] == "skipped" and st[("small", ())] == "cached" and st[("m", ())] == "cached"


def test_no_cache_runs_everything_and_file_changes_are_seen(cache, tmp_path):
    run(cache, image_chain(5))
    _, events = run(cache, image_chain(5), use_cache=False)
    assert set(statuses(events).values()) == {"succeeded"}
    from PIL import Image

    copy = tmp_path / "img.png"
    Image.open(SAMPLE).save(copy)
    wf = (Flow().node("load", "image_load", source=str(copy)).node("info", "image_info")
          .node("out", "output", name="w").edge("load.image", "info.image").edge("info.width", "out.value").build())
    assert run(cache, wf)[0].outputs == {"w": 320}
    Image.open(SAMPLE).resize((100, 50)).save(copy)
    os.utime(copy, ns=(1, 2_000_000_000_000_000_000))
    result, events = run(cache, wf)
    assert result.outputs == {"w": 100} and statuses(events)["load"] == "succeeded"


def test_the_size_limit_evicts_old_entries(tmp_path):
    c = ResultCache(tmp_path / "small", size_limit=3_000_000)  # room for about fifteen entries
    blob = os.urandom(200_000)
    for i in range(40):
        assert c.put(f"k{i}", {"value": blob})
        assert c.volume() <= 3_000_000 + 250_000  # culled as it goes: never more than one entry over
    assert c.lookup("k0") is None  # the oldest went first
    entry, ports = c.lookup("k39")
    assert entry.values()["value"] == blob
    c.close()


def _loop_flow(n):
    return (Flow().node("items", "constant", value=list(range(n))).node("each", "foreach")
            .node("sq", "transform", expression="data * data").node("col", "collect")
            .node("out", "output", name="out")
            .edge("items.value", "each.items").edge("each.item", "sq.data").edge("sq.result", "col.value")
            .edge("col.items", "out.value").build())


def test_a_loops_results_are_stored_in_one_transaction_before_the_run_ends(cache, monkeypatch):
    """Each iteration's result used to be its own cache transaction (issue 28): now the puts of a run wait for a
    tick of the writer or the run's end, and are written together; still, every one is stored when it ends."""
    transactions = []
    real = type(cache._cache).transact

    def counted(self, *a, **kw):
        transactions.append(1)
        return real(self, *a, **kw)

    monkeypatch.setattr(type(cache._cache), "transact", counted)
    result, events = run(cache, _loop_flow(100))
    assert result.status == "succeeded" and result.outputs["out"] == [i * i for i in range(100)]
    refs = {e.output_ref for e in events if e.node_id == "sq"}
    assert len(refs) == 100 and all(ref in cache for ref in refs)  # (stored before the run ended)
    assert len(transactions) <= 2, len(transactions)
    again, events = run(cache, _loop_flow(100))
    assert again.outputs == result.outputs
    assert {e.status for e in events if e.node_id == "sq"} == {"cached"}


def test_an_entry_stored_already_is_kept_by_a_batch_that_writes_it_if_missing(cache):
    cache.put("k", {"value": 1}, tag="first")
    futures = [cache.put_async("k", {"value": 2}, if_missing=True, tag="second"),
               cache.put_async("j", {"value": 3}, if_missing=True, tag="second")]
    cache.flush(10)
    assert all(f.done() for f in futures)
    entry, ports = cache.lookup("k")
    assert entry.values()["value"] == 1 and cache.usage()["first"][0] == 1
    assert cache.lookup("j")[0].values()["value"] == 3


def test_pictures_stored_already_are_not_encoded_again_by_an_if_missing_write(tmp_path):
    """A run's node outputs are written if missing (their reference): the same pictures given again (a run's
    inputs, say) were encoded in full each time before the write found them there."""
    from PIL import Image

    encoded = []

    class Counting(ResultCache):
        def _encoded(self, key, outputs):
            encoded.append(key)
            return super()._encoded(key, outputs)

    cache = Counting(tmp_path / "cache")
    try:
        pictures = [Image.new("RGB", (64, 64), (i, 0, 0)) for i in range(3)]
        for _ in range(3):
            cache.put_async("pics", {"value": pictures}, if_missing=True)
            cache.put_async("n", {"value": 1}, if_missing=True)
            cache.flush(10)
        assert encoded.count("pics") == 1 and cache.lookup("pics")[0].values()["value"][2].getpixel((0, 0)) == (2, 0, 0)
        cache.put_async("pics", {"value": pictures[:1]})  # (not if missing: written anew)
        cache.flush(10)
        assert encoded.count("pics") == 2 and len(cache.lookup("pics")[0].values()["value"]) == 1
    finally:
        cache.close()


def test_an_executor_without_a_window_looks_results_up_on_its_loop(cache):
    """A loop's look-ups were each a hop to the cache's reader threads and back (~60 µs, against ~10 µs for the
    look-up): an executor whose loop paints no window (``inline_lookups``) looks up on its loop; the editor's
    keeps the reader threads (its loop is the window's)."""
    async def go(inline):
        ex = Executor(cache=cache, inline_lookups=inline)
        sub = ex.subscribe()
        result = await ex.run(_loop_flow(20))
        ex.close()
        return result, {e.status for e in sub.drain() if isinstance(e, NodeFinished) and e.node_id == "sq"}

    first, statuses = asyncio.run(go(True))
    assert first.status == "succeeded" and statuses == {"succeeded"} and first.cache_misses == 21  # (and the constant)
    again, statuses = asyncio.run(go(True))
    assert statuses == {"cached"} and again.cache_hits == 21 and again.outputs == first.outputs
    assert not cache._reader._threads  # (no look-up went to the reader threads)
    assert asyncio.run(go(False))[1] == {"cached"} and cache._reader._threads


def test_keys_are_what_they_were_so_an_existing_cache_still_hits():
    """A key is sha256 of each part followed by a NUL (hashed in one piece since issue 28: the same digest)."""
    import hashlib

    from engine.cache import derive, node_key

    assert derive("bypass", "é", "") == hashlib.sha256("bypass\x00é\x00\x00".encode()).hexdigest()[:40]
    assert node_key("transform", 1, '{"expression":"x"}', [("b", "k2"), ("a", "k1")], "s") == hashlib.sha256(
        b'node\x00transform\x001\x00{"expression":"x"}\x00a=k1\x00b=k2\x00s\x00').hexdigest()[:40]


def test_a_result_put_is_found_at_once_though_its_batch_waits_for_the_writers_tick(cache):
    """Puts wait for the writer's tick (or a run's end) to be written; meanwhile this process finds them (the editor
    shows a node's stored outputs while its loop still turns)."""
    cache.put_async("k", {"value": 7}, if_missing=True)
    hit = cache.lookup("k")
    assert hit is not None and hit[1] == ["value"] and hit[0].values() == {"value": 7}
    cache.flush(10)
    assert cache.lookup("k")[0].values() == {"value": 7} and not cache._unwritten


def two_in_a_loop(items, first, second):
    """constant ``items`` → foreach → two transforms, each ``(id, expression, foreach port it reads, output
    name)`` → a collect each → an output each."""
    flow = Flow().node("items", "constant", value=items).node("each", "foreach").edge("items.value", "each.items")
    for (nid, expression, port, name), col in ((first, "col"), (second, "col2")):
        flow = (flow.node(nid, "transform", expression=expression).node(col, "collect")
                .node("o_" + nid, "output", name=name).edge(f"each.{port}", f"{nid}.data")
                .edge(f"{nid}.result", f"{col}.value").edge(f"{col}.items", f"o_{nid}.value"))
    return flow.build()


def computed(events, node):
    """The iterations in which ``node`` computed (not cached)."""
    return sorted(e.iteration[0] for e in events if e.node_id == node and e.status == "succeeded")


def test_an_item_added_to_a_loop_s_list_computes_only_that_item(cache):
    """A folder's photos through a loop: one photo added (or the list reordered) re-runs only what changed — an
    item that is data is keyed by its content, not its place; a node that reads ``loop.index`` still runs again
    where the places moved (an outside tester saw every photo re-run for one added)."""
    def flow(items):
        return two_in_a_loop(items, ("t", "data + '!'", "item", "out"), ("at", "loop.index", "item", "at"))

    run(cache, flow(["a", "b", "c"]))
    more, events = run(cache, flow(["a", "b", "c", "d"]))
    assert more.outputs == {"out": ["a!", "b!", "c!", "d!"], "at": [0, 1, 2, 3]}
    assert computed(events, "t") == [3] and computed(events, "at") == [0, 1, 2, 3]  # (at: total changed)
    moved, events = run(cache, flow(["z", "a", "b", "c", "d"]))
    assert moved.outputs == {"out": ["z!", "a!", "b!", "c!", "d!"], "at": [0, 1, 2, 3, 4]}
    assert computed(events, "t") == [0]


def test_a_node_reading_the_loop_recomputes_only_the_items_that_changed(cache):
    """An item changed in place (same index, same total): a node reading ``loop.index`` or ``loop.item`` keeps the
    other items' results (every item was computed again: the key held the whole list's — an outside tester) and
    never takes another item's."""
    def flow(items):  # (own reads the item without its port)
        return two_in_a_loop(items, ("at", "{'sq': data * data, 'i': loop.index}", "item", "at"),
                             ("own", "loop.item * 10", "index", "own"))

    run(cache, flow([300, 301, 302, 303]))
    changed, events = run(cache, flow([300, 301, 302, 304]))
    assert changed.outputs == {"at": [{"sq": 90000, "i": 0}, {"sq": 90601, "i": 1}, {"sq": 91204, "i": 2},
                                      {"sq": 92416, "i": 3}], "own": [3000, 3010, 3020, 3040]}
    assert computed(events, "at") == [3] and computed(events, "own") == [3]
