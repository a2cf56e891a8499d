"""A cache you can see (issue 27): each run counts its cache hits and misses (run object ``cache``), entries are
tagged with the workflow whose run wrote them, and ``nodeloom cache stats`` / ``GET /api/v1/cache`` /
``Store.cache_stats`` give the same numbers. Real store, real cache folder, real subprocesses and a real server."""

import asyncio
import json
import sqlite3

import httpx
import pytest

from engine.runs import RunService, event_to_json
from engine.store import Store, run_json

from .builder import Flow
from .server_helpers import OPEN, started
from .test_cli_queue import nodeloom


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path)
    yield s
    s.close()


def template(store, name: str) -> str:
    return next(w.id for w in store.workflows.list(templates=True, limit=100).items if w.name == name)


def chain(name: str, start: int):
    """Three deterministic nodes (a constant, two transforms) and an output, with no entry shared with another
    chain."""
    return (Flow(name).node("c", "constant", value=start).node("a", "transform", expression="data + 1")
            .node("b", "transform", expression="data * 2").node("o", "output", name="r")
            .edge("c.value", "a.data").edge("a.result", "b.data").edge("b.result", "o.value").build())


def runs(store, *starts, use_cache=True):
    """Start each (workflow ref, inputs) in turn; their results, and the events of the last one."""
    async def go():
        async with RunService(store, trigger="cli") as service:
            results, events = [], []
            for ref in starts:
                handle = service.start(ref, use_cache=use_cache)
                results.append(await handle.result())
                events = [ev async for ev in handle.events]
            return results, events

    return asyncio.run(go())


def test_a_run_counts_its_cache_hits_and_misses_in_its_run_object_and_its_last_event(store):
    tpl = template(store, "Image pipeline")
    (first, second), events = runs(store, tpl, tpl)
    assert (first.cache_hits, first.cache_misses) == (0, 8)
    assert (second.cache_hits, second.cache_misses) == (8, 0)  # every deterministic node came from the cache
    assert run_json(store.runs.get(first.run_id))["cache"] == {"hits": 0, "misses": 8, "hit_rate": 0.0}
    assert run_json(store.runs.get(second.run_id))["cache"] == {"hits": 8, "misses": 0, "hit_rate": 1.0}
    cached = [ev.node_id for ev in events if ev.kind == "node_finished" and ev.status == "cached"]
    assert len(cached) == 12  # (the 4 output nodes pass a cached value on: they were not looked up themselves)
    assert event_to_json(events[-1])["cache"] == {"hits": 8, "misses": 0, "hit_rate": 1.0}


def test_a_run_without_the_cache_looks_nothing_up_and_its_hit_rate_is_null(store):
    tpl = template(store, "Big or small")
    [result], _ = runs(store, tpl, use_cache=False)
    assert run_json(store.runs.get(result.run_id))["cache"] == {"hits": 0, "misses": 0, "hit_rate": None}


def test_a_foreach_counts_each_iteration_s_look_ups(store):
    tpl = template(store, "Parallel squares")  # 8 numbers, one cached node a body iteration, and one after
    (first, second), _ = runs(store, tpl, tpl)
    assert (first.cache_hits, first.cache_misses, second.cache_hits, second.cache_misses) == (0, 9, 9, 0)


def test_runs_recorded_before_the_counts_keep_them_unknown(tmp_path):
    s = Store(tmp_path, install_templates=False)
    wf = s.workflows.create(chain("old", 1))
    [result], _ = runs(s, wf.id)
    s.close()
    with sqlite3.connect(tmp_path / "nodeloom.db") as db:  # as the file was before migration 0007
        db.execute("ALTER TABLE runs DROP COLUMN cache_hits")
        db.execute("ALTER TABLE runs DROP COLUMN cache_misses")
        db.execute("UPDATE alembic_version SET version_num = '0006_whsec_secrets'")
    s = Store(tmp_path, install_templates=False)
    try:
        assert run_json(s.runs.get(result.run_id))["cache"] is None  # NULL: unknown, not 0
        stats = s.cache_stats()
        assert (stats.runs, stats.hits, stats.misses, stats.hit_rate) == (1, 0, 0, None)
    finally:
        s.close()


