"""Icons from ``resources/icons``: SVGs drawn in ``currentColor`` are tinted for the theme (toolbar actions) or
for a background (white on a node's header), rendered once per size and colour; the app icon has PNGs too.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from engine.folders import resources_dir

__all__ = ["icon", "pixmap", "app_icon", "ICONS"]

ICONS = resources_dir() / "icons"
_SIZES = (16, 20, 24, 32, 48)


@lru_cache(maxsize=64)
def _svg(name: str) -> str:
    path = ICONS / f"{name}.svg"
    return path.read_text("utf-8") if path.is_file() else (ICONS / "category-unknown.svg").read_text("utf-8")


@lru_cache(maxsize=512)
def pixmap(name: str, size: int, color: str = "#8a8f98") -> QPixmap:
    """``name``.svg at ``size`` px square (device pixels), its ``currentColor`` as ``color``."""
    renderer = QSvgRenderer(QByteArray(_svg(name).replace("currentColor", color).encode("utf-8")))
    image = QPixmap(size, size)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def icon(name: str, color: QColor | str | None = None) -> QIcon:
    """An icon of ``name`` in ``color`` (default: a grey readable on light and dark), at the usual sizes; a
    disabled state drawn paler."""
    tint = QColor(color).name() if color is not None else "#8a8f98"
    result = QIcon()
    for size in _SIZES:
        result.addPixmap(pixmap(name, size, tint), QIcon.Mode.Normal)
        result.addPixmap(pixmap(name, size, "#c3c6cc"), QIcon.Mode.Disabled)
    return result


def app_icon() -> QIcon:
    """Nodeloom's icon: the SVG, and the PNGs made from it for desktops that want fixed sizes."""
    result = QIcon(str(ICONS / "nodeloom.svg"))
    for png in sorted((ICONS / "hicolor").glob("*/apps/nodeloom.png")):
        result.addFile(str(png))
    return result
