"""Batched inference (issue 29, "Speed"): a parallel ForEach feeding a model block runs the pictures in flight in
one ``session.run`` when the model's batch dimension is dynamic — on real ONNX Runtime, with models built by
onnx.helper (tests/onnx_models.py). The batcher's own counts say how many ``session.run`` calls were made."""

from __future__ import annotations

import asyncio

import pytest
from PIL import Image

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from . import onnx_models as m  # noqa: E402
from .builder import Flow  # noqa: E402

from engine import net  # noqa: E402
from engine.cache import ResultCache  # noqa: E402
from engine.events import NodeFinished  # noqa: E402
from engine.executor import Executor  # noqa: E402
from engine.models import ModelLibrary  # noqa: E402
from engine.models.batch import batcher  # noqa: E402
from engine.runs import RunSettings  # noqa: E402

N = 12


def loop(model: str, *, parallel: bool = True, batch_size: int = N, on_error: str = "fail"):
    return (Flow().node("pics", "input", name="pics", type="list")
            .node("each", "foreach", parallel=parallel, batch_size=batch_size)
            .node("cls", "model_classify", model=model, top_k=3, settings={"on_error": on_error})
            .node("all", "collect").node("out", "output", name="out")
            .chain("pics.value", "each.items").chain("each.item", "cls.image").chain("cls.top", "all.value")
            .chain("all.items", "out.value").build())


def run(lib: ModelLibrary, wf, pics, cache=None):
    """(the run's result, its NodeFinished events, session.run calls made, pictures fed)."""
    async def go():
        ex = Executor(cache=cache)
        sub = ex.subscribe()
        try:
            result = await ex.run(wf, {"pics": pics}, policy=RunSettings(models_dir=str(lib.folder)))
        finally:
            ex.close()
            await net.aclose()
        b = batcher()
        return result, [e for e in sub.drain() if isinstance(e, NodeFinished)], b.calls, b.pictures

    return asyncio.run(go())


def colours(n: int = N) -> list[Image.Image]:
    return [Image.new("RGB", (16 + i, 12), (20 * i % 256, 255 - 15 * i, 7 * i * i % 256)) for i in range(n)]


@pytest.fixture
def lib(tmp_path):
    return ModelLibrary(tmp_path / "models")


def test_a_parallel_loop_runs_the_model_in_fewer_calls_with_exactly_the_per_picture_results(lib, tmp_path):
    lib.import_model(m.classifier(tmp_path / "colours.onnx"), "classify", labels=["red", "green", "blue"])
    one_by_one, _, calls, fed = run(lib, loop("colours", parallel=False), colours())
    assert one_by_one.status == "succeeded", one_by_one.error
    assert (calls, fed) == (N, N)
    batched, events, calls, fed = run(lib, loop("colours"), colours())
    assert batched.status == "succeeded", batched.error
    assert batched.outputs["out"] == one_by_one.outputs["out"]  # (floats compared exactly)
    assert len({tuple(t["score"] for t in top) for top in batched.outputs["out"]}) == N  # (N different answers)
    assert fed == N and calls < N / 2
    # each picture is still its own node run, with its own event
    assert sorted(e.iteration for e in events if e.node_id == "cls" and e.status == "succeeded") == \
        [(i,) for i in range(N)]


def test_each_picture_of_a_batch_has_its_own_cache_entry(lib, tmp_path):
    lib.import_model(m.classifier(tmp_path / "colours.onnx"), "classify", labels=["red", "green", "blue"])
    cache = ResultCache(tmp_path / "cache")
    try:
        first, _, calls, _ = run(lib, loop("colours"), colours(), cache)
        assert first.status == "succeeded" and calls < N
        again, events, calls, fed = run(lib, loop("colours"), colours(), cache)
    finally:
        cache.close()
    assert sorted(e.iteration for e in events if e.node_id == "cls" and e.status == "cached") == \
        [(i,) for i in range(N)]
    assert (calls, fed) == (0, 0) and again.outputs["out"] == first.outputs["out"]


def test_a_model_with_a_fixed_batch_of_one_gets_one_call_per_picture(lib, tmp_path):
    lib.import_model(m.classifier(tmp_path / "fixed.onnx", batch=1), "classify", labels=["red", "green", "blue"])
    assert not lib.get("fixed").batch_dynamic
    one_by_one, _, _, _ = run(lib, loop("fixed", parallel=False), colours())
    batched, _, calls, fed = run(lib, loop("fixed"), colours())
    assert batched.status == "succeeded", batched.error
    assert batched.outputs["out"] == one_by_one.outputs["out"] and (calls, fed) == (N, N)


def test_a_model_that_refuses_a_stack_is_fed_one_picture_at_a_time(lib, tmp_path):
    lib.import_model(m.one_at_a_time(tmp_path / "single.onnx"), "classify", labels=["red", "green", "blue"])
    assert lib.get("single").batch_dynamic  # (so it says)
    one_by_one, _, _, _ = run(lib, loop("single", parallel=False), colours())
    batched, _, calls, fed = run(lib, loop("single"), colours())
    assert batched.status == "succeeded", batched.error
    assert batched.outputs["out"] == one_by_one.outputs["out"]
    # one stack tried and refused (its pictures then one by one), then one call per picture
    assert fed == N and N < calls <= N + 1


def test_a_bad_picture_fails_its_own_node_and_not_its_neighbours(lib, tmp_path, capfd):
    lib.import_model(m.picky(tmp_path / "picky.onnx"), "classify", labels=["dark", "middle"], scale=0.01)
    pics = [Image.new("RGB", (8, 8), (v, v, v)) for v in (10, 150, 20, 250, 160, 30)]  # 250: the bad one
    result, events, calls, fed = run(lib, loop("picky", batch_size=6, on_error="continue"), pics)
    finished = {e.iteration: e for e in events if e.node_id == "cls"}
    assert {i: e.status for i, e in finished.items()} == {(i,): "failed" if i == 3 else "succeeded" for i in range(6)}
    assert "model 'picky' failed on a 8×8 picture" in finished[(3,)].error
    assert [top[0]["label"] for top in result.outputs["out"]] == ["dark", "middle", "dark", "middle", "dark"]
    assert fed == 6 and calls > 1  # (the stack failed, then each picture alone: the bad one's error is its own)
    # ONNX Runtime's own log lines (coloured, on stderr) say nothing the node's error does not: kept quiet
    assert "onnxruntime" not in capfd.readouterr().err
