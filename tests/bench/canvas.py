"""Canvas speed against a bare QGraphicsScene with the same number of plain items (the floor).

- open: a stored 1,000-node / 1,500-edge workflow read from the database and built into our scene, against
  building the floor scene (rect items + cubic path items); also the total time including the database;
- drag: one frame of dragging a node with 10 links (move + re-route + repaint of the view);
- fit_all: one repaint of the whole 5,000-node graph fitted in the view (level-of-detail painting);
- open with annotations: the same 1,000-node workflow with 50 groups (20 nodes each) and 50 markdown notes,
  against itself without them.
"""

from __future__ import annotations

import sys
from pathlib import Path

# the repository root instead of this folder, whose queue.py would shadow the standard library's queue module
sys.path[0] = str(Path(__file__).resolve().parents[2])

import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QPainterPath, QUndoStack  # noqa: E402
from PySide6.QtWidgets import (QApplication, QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem,  # noqa: E402
                               QGraphicsScene, QGraphicsView)

from app.canvas.scene import WorkflowScene  # noqa: E402
from app.canvas.view import CanvasView  # noqa: E402
from app.document.model import EditorDocument  # noqa: E402
from engine.model import Workflow  # noqa: E402
from engine.store import Store  # noqa: E402

KINDS = [("image_blur", "image", "image"), ("transform", "data", "result"), ("image_resize", "image", "image"),
         ("template", "data", "text")]


