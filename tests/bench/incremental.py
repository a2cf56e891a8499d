"""Incremental re-runs with the persistent cache (issue 3's figures), one JSON line per case.

- cold: a 50-node image chain (image_load → 48 image operations → output) on an empty cache;
- rerun_after_edit: the same after editing node 40, against running nodes 40–49 alone — a workflow that loads
  node 39's image from a PNG file (the re-run decodes node 39's cached PNG too) and writes its results to a
  fresh cache, as the re-run does;
- cache_hit: a third, fully cached run, per node.
"""

from __future__ import annotations

import sys
from pathlib import Path

# the repository root instead of this folder, whose queue.py would shadow the standard library's queue module
sys.path[0] = str(Path(__file__).resolve().parents[2])

import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path


from PIL import Image  # noqa: E402

from engine.executor import Executor  # noqa: E402
from engine.cache import ResultCache  # noqa: E402
from engine.model import Workflow  # noqa: E402

N = 50
EDIT = 40
SIZE = (640, 480)


EDITS = (1, 2, 3)  # three different edits of node 40, so that the re-run can be timed three times


def op(i: int, edit: int = 0) -> tuple[str, dict]:
    if i % 2:
        return "image_blur", {"radius": 1.0 + edit / 4}
    return "image_rotate", {"degrees": 90 + 90 * edit, "expand": True}


def chain(source: str, first: int, last: int, edit: int, output: bool = True) -> Workflow:
    nodes = [{"id": f"n{first - 1}", "type": "image_load", "config": {"source": source}}]
    edges = []
    for i in range(first, last):
        kind, config = op(i, edit if i == EDIT else 0)
        nodes.append({"id": f"n{i}", "type": kind, "config": config})
        edges.append({"id": f"e{i}", "source": f"n{i-1}", "source_port": "image", "target": f"n{i}", "target_port": "image"})
    if output:
        nodes.append({"id": f"n{last}", "type": "output", "config": {"name": "image"}})
        edges.append({"id": "eout", "source": f"n{last-1}", "source_port": "image", "target": f"n{last}",
                      "target_port": "value"})
    return Workflow.model_validate({"name": "chain", "nodes": nodes, "edges": edges})


async def timed(cache: ResultCache, wf: Workflow):
    ex = Executor(cache=cache)
    t0 = time.perf_counter()
    result = await ex.run(wf)
    elapsed = (time.perf_counter() - t0) * 1000
    ex.close()
    assert result.status == "succeeded", result.error
    return elapsed, result


def line(case: str, **fields) -> None:
    print(json.dumps({"bench": "incremental", "case": case, **fields}), flush=True)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="nodeloom-bench-"))
    source = work / "source.png"
    Image.frombytes("RGB", SIZE, os.urandom(SIZE[0] * SIZE[1] * 3)).resize((SIZE[0] // 2, SIZE[1] // 2)).resize(SIZE).save(source)
    cache = ResultCache(work / "cache")
    cold, _ = asyncio.run(timed(cache, chain(str(source), 1, N - 1, 0)))
    line("cold_50_node_image_chain", ours=round(cold, 1), unit="ms")

    # node 39's image, as the "alone" run's starting point
    upto39 = asyncio.run(timed(ResultCache(work / "scratch"), chain(str(source), 1, EDIT, 0)))[1]
    start = work / "n39.png"
    upto39.outputs["image"].save(start)

    reruns, alones = [], []
    for edit in EDITS:  # each edit is new to the cache: a real re-run every time
        reruns.append(asyncio.run(timed(cache, chain(str(source), 1, N - 1, edit)))[0])
        alones.append(asyncio.run(timed(ResultCache(work / f"alone{edit}"), chain(str(start), EDIT, N - 1, edit)))[0])
    rerun, alone = min(reruns), min(alones)
    line("rerun_after_editing_node_40", ours=round(rerun, 1), baseline=round(alone, 1), unit="ms",
         ratio=round(rerun / alone, 3), target="<= 1.1", baseline_is="nodes 40-49 run alone, cold")

    hits = []
    for _ in range(5):  # the same 49 nodes without the output node: every one a hit, nothing to decode
        hit, result = asyncio.run(timed(cache, chain(str(source), 1, N - 1, EDITS[-1], output=False)))
        hits.append(hit)
    line("cache_hit", ours=round(min(hits) / (N - 1), 3), unit="ms/node", target="<= 1",
         note="a fully cached run of the chain's 49 computing nodes, per node")
    cache.close()


if __name__ == "__main__":
    main()
