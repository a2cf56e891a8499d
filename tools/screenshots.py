"""Screenshots of the main window for docs/ (dark and light): python tools/screenshots.py [OUT_DIR]."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import qasync  # noqa: E402
from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.main_window import create  # noqa: E402


def shoot(out: Path, theme: str) -> Path:
    home = Path(tempfile.mkdtemp(prefix="nodeloom-shots-"))
    window = create(home)
    window.set_theme(theme)
    window.resize(1500, 900)
    window.show()
    tpl = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Image pipeline")
    tab = window.workflows.new_from_template(tpl.id)
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        runner.run(window.runs.run_tab(tab))
        runner.run(window.aclose())
    window.resizeDocks([window.run_dock], [150], qasync.QtCore.Qt.Orientation.Vertical)
    tab.view.resetTransform()
    tab.view.scale(0.6, 0.6)
    tab.view.centerOn(QPointF(790, 20))
    tab.scene.node_items["resize"].setSelected(True)
    QApplication.processEvents()
    path = out / f"screenshot-{theme}.png"
    window.grab().save(str(path))
    window.close()
    return path


def shoot_live(out: Path) -> list[Path]:
    """A run in progress (thumbnails, a progress ring) and the profiler after it, in the dark theme."""
    from app.document import EditorDocument
    from engine.model import Workflow
    from engine.folders import resources_dir

    home = Path(tempfile.mkdtemp(prefix="nodeloom-shots-"))
    window = create(home)
    window.set_theme("dark")
    window.resize(1500, 900)
    window.show()
    sample = str(resources_dir() / "samples" / "landscape.png")
    nodes = [
        {"id": "load", "type": "image_load", "config": {"source": sample}, "position": [0, 0], "label": "Load"},
        {"id": "resize", "type": "image_resize", "config": {"width": 200, "height": 200}, "position": [260, 0],
         "label": "Thumbnail"},
        {"id": "gray", "type": "image_grayscale", "position": [520, -60], "label": "Grayscale"},
        {"id": "blur", "type": "image_blur", "config": {"radius": 3}, "position": [520, 140], "label": "Blur"},
        {"id": "items", "type": "constant", "config": {"value": list(range(12))}, "position": [0, 320], "label": "Items"},
        {"id": "each", "type": "foreach", "config": {"parallel": True, "batch_size": 3}, "position": [260, 320],
         "label": "For each"},
        {"id": "work", "type": "delay", "config": {"seconds": 0.25}, "position": [520, 360], "label": "Work"},
        {"id": "col", "type": "collect", "position": [780, 320], "label": "Collect"},
    ]
    edges = [("load", "image", "resize", "image"), ("resize", "image", "gray", "image"),
             ("resize", "image", "blur", "image"), ("items", "value", "each", "items"),
             ("each", "item", "work", "value"), ("work", "value", "col", "value")]
    wf = Workflow.model_validate({"name": "Live run", "nodes": nodes, "edges": [
        {"id": f"e{i}", "source": a, "source_port": b, "target": c, "target_port": d}
        for i, (a, b, c, d) in enumerate(edges)]})
    tab = window.add_tab(EditorDocument(wf, registry=window.registry))
    window.resizeDocks([window.run_dock], [170], qasync.QtCore.Qt.Orientation.Vertical)
    QApplication.processEvents()
    tab.view.resetTransform()
    tab.view.scale(0.8, 0.8)
    tab.view.centerOn(QPointF(470, 200))
    paths = []

    async def go():
        task = asyncio.ensure_future(window.runs.run_tab(tab))
        while (tab.scene.node_items["each"].progress or 0) < 0.4:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.05)
        QApplication.processEvents()
        paths.append(out / "run-in-progress.png")
        window.grab().save(str(paths[-1]))
        await task
        window.profiler_dock.raise_()
        window.resizeDocks([window.profiler_dock], [330], qasync.QtCore.Qt.Orientation.Vertical)
        QApplication.processEvents()
        paths.append(out / "profiler.png")
        window.grab().save(str(paths[-1]))

    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        runner.run(go())
        runner.run(window.aclose())
    window.close()
    return paths


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs"
    out.mkdir(parents=True, exist_ok=True)
    QApplication.instance() or QApplication([])
    for theme in ("dark", "light"):
        print(shoot(out, theme))
    for path in shoot_live(out):
        print(path)


if __name__ == "__main__":
    main()