def graph(n_nodes: int, n_edges: int, seed: int = 3) -> Workflow:
    rng = random.Random(seed)
    nodes = [{"id": "n0", "type": "constant", "position": [0, 0]}]
    edges = []
    for i in range(1, n_nodes):
        kind = "merge" if i % 3 == 0 else "transform"
        cfg = {"mode": "list"} if kind == "merge" else {"expression": "data"}
        nodes.append({"id": f"n{i}", "type": kind, "config": cfg,
                      "position": [(i // 40) * 260, (i % 40) * 120]})
    out_port = lambda j: "value" if nodes[j]["type"] in ("constant", "merge") else "result"  # noqa: E731
    for i in range(1, n_nodes):  # a spanning chain first
        edges.append((i - 1, i))
    while len(edges) < n_edges:
        j, i = sorted(rng.sample(range(n_nodes), 2))
        if nodes[i]["type"] == "merge" and (j, i) not in edges:
            edges.append((j, i))
    doc_edges, ports = [], {}
    for k, (j, i) in enumerate(edges):
        if nodes[i]["type"] == "merge":
            ports[i] = ports.get(i, 0) + 1
            tp = f"in{ports[i]}"
        else:
            if i in ports:
                continue
            ports[i], tp = 1, "data"
        doc_edges.append({"id": f"e{k}", "source": f"n{j}", "source_port": out_port(j), "target": f"n{i}",
                          "target_port": tp})
    return Workflow.model_validate({"name": "big", "nodes": nodes, "edges": doc_edges})


def floor_scene(wf: Workflow) -> QGraphicsScene:
    scene = QGraphicsScene()
    pos = {}
    for n in wf.nodes:
        item = QGraphicsRectItem(QRectF(0, 0, 190, 90))
        item.setPos(QPointF(*n.position))
        item.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        scene.addItem(item)
        pos[n.id] = item
    for e in wf.edges:
        a = pos[e.source].pos() + QPointF(190, 40)
        b = pos[e.target].pos() + QPointF(0, 40)
        path = QPainterPath(a)
        path.cubicTo(a + QPointF(80, 0), b - QPointF(80, 0), b)
        scene.addItem(QGraphicsPathItem(path))
    return scene


def floor_view(scene: QGraphicsScene) -> QGraphicsView:
    """A plain view drawing with the same quality as ours (antialiased)."""
    from PySide6.QtGui import QPainter

    view = QGraphicsView(scene)
    view.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    view.resize(1200, 800)
    view.show()
    return view


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def paired(ours, floor, rounds=11) -> tuple[float, float]:
    """Best times of ``ours`` and ``floor`` taken in turns, so a noisy moment of this shared machine weighs on
    both alike (one after the other, a slow minute could land on one of them only)."""
    o, f = [], []
    for _ in range(rounds):
        o.append(best(ours, 1))
        f.append(best(floor, 1))
    return min(o), min(f)


def line(case, ours, floor=None, unit="ms", target=None, **extra):
    d = {"bench": "canvas", "case": case, "ours": round(ours, 3), "unit": unit}
    if floor is not None:
        d.update(baseline=round(floor, 3), ratio=round(ours / floor, 3))
    if target:
        d["target"] = target
    d.update(extra)
    print(json.dumps(d), flush=True)


def bench_open(app) -> None:
    home = Path(tempfile.mkdtemp(prefix="nodeloom-canvas-"))
    store = Store(home, install_templates=False)
    wf = graph(1000, 1500)
    wid = store.workflows.create(wf).id
    holder = []

    def ours_build():
        doc = EditorDocument(store.workflows.document(wid))
        holder.append(WorkflowScene(doc, QUndoStack()))

    def ours_scene_only():
        holder.append(WorkflowScene(doc, QUndoStack()))

    def floor_build():
        holder.append(floor_scene(wf))

    total = best(ours_build) * 1000
    doc = EditorDocument(store.workflows.document(wid))

    def keep_few(fn):
        def run():
            fn()
            del holder[:-2]  # (scenes of earlier rounds go: memory would grow with the rounds)
        return run

    scene_only, floor = (t * 1000 for t in paired(keep_few(ours_scene_only), keep_few(floor_build)))
    holder.clear()
    line("open_1000_nodes_1500_edges", scene_only, floor, target="<= 2", total_with_database_ms=round(total, 1),
         total_target="<= 1000 ms", edges=len(wf.edges))
    store.close()


def annotated(wf: Workflow, groups: int = 50, notes: int = 50) -> Workflow:
    """``wf`` (from :func:`graph`: columns of 40 nodes 260 apart, rows 120 apart) with groups of 20 nodes framed
    where they stand and notes below the graph."""
    out = []
    for k in range(groups):
        col, first = k // 2, (k % 2) * 20
        ids = [f"n{col * 40 + first + j}" for j in range(20)]
        out.append({"id": f"group{k}", "kind": "group", "title": f"Stage {k}", "nodes": ids,
                    "position": [col * 260 - 20, first * 120 - 50], "size": [230, 20 * 120 + 30]})
    for k in range(notes):
        out.append({"id": f"note{k}", "kind": "note", "position": [(k % 25) * 260, 40 * 120 + 100 + (k // 25) * 180],
                    "size": [240, 150], "text": f"**Step {k}**: *resize* the `image`, then\n- blur it\n- save it"})
    return Workflow.model_validate({**wf.model_dump(), "annotations": out})


def bench_open_annotated(app) -> None:
    home = Path(tempfile.mkdtemp(prefix="nodeloom-canvas-"))
    store = Store(home, install_templates=False)
    bare = graph(1000, 1500)
    wf = annotated(bare)
    wid = store.workflows.create(wf).id
    holder = []
    total = best(lambda: holder.append(WorkflowScene(EditorDocument(store.workflows.document(wid)), QUndoStack())))
    doc, bare_doc = EditorDocument(store.workflows.document(wid)), EditorDocument(bare)

    def keep_few(scene_of):
        def run():
            holder.append(WorkflowScene(scene_of, QUndoStack()))
            del holder[:-2]
        return run

    ours, floor = (t * 1000 for t in paired(keep_few(doc), keep_few(bare_doc)))
    holder.clear()
    line("open_1000_nodes_with_annotations", ours, floor, target="<= 1.2", groups=50, notes=50,
         total_with_database_ms=round(total * 1000, 1))
    store.close()


def bench_drag(app) -> None:
    nodes = [{"id": f"s{k}", "type": "constant", "position": [0, k * 110]} for k in range(10)]
    nodes.append({"id": "hub", "type": "merge", "config": {"mode": "list"}, "position": [500, 500]})
    edges = [{"id": f"e{k}", "source": f"s{k}", "source_port": "value", "target": "hub", "target_port": f"in{k}"}
             for k in range(10)]
    wf = Workflow.model_validate({"name": "drag", "nodes": nodes, "edges": edges})
    scene = WorkflowScene(EditorDocument(wf), QUndoStack())
    view = CanvasView(scene)
    view.resize(1200, 800)
    view.show()
    item = scene.node_items["hub"]
    fscene = floor_scene(wf)
    fview = floor_view(fscene)
    target = [i for i in fscene.items() if isinstance(i, QGraphicsRectItem)][0]
    fpaths = [i for i in fscene.items() if isinstance(i, QGraphicsPathItem)]
    app.processEvents()

    def ours(steps=60):
        for k in range(steps):  # what one mouse-move of a drag does: move, re-route the links, repaint
            item.setPos(item.pos() + QPointF(1 if k % 2 else -1, 1))
            scene._moved_live("hub")
            view.viewport().repaint()

    def floor(steps=60):
        for k in range(steps):
            target.setPos(target.pos() + QPointF(1 if k % 2 else -1, 1))
            for p in fpaths:  # the floor re-routes its 10 links too
                a, b = p.path().elementAt(0), target.pos()
                path = QPainterPath(QPointF(a.x, a.y))
                path.cubicTo(QPointF(a.x + 80, a.y), b - QPointF(80, 0), b)
                p.setPath(path)
            fview.viewport().repaint()

    o, f = (t / 60 * 1000 for t in paired(ours, floor))
    line("drag_frame_node_with_10_links", o, f, target="<= 1.5")


def bench_fit(app) -> None:
    wf = graph(5000, 7500)
    doc = EditorDocument(wf)
    scene = WorkflowScene(doc, QUndoStack())
    view = CanvasView(scene)
    view.resize(1200, 800)
    view.show()
    view.frame(selection_only=False)
    fscene = floor_scene(wf)
    fview = floor_view(fscene)
    fview.fitInView(fscene.itemsBoundingRect(), Qt.AspectRatioMode.KeepAspectRatio)
    app.processEvents()
    o, f = (t * 1000 for t in paired(lambda: view.viewport().repaint(), lambda: fview.viewport().repaint()))
    line("fit_all_repaint_5000_nodes", o, f, target="<= 1.5", zoom=round(view.zoom(), 3))


def main() -> None:
    app = QApplication.instance() or QApplication([])
    bench_open(app)
    bench_open_annotated(app)
    bench_drag(app)
    bench_fit(app)


if __name__ == "__main__":
    main()
