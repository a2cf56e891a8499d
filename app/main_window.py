"""The desktop window. For now a minimal one: the block palette and the stored templates, each runnable.

The full editor (canvas, inspector, history) is the next issue; this window already runs on the engine and
the store through qasync — runs are cached and recorded — so that what it shows is real.
``create(home=PATH)`` builds the window in-process on the data folder PATH, for tests.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QApplication, QDockWidget, QLabel, QListWidget, QListWidgetItem, QMainWindow,
                               QPlainTextEdit, QStatusBar)

from engine.blocks import default_registry
from engine.store import Store
from engine.values import summarize

__all__ = ["MainWindow", "create", "main"]


class MainWindow(QMainWindow):
    def __init__(self, home: str | Path | None):
        super().__init__()
        self.store = Store(home)
        self.home = self.store.home
        self.launcher = None
        self.setWindowTitle("Nodeloom")
        self.resize(1100, 700)
        self.palette_list = QListWidget(objectName="palette")
        for block in default_registry():
            item = QListWidgetItem(f"{block.category} · {block.type}")
            item.setToolTip(block.describe()["description"])
            self.palette_list.addItem(item)
        dock = QDockWidget("Blocks", self, objectName="paletteDock")
        dock.setWidget(self.palette_list)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.templates = QListWidget(objectName="templates")
        for info in self.store.workflows.list(templates=True, sort="name", descending=False).items:
            item = QListWidgetItem(info.name)
            item.setData(Qt.ItemDataRole.UserRole, info.id)
            item.setToolTip(f"{info.description}\nid {info.id} · v{info.current_version}")
            self.templates.addItem(item)
        self.templates.itemActivated.connect(self._run_template)
        tdock = QDockWidget("Templates — double-click to run", self, objectName="templatesDock")
        tdock.setWidget(self.templates)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, tdock)
        self.log = QPlainTextEdit(objectName="runPanel", readOnly=True)
        self.setCentralWidget(self.log)
        self.setStatusBar(QStatusBar())
        self.statusBar().addWidget(QLabel(f"Data folder: {self.home}"))

    def _run_template(self, item: QListWidgetItem) -> None:
        asyncio.ensure_future(self.run_stored(item.data(Qt.ItemDataRole.UserRole)))

    async def run_stored(self, workflow_id: str):
        from engine.store.launch import Launcher

        if self.launcher is None:
            self.launcher = Launcher(self.store, trigger="editor")
        sub = self.launcher.executor.subscribe()
        info = self.store.workflows.get(workflow_id)
        self.log.appendPlainText(f"▶ {info.name}")
        job = asyncio.ensure_future(self.launcher.run_stored(workflow_id))

        async def follow():
            async for ev in sub:
                if ev.kind == "node_finished":
                    where = "".join(f"[{i}]" for i in ev.iteration)
                    self.log.appendPlainText(f"  {ev.node_id}{where}: {ev.status} ({ev.duration_ms:.1f} ms)")
        follower = asyncio.ensure_future(follow())
        result = await job
        sub.close()
        await follower
        outputs = ", ".join(f"{k} = {summarize(v)}" for k, v in result.outputs.items())
        self.log.appendPlainText(f"■ {result.status} in {result.duration_ms:.0f} ms — {outputs}")
        return result

    async def aclose(self) -> None:
        if self.launcher is not None:
            await self.launcher.close()
            self.launcher = None
        self.store.close()

    def closeEvent(self, event) -> None:
        if self.launcher is not None:
            self.launcher.executor.close()
        super().closeEvent(event)


def create(home: str | Path | None = None) -> MainWindow:
    """The main window on the data folder ``home`` (default: NODELOOM_HOME or the user data folder)."""
    return MainWindow(home)


def main(home: str | None = None) -> int:
    import os

    import qasync

    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                                                 or os.environ.get("QT_QPA_PLATFORM")):
        print("nodeloom: no display to open the window on (DISPLAY is not set). Use the command line "
              "(nodeloom run FILE) or set QT_QPA_PLATFORM=offscreen.", file=sys.stderr)
        return 2

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Nodeloom")
    app.setStyle("Fusion")
    window = create(home)
    window.show()
    runner = asyncio.Runner(loop_factory=qasync.QEventLoop)
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    with runner:
        runner.run(closed.wait())
        runner.run(window.aclose())
    return 0
