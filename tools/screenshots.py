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


def fresh_window(theme: str):
    """The real window on a new data folder, in ``theme``, at the size of the pictures."""
    window = create(Path(tempfile.mkdtemp(prefix="nodeloom-shots-")))
    window.set_theme(theme)
    window.resize(1500, 900)
    window.show()
    return window


def shoot(out: Path, theme: str) -> Path:
    window = fresh_window(theme)
    tpl = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Image pipeline")
    tab = window.workflows.new_from_template(tpl.id)
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        runner.run(window.runs.run_tab(tab))
        window.resizeDocks([window.run_dock], [150], qasync.QtCore.Qt.Orientation.Vertical)
        QApplication.processEvents()
        tab.view.frame(selection_only=False)
        tab.scene.node_items["resize"].setSelected(True)
        QApplication.processEvents()
        path = out / f"screenshot-{theme}.png"
        window.grab().save(str(path))
        if theme == "dark":
            shoot_menu(out, window, tab)
            runner.run(shoot_settings(out, window))
        runner.run(window.aclose())
    window.close()
    return path


def with_popup(window, popup):
    """The window with a popup (a menu, a dialog) painted where it shows on the screen: grab() of the window
    alone leaves top-level popups out."""
    from PySide6.QtGui import QPainter

    shot = window.grab()
    painter = QPainter(shot)
    painter.drawPixmap(window.mapFromGlobal(popup.mapToGlobal(popup.rect().topLeft())), popup.grab())
    painter.end()
    return shot


def shoot_menu(out: Path, window, tab) -> Path:
    """A node's right-click menu."""
    item = tab.scene.node_items["blur"]
    at = tab.view.mapFromScene(item.mapToScene(QPointF(60, 12)))
    menu = window.menus.open(tab, item.mapToScene(QPointF(60, 12)), tab.view.viewport().mapToGlobal(at))
    QApplication.processEvents()
    path = out / "context-menu.png"
    with_popup(window, menu).save(str(path))
    menu.close()
    print(path)
    return path


async def shoot_settings(out: Path, window) -> Path:
    """Edit ▸ Settings: its General page, then its Cache page (settings-cache.png) after a few runs."""
    service = await window.runs.open_service()
    templates = {i.name: i.id for i in window.store.workflows.list(templates=True, limit=100).items}
    for name in ("Image pipeline", "Watermark an image", "Big or small", "Parallel squares"):
        await service.start(templates[name]).result()
    await service.start(templates["Watermark an image"]).result()
    dialog = window.prefs.open()
    dialog.move(window.mapToGlobal(window.rect().center()) - dialog.rect().center())
    await asyncio.sleep(0.5)  # the cache's use is measured off the GUI thread
    QApplication.processEvents()
    path = out / "settings.png"
    with_popup(window, dialog).save(str(path))
    print(path)
    dialog.show_page("cache")
    await asyncio.sleep(0.5)
    QApplication.processEvents()
    cache = out / "settings-cache.png"
    with_popup(window, dialog).save(str(cache))
    print(cache)
    dialog.close()
    return path


def shoot_welcome(out: Path) -> Path:
    """The welcome page of a data folder with a few workflows that have run."""
    window = fresh_window("dark")
    templates = {i.name: i.id for i in window.store.workflows.list(templates=True, limit=100).items}

    async def go():
        for name in ("Square a number", "Watermark an image", "Image pipeline"):
            tab = window.workflows.new_from_template(templates[name])
            await window.runs.run_tab(tab)
            window.close_tab(window.tabs.indexOf(tab))

    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        runner.run(go())
        runner.run(window.aclose())
    window.tabs.setCurrentIndex(0)
    window.browser.refresh()
    QApplication.processEvents()
    path = out / "welcome.png"
    window.grab().save(str(path))
    window.close()
    return path


def shoot_live(out: Path) -> list[Path]:
    """A run in progress (thumbnails, a progress ring) and the profiler after it, in the dark theme."""
    from app.document.model import EditorDocument
    from engine.model import Workflow
    from engine.folders import resources_dir

    window = fresh_window("dark")
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
    tab.view.frame(selection_only=False)
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


def shoot_queue(out: Path) -> Path:
    """The Queue dock: runs queued at three priorities, two running at once, one of them followed on its canvas."""
    from engine.model import Workflow

    window = fresh_window("dark")
    nodes = [{"id": "n", "type": "input", "config": {"name": "n", "type": "integer"}, "position": [0, 0], "label": "n"},
             {"id": "d1", "type": "delay", "config": {"seconds": 3}, "position": [260, 0], "label": "Resize"},
             {"id": "d2", "type": "delay", "config": {"seconds": 3}, "position": [520, 0], "label": "Upload"},
             {"id": "o", "type": "output", "config": {"name": "o"}, "position": [780, 0], "label": "done"}]
    edges = [{"id": f"e{i}", "source": a, "source_port": "value", "target": b, "target_port": "value"}
             for i, (a, b) in enumerate([("n", "d1"), ("d1", "d2"), ("d2", "o")])]
    wid = window.store.workflows.create(Workflow.model_validate(
        {"name": "Slow thumbnails", "nodes": nodes, "edges": edges})).id
    path = out / "queue.png"

    async def go():
        service = await window.runs.open_service()
        first = await service.enqueue_many(wid, [{"n": 42}], priority=8, trigger="cli")
        await service.enqueue_many(wid, [{"n": 1}, {"n": 2}, {"n": 3}], trigger="cli")
        await service.enqueue_many(wid, [{"n": 7}, {"n": 8}, {"n": 9}], priority=3, trigger="cli")
        await asyncio.sleep(0.3)
        window.queue.open_run(first[0])
        window.queue_dock.show()
        window.queue_dock.raise_()
        window.resizeDocks([window.queue_dock], [330], qasync.QtCore.Qt.Orientation.Vertical)
        await asyncio.sleep(4.2)  # (the loop paints meanwhile: no processEvents inside a task)
        window.grab().save(str(path))
        service.clear_queue()  # (what is left is not run: the window closes)

    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        runner.run(go())
        runner.run(window.aclose())
    window.close()
    return path


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs"
    out.mkdir(parents=True, exist_ok=True)
    QApplication.instance() or QApplication([])
    print(shoot_welcome(out))
    for theme in ("dark", "light"):
        print(shoot(out, theme))
    for path in shoot_live(out):
        print(path)
    print(shoot_queue(out))


if __name__ == "__main__":
    main()
