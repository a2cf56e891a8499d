"""Render resources/icons/nodeloom.svg as the PNGs of the hicolor icon theme (run after changing the SVG):

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/icon_pngs.py
"""

from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"

if __name__ == "__main__":
    app = QGuiApplication([])
    renderer = QSvgRenderer(str(ICONS / "nodeloom.svg"))
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        target = ICONS / "hicolor" / f"{size}x{size}" / "apps" / "nodeloom.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        image.save(str(target))
        print(target)
