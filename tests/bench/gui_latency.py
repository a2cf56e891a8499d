"""Does the GUI stay responsive during runs? One JSON line per figure.

- stall: the longest gap of a 5 ms QTimer probe (beyond its 5 ms) while the real window runs a 4000×3000
  image through six blocks, cold (results are computed and written to the cache);
- event_to_repaint: p50/p99 from an engine event (its timestamp) to the repaint of its node item showing that
  status, over the 1,000 events of a 500-node run whose nodes each wait 1 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import qasync  # noqa: E402
from PIL import Image  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.canvas.node_item import NodeItem  # noqa: E402
from app.document import EditorDocument  # noqa: E402
from app.main_window import create  # noqa: E402
from engine.model import Workflow  # noqa: E402


def line(case, **fields):
    print(json.dumps({"bench": "gui_latency", "case": case, **fields}), flush=True)


def image_workflow(source: str) -> Workflow:
    chain = [("load", "image_load", {"source": source}), ("blur", "image_blur", {"radius": 2}),
             ("rotate", "image_rotate", {"degrees": 90}), ("gray", "image_grayscale", {}),
             ("resize", "image_resize", {"width": 2000, "height": 2000}), ("threshold", "image_threshold", {"level": 90}),
             ("info", "image_info", {})]
    nodes = [{"id": n, "type": t, "config": c, "position": [i * 240, 0]} for i, (n, t, c) in enumerate(chain)]
    edges = [{"id": f"e{i}", "source": chain[i][0], "source_port": "image", "target": chain[i + 1][0],
              "target_port": "image"} for i in range(len(chain) - 1)]
    nodes.append({"id": "out", "type": "output", "config": {"name": "width"}, "position": [len(chain) * 240, 0]})
    edges.append({"id": "eo", "source": "info", "source_port": "width", "target": "out", "target_port": "value"})
    return Workflow.model_validate({"name": "big image", "nodes": nodes, "edges": edges})


def chain_workflow(n: int) -> Workflow:
    nodes = [{"id": f"n{i}", "type": "delay", "config": {"seconds": 0.001}, "position": [(i % 25) * 220, (i // 25) * 120]}
             for i in range(n)]
    edges = [{"id": f"e{i}", "source": f"n{i-1}", "source_port": "value", "target": f"n{i}", "target_port": "value"}
             for i in range(1, n)]
    return Workflow.model_validate({"name": "many events", "nodes": nodes, "edges": edges})


async def stall(window, source: str) -> float:
    tab = window.add_tab(EditorDocument(image_workflow(source), registry=window.registry))
    gaps, last = [], [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    probe = QTimer(interval=5)
    probe.timeout.connect(tick)
    probe.start()
    await asyncio.sleep(0.1)
    gaps.clear()
    last[0] = time.perf_counter()
    result = await window.run_tab(tab)
    probe.stop()
    assert result.status == "succeeded", result.error
    return max(gaps) * 1000 - 5


async def event_latency(window, n: int = 500) -> list[float]:
    painted: dict[tuple[str, str], float] = {}
    original = NodeItem.paint

    def paint(item, painter, option, widget=None):
        key = (item.node_id, item.status)
        if key not in painted:
            painted[key] = time.time()
        original(item, painter, option, widget)

    NodeItem.paint = paint  # before the items exist: PySide binds a Python override when an item is made
    tab = window.add_tab(EditorDocument(chain_workflow(n), registry=window.registry))
    tab.view.frame(selection_only=False)
    sub = window._launcher().executor.subscribe(maxsize=100_000)
    try:
        result = await window.run_tab(tab)
        await asyncio.sleep(0.1)  # the last repaint
    finally:
        NodeItem.paint = original
    assert result.status == "succeeded", result.error
    latencies = []
    drained = sub.drain()
    for ev in drained:
        if ev.kind in ("node_started", "node_finished") and ev.run_id == result.run_id:
            status = "running" if ev.kind == "node_started" else ev.status
            shown = painted.get((ev.node_id, status))
            if shown is not None:
                latencies.append((shown - ev.ts) * 1000)
    return latencies


def main() -> None:
    app = QApplication.instance() or QApplication([])
    work = Path(tempfile.mkdtemp(prefix="nodeloom-gui-"))
    source = work / "big.png"
    Image.radial_gradient("L").resize((4000, 3000)).convert("RGB").save(source)
    window = create(work / "home")
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        worst = runner.run(stall(window, str(source)))
        latencies = runner.run(event_latency(window))
        runner.run(window.aclose())
    line("loop_stall_4000x3000_six_blocks", ours=round(worst, 1), unit="ms", target="<= 50",
         probe="5 ms QTimer")
    q = statistics.quantiles(latencies, n=100)
    line("event_to_repaint", ours=round(q[98], 2), unit="ms", p50=round(statistics.median(latencies), 2),
         p99=round(q[98], 2), events=len(latencies), target="p99 <= 16")
    window.close()


if __name__ == "__main__":
    main()
