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
    tab = window.new_from_template(tpl.id)
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        runner.run(window.run_tab(tab))
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


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs"
    out.mkdir(parents=True, exist_ok=True)
    QApplication.instance() or QApplication([])
    for theme in ("dark", "light"):
        print(shoot(out, theme))


if __name__ == "__main__":
    main()
