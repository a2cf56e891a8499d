"""Model blocks against ONNX Runtime called directly (issue 29): batched loops and the cost of one picture.

Prints one JSON line per case (see the README's Benchmarks). Run: ``make bench`` or
``python tests/bench/inference.py``. Needs ``nodeloom[inference]`` and ``onnx`` (the test extras); the model is a
small convolutional classifier built by onnx.helper (``tests/onnx_models.conv_classifier``: eight 3×3
convolutions in four stages of 16–128 channels, pooling, 10 classes; ~0.06 GFLOP a 96×96 picture, a mobile-class
model), nothing downloaded. (With 32–256 channels, ~0.24 GFLOP, ONNX Runtime's own batched call is no faster
than 64 single calls on a 2-core CPU: measured 1.07–1.36× — batching cannot win there; at 16–128, 0.44–0.77×.)

- ``foreach_64_batched`` (the issue's case): 64 different 96×96 pictures through input → ForEach (parallel,
  batch_size 32) → ``model_classify`` → collect → output in our executor with the result cache storing every
  node's outputs (``use_cache=False``: nothing looked up, so the model runs every time); baseline = a plain Python
  loop over the same pictures in this process, each prepared the same way (``engine.models.prepare.to_tensor``)
  and fed by its own ``session.run`` on a session of the same file with the same options
  (``engine.models.runtime.load_session``: ONNX Runtime's threads do not spin). Target ≤ 0.8: the batching wins.
  Also given: ``executor_no_cache`` and its ratio.
- ``foreach_64_files_service`` (a report, no target): what a user running a folder gets — 64 PNG files of those
  pictures, their paths through input → ForEach → Image Load → ``model_classify`` → collect, a run of the run
  service (stored workflow, run and node runs recorded, events stored, results cached, not looked up), against
  the plain loop opening each file too.
- ``foreach_64_inputs_service`` (a report): the 64 pictures given as the run's input to the run service — the
  run's inputs are recorded (as PNG) with it.
- ``overhead_single``: one picture through the block (a run of a one-node workflow in the executor, compiled
  once) against ``to_tensor`` + ``session.run`` directly, medians of 200 in turns of 20, with a model of the cost
  of the mobile classifier people use most (``conv_classifier``'s default, 32–256 channels, at 160×160: ~0.67
  GFLOP a picture; MobileNetV2 at 224×224 is 0.6). Target ≤ 1.3. What the block adds is a fixed cost (the trip to
  the model thread and back, the run around the node: ``overhead_ms``), so the line also gives the ratio for the
  same network at 96×96 (~0.24 GFLOP, ``small_model``) and for the batched case's light model (~0.06 GFLOP,
  ``light_model``): the lighter the model, the larger the share.

Both sides in turns, best of each.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[2])  # (the repository, not this folder: queue.py here)

import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from engine import net  # noqa: E402
from engine.cache import ResultCache  # noqa: E402
from engine.executor import Executor  # noqa: E402
from engine.graph.single import single_block_workflow  # noqa: E402
from engine.model import Workflow  # noqa: E402
from engine.models import ModelLibrary  # noqa: E402
from engine.models.prepare import to_tensor  # noqa: E402
from engine.models.runtime import load_session  # noqa: E402
from engine.runs import RunService, RunSettings  # noqa: E402
from engine.store import Store  # noqa: E402
from tests import onnx_models  # noqa: E402

N, SIZE, BATCH, ROUNDS = 64, 96, 32, 20
WIDTHS = (16, 32, 64, 128)  # a mobile-class classifier: ~0.06 GFLOP a 96×96 picture
LABELS = [f"class{i}" for i in range(10)]


def loop_flow(files: bool = True) -> Workflow:
    """input → ForEach → [Image Load →] model_classify → collect → output."""
    node = lambda i, t, **c: {"id": i, "type": t, "config": c}  # noqa: E731
    edge = lambda s, t: {"id": f"{s}-{t}", "source": s.split(".")[0], "source_port": s.split(".")[1],  # noqa: E731
                         "target": t.split(".")[0], "target_port": t.split(".")[1]}
    load = [node("load", "image_load")] if files else []
    into = [edge("each.item", "load.source"), edge("load.image", "cls.image")] if files else \
        [edge("each.item", "cls.image")]
    return Workflow.model_validate({
        "format": "nodeloom.workflow", "schema_version": 1, "name": "classify 64",
        "nodes": [node("pics", "input", name="pics", type="list"),
                  node("each", "foreach", parallel=True, batch_size=BATCH), *load,
                  node("cls", "model_classify", model="net", top_k=3), node("all", "collect"),
                  node("out", "output", name="out")],
        "edges": [edge("pics.value", "each.items"), *into, edge("cls.top", "all.value"),
                  edge("all.items", "out.value")]})


def pictures(n: int = N) -> list[Image.Image]:
    """Different pictures: a colour gradient and some noise each (not flat colours)."""
    rng = np.random.default_rng(64)
    ramp = np.linspace(0, 1, SIZE, dtype=np.float32)
    out = []
    for _ in range(n):
        base = rng.uniform(0, 255, 3).astype(np.float32)
        grad = base[None, None, :] * ramp[:, None, None] + 255 * (1 - ramp)[None, :, None] * rng.uniform(0, 1, 3)
        noisy = grad + rng.normal(0, 20, (SIZE, SIZE, 3))
        out.append(Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB"))
    return out


def plain_loop(session, card, pictures) -> tuple[float, list]:
    """Each picture (or PNG file: opened with Pillow) prepared and fed by its own ``session.run``."""
    t0 = time.perf_counter()
    name = session.get_inputs()[0].name
    outs = []
    for picture in pictures:
        if isinstance(picture, str):
            with Image.open(picture) as opened:
                opened.load()
                outs.append(session.run(None, {name: to_tensor(opened, card)[0]})[0])
        else:
            outs.append(session.run(None, {name: to_tensor(picture, card)[0]})[0])
    return time.perf_counter() - t0, outs


def in_executor(home: Path, pics, policy, session, card) -> tuple[float, float, float]:
    """(best loop in the executor with the result cache storing, best without a cache, best plain loop), in
    turns."""
    cache = ResultCache(home / "cache")
    ours, bare, plain = [], [], []

    async def go():
        cached, uncached = Executor(cache=cache), Executor()
        plans = cached.compile(loop_flow(files=False)), uncached.compile(loop_flow(files=False))
        try:
            first = await cached.run(plans[0], {"pics": pics}, policy=policy, use_cache=False)  # (warm)
            assert first.status == "succeeded", first.error
            expected = [int(np.argmax(o[0])) for o in plain_loop(session, card, pics)[1]]
            assert [LABELS.index(top[0]["label"]) for top in first.outputs["out"]] == expected
            for _ in range(ROUNDS):
                for ex, plan, times in ((cached, plans[0], ours), (uncached, plans[1], bare)):
                    t0 = time.perf_counter()
                    result = await ex.run(plan, {"pics": pics}, policy=policy, use_cache=False)
                    times.append(time.perf_counter() - t0)
                    assert result.status == "succeeded" and len(result.outputs["out"]) == N, result.error
                plain.append(plain_loop(session, card, pics)[0])
        finally:
            cached.close()
            uncached.close()
            await net.aclose()

    try:
        asyncio.run(go())
    finally:
        cache.close()
    return min(ours), min(bare), min(plain)


def in_service(home: Path, pics, policy, session, card, files: bool) -> tuple[float, float]:
    """(best run of the loop through the run service, best plain loop), in turns."""
    store = Store(home, install_templates=False)
    wid = store.workflows.create(loop_flow(files)).id
    ours, plain = [], []

    async def go():
        async with RunService(store, policy) as service:
            first = await service.start(wid, {"pics": pics}, use_cache=False).result()  # (warm)
            assert first.status == "succeeded", first.error
            for _ in range(ROUNDS):
                t0 = time.perf_counter()
                result = await service.start(wid, {"pics": pics}, use_cache=False).result()
                ours.append(time.perf_counter() - t0)
                assert result.status == "succeeded" and len(result.outputs["out"]) == N, result.error
                plain.append(plain_loop(session, card, pics)[0])
        await net.aclose()

    try:
        asyncio.run(go())
    finally:
        store.close()
    return min(ours), min(plain)


def single(library: ModelLibrary, pic, model: str) -> tuple[float, float]:
    """(median one-node run of the block, median to_tensor + session.run), 200 of each in turns of 20. The one-node
    workflow is compiled once, as a stored workflow's plan is (compiling it again each time, as a node test
    does, costs about as much again as the run)."""
    ours, plain = [], []
    session, card = load_session(library.path(model)), library.get(model)  # (the block's options, its own session)
    name = session.get_inputs()[0].name

    async def go():
        ex = Executor()
        policy = RunSettings(models_dir=str(library.folder))
        plan = ex.compile(single_block_workflow("model_classify", ["image"], {"model": model, "top_k": 3},
                                                ["label", "score", "top"]))
        try:
            for i in range(11):  # (in turns of 20 each: ONNX Runtime's threads work with the thread that calls run,
                for _ in range(20):  # and a call right after another thread's call is slower, whichever side)
                    t0 = time.perf_counter()
                    result = await ex.run(plan, {"image": pic}, policy=policy)
                    assert result.status == "succeeded", result.error
                    ours.append(time.perf_counter() - t0) if i else None  # (the first turn warms)
                for _ in range(20):
                    t0 = time.perf_counter()
                    session.run(None, {name: to_tensor(pic, card)[0]})
                    plain.append(time.perf_counter() - t0) if i else None
        finally:
            ex.close()
            await net.aclose()

    asyncio.run(go())
    return statistics.median(ours), statistics.median(plain)


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="nodeloom-bench-inference-"))
    library = ModelLibrary(home / "models")
    library.import_model(onnx_models.conv_classifier(home / "net.onnx", size=SIZE, widths=WIDTHS), "classify",
                         labels=LABELS)
    pics = pictures()
    card = library.get("net")
    session = load_session(library.path("net"))  # (the block's options, a session of its own)
    folder = home / "pictures"
    folder.mkdir()
    paths = []
    for i, picture in enumerate(pics):
        picture.save(folder / f"{i:02}.png")
        paths.append(str(folder / f"{i:02}.png"))
    policy = RunSettings(models_dir=str(library.folder))
    o, e, b = in_executor(home, pics, policy, session, card)
    line("foreach_64_batched", o, b, "<= 0.8", ours_is="the executor, result cache storing (not looked up)",
         input="64 pictures", batch_size=BATCH, executor_no_cache=round(e, 4), executor_no_cache_ratio=round(e / b, 3))
    o, b = in_service(home / "files", paths, policy, session, card, files=True)
    line("foreach_64_files_service", o, b, "report", ours_is="a run of the run service: recorded, events stored, "
         "results cached (not looked up)", input="64 PNG files through Image Load", batch_size=BATCH)
    o, b = in_service(home / "inputs", pics, policy, session, card, files=False)
    line("foreach_64_inputs_service", o, b, "report", ours_is="a run of the run service, its 64 input pictures "
         "recorded", input="64 pictures as the run's input", batch_size=BATCH)
    library.import_model(onnx_models.conv_classifier(home / "mobile.onnx", size=160), "classify", labels=LABELS)
    library.import_model(onnx_models.conv_classifier(home / "small.onnx", size=SIZE), "classify", labels=LABELS)
    o, b = single(library, pics[0], "mobile")
    so, sb = single(library, pics[0], "small")
    lo, lb = single(library, pics[0], "net")
    line("overhead_single", o, b, "<= 1.3", digits=5, model="~0.67 GFLOP a picture (MobileNetV2 at 224×224: 0.6)",
         overhead_ms=round((o - b) * 1000, 3), small_model_ratio=round(so / sb, 3), small_model_ms=round(sb * 1000, 3),
         light_model_ratio=round(lo / lb, 3), light_model_ms=round(lb * 1000, 3))


def line(case: str, ours: float, baseline: float, target: str, digits: int = 4, **more) -> None:
    print(json.dumps({"bench": "inference", "case": case, "ours": round(ours, digits),
                      "baseline": round(baseline, digits), "unit": "s", "ratio": round(ours / baseline, 3),
                      "target": target, **more, "load": round(os.getloadavg()[0], 1)}), flush=True)


if __name__ == "__main__":
    main()