def test_entries_are_tagged_with_the_workflow_whose_run_wrote_them(store):
    one = store.workflows.create(chain("one", 1))
    two = store.workflows.create(chain("two", 100))
    runs(store, one.id, two.id, chain("a draft", 7))
    usage = store.cache.usage()
    assert usage[one.id][0] == usage[two.id][0] == 3  # each node's outputs (the output node has none)
    assert usage[None][0] == 3  # the draft's
    stats = store.cache_stats()
    assert {w.name: (w.runs, w.misses, w.entries) for w in stats.workflows} == {"one": (1, 3, 3), "two": (1, 3, 3)}
    assert (stats.other_entries, stats.entries, stats.runs, stats.misses) == (3, 9, 3, 9)


def test_cache_stats_on_the_command_line_after_two_runs_of_a_template(tmp_path):
    for _ in range(2):
        ran = nodeloom(tmp_path, "run", "Watermark an image", "-q")
        assert ran.returncode == 0, ran.stderr
    out = nodeloom(tmp_path, "cache", "stats", "--json")
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert stats["hit_rate"] >= 0.5 and stats["hits"] == stats["misses"] == 4 and stats["runs"] == 2
    assert stats["entries"] == 5 and stats["size_bytes"] > stats["workflows"][0]["bytes"] > 5_000  # (pictures made)
    assert stats["size_limit_bytes"] == 2 * 1024 ** 3 and stats["days"] == 7
    [wf] = stats["workflows"]
    assert (wf["name"], wf["is_template"], wf["runs"], wf["hit_rate"], wf["entries"]) == (
        "Watermark an image", True, 2, 0.5, 5)
    text = nodeloom(tmp_path, "cache").stdout
    assert "hit rate  50% over the last 7 days (4 hits, 4 misses in 2 runs)" in text
    assert "Watermark an image (template)" in text


def test_clear_for_one_workflow_leaves_another_workflow_s_entries(tmp_path):
    s = Store(tmp_path, install_templates=False)
    one, two = s.workflows.create(chain("one", 1)).id, s.workflows.create(chain("two", 100)).id
    s.close()
    for wid in (one, two):
        assert nodeloom(tmp_path, "run", wid, "-q").returncode == 0
    cleared = nodeloom(tmp_path, "cache", "clear", "--workflow", "one")  # by name, as other commands take it
    assert cleared.returncode == 0 and cleared.stdout.startswith("removed 3 entries written by runs of 'one'")
    again = {wid: json.loads(nodeloom(tmp_path, "run", wid, "--json", "-q").stdout)["cache"] for wid in (one, two)}
    assert again[one] == {"hits": 0, "misses": 3, "hit_rate": 0.0}  # computed anew
    assert again[two] == {"hits": 3, "misses": 0, "hit_rate": 1.0}  # still there
    missing = nodeloom(tmp_path, "cache", "clear", "--workflow", "nothing")
    assert missing.returncode == 2 and "no workflow with id or name 'nothing'" in missing.stderr
    assert nodeloom(tmp_path, "cache", "clear").stdout == "removed 6 entries: the cache is empty\n"


def test_the_http_route_answers_the_numbers_the_command_line_prints(store):
    tpl = template(store, "Big or small")
    runs(store, tpl, tpl)

    async def go():
        service, server, token = await started(store, **OPEN)
        try:
            async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30) as client:
                refused = await client.get("/cache")
                client.headers["Authorization"] = f"Bearer {token}"
                answer = await client.get("/cache")
                expected = await service.run_blocking(store.cache_stats)
                spec = (await client.get("/openapi.json")).json()
                ran = await client.post(f"/workflows/{tpl}/run", json={"inputs": {}, "mode": "sync"})
                return refused, answer, expected, spec, ran
        finally:
            await server.stop()
            await service.close()

    refused, answer, expected, spec, ran = asyncio.run(go())
    assert refused.status_code == 401 and answer.status_code == 200
    assert answer.json() == expected.to_json() and answer.json()["hit_rate"] == 0.5
    operation = spec["paths"]["/api/v1/cache"]["get"]
    assert operation["operationId"] == "getCacheStats" and {"200", "401", "429"} <= set(operation["responses"])
    assert "hit_rate" in spec["components"]["schemas"]["CacheStats"]["properties"]
    assert ran.json()["cache"] == {"hits": 4, "misses": 0, "hit_rate": 1.0}
    assert "cache" in spec["components"]["schemas"]["Run"]["required"]
