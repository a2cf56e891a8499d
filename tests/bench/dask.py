"""ForEach batches on a Dask LocalCluster (issue 17): throughput with 2 workers against 1, and what shipping
batches costs per item against running the same body here in threads.

Prints one JSON line per case (see the README's Benchmarks). Run: ``make bench`` or
``python tests/bench/dask.py``. Needs ``nodeloom[dask]`` (the test extras have it).

- ``workers``: 200 × (resize + blur) of a 1000×1000 picture; ours = ms per item on a 2-worker LocalCluster,
  baseline = ms per item on a 1-worker one. Target: 2 workers give ≥ 1.6× the throughput (ratio ≤ 0.625).
- ``workers_cpu_bound``: 200 items of a python block burning ~50 ms of CPU (``time.process_time``: a fixed amount of
  work, whatever else runs on the machine) on a small integer; ours = ms per item on a 2-worker LocalCluster,
  baseline = on a 1-worker one. Target ≤ 0.625 (2 workers ≥ 1.6× one). On a 2-core machine the scheduler, this
  process and the workers share the two cores, which caps what a second worker can add.
- ``shipping_overhead``: the same loop, ours = ms per item on the 2-worker cluster, baseline = ms per item
  run here (the executor's own threads, ``parallel`` with batch_size 2). Reported; no target on 2 cores,
  where the cluster's processes and this one share the same two cores.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[2])  # (the repository, not this folder: queue.py here)

import asyncio  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

from PIL import Image, ImageDraw  # noqa: E402

from engine.executor import Executor  # noqa: E402
from engine.model import Workflow  # noqa: E402

ITEMS = 200
BURN = ("import time\n\ndef main(data):\n    until = time.process_time() + 0.05\n"
        "    while time.process_time() < until:\n        pass\n    return data * 2\n")


def workflow() -> Workflow:
    node = lambda i, t, **c: {"id": i, "type": t, "config": c}  # noqa: E731
    edge = lambda s, t: {"id": f"{s}-{t}", "source": s.split(".")[0], "source_port": s.split(".")[1],  # noqa: E731
                         "target": t.split(".")[0], "target_port": t.split(".")[1]}
    return Workflow.model_validate({
        "format": "nodeloom.workflow", "schema_version": 1, "name": "bench",
        "nodes": [node("imgs", "input", name="imgs", type="list"), node("each", "foreach", parallel=True, batch_size=2),
                  node("resize", "image_resize", width=700, height=700, resample="lanczos"),
                  node("blur", "image_blur", radius=3), node("gather", "collect"), node("out", "output", name="out")],
        "edges": [edge("imgs.value", "each.items"), edge("each.item", "resize.image"),
                  edge("resize.image", "blur.image"), edge("blur.image", "gather.value"),
                  edge("gather.items", "out.value")]})


def burning() -> Workflow:
    node = lambda i, t, **c: {"id": i, "type": t, "config": c}  # noqa: E731
    edge = lambda s, t: {"id": f"{s}-{t}", "source": s.split(".")[0], "source_port": s.split(".")[1],  # noqa: E731
                         "target": t.split(".")[0], "target_port": t.split(".")[1]}
    return Workflow.model_validate({
        "format": "nodeloom.workflow", "schema_version": 1, "name": "burn",
        "nodes": [node("ns", "input", name="ns", type="list"), node("each", "foreach", parallel=True, batch_size=2),
                  node("burn", "python", code=BURN), node("gather", "collect"), node("out", "output", name="out")],
        "edges": [edge("ns.value", "each.items"), edge("each.item", "burn.data"), edge("burn.result", "gather.value"),
                  edge("gather.items", "out.value")]})


def picture() -> Image.Image:
    img = Image.radial_gradient("L").resize((1000, 1000)).convert("RGB")
    draw = ImageDraw.Draw(img)
    for i in range(0, 1000, 50):
        draw.line([(0, i), (1000, 1000 - i)], fill=(i % 256, 80, 200), width=3)
    return img


async def per_item(executor: Executor, items: list) -> float:
    t0 = time.perf_counter()
    result = await executor.run(workflow(), {"imgs": items})
    took = time.perf_counter() - t0
    assert result.status == "succeeded" and len(result.outputs["out"]) == len(items), result.error
    return took * 1000 / len(items)


async def burn_per_item(executor: Executor, n: int) -> float:
    t0 = time.perf_counter()
    result = await executor.run(burning(), {"ns": list(range(n))})
    took = time.perf_counter() - t0
    assert result.status == "succeeded" and result.outputs["out"] == [i * 2 for i in range(n)], result.error
    return took * 1000 / n


async def main() -> None:
    from engine.distributed import DaskBackend

    img = picture()
    items = [img] * ITEMS  # (one picture in memory; each item is still sent, and worked on, on its own)
    here = await per_item(Executor(), items)
    times, burns = {}, {}
    for workers in (1, 2):
        backend = await DaskBackend.start(f"local:{workers}")
        try:
            await per_item(Executor(remote=backend), items[:8])  # (warm: imports and plans on the workers)
            times[workers] = await per_item(Executor(remote=backend), items)
            await burn_per_item(Executor(remote=backend), 8)  # (warm: each worker's python process started)
            burns[workers] = await burn_per_item(Executor(remote=backend), ITEMS)
        finally:
            await backend.aclose()
    print(json.dumps({"bench": "dask", "case": "workers_cpu_bound", "ours": round(burns[2], 2),
                      "baseline": round(burns[1], 2), "unit": "ms/item", "ratio": round(burns[2] / burns[1], 3),
                      "target": "<= 0.625"}))
    print(json.dumps({"bench": "dask", "case": "workers", "ours": round(times[2], 2), "baseline": round(times[1], 2),
                      "unit": "ms/item", "ratio": round(times[2] / times[1], 3), "target": "<= 0.625"}))
    print(json.dumps({"bench": "dask", "case": "shipping_overhead", "ours": round(times[2], 2),
                      "baseline": round(here, 2), "unit": "ms/item", "ratio": round(times[2] / here, 3),
                      "target": "reported"}))


if __name__ == "__main__":
    asyncio.run(main())
