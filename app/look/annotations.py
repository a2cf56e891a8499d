"""How groups and notes look: their colours, and their drawing where the graph is shown small (the minimap, the
welcome page's cards). The canvas draws them full size itself (app.canvas.group_item, note_item)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

__all__ = ["COLORS", "DEFAULT_COLOR", "color_of", "draw_small"]

#: the colours a group or note may be given from its menu (any #rrggbb loads)
COLORS = {"Blue": "#3d6fb6", "Green": "#3f8f56", "Purple": "#7b5bb6", "Red": "#b04a4a", "Orange": "#c07a2c",
          "Yellow": "#d9b84a", "Grey": "#6b7280"}
DEFAULT_COLOR = {"group": COLORS["Blue"], "note": COLORS["Yellow"]}


def color_of(annotation) -> str:
    """An annotation's colour as #rrggbb: its own, else its kind's."""
    return annotation.color or DEFAULT_COLOR[annotation.kind]


def draw_small(painter: QPainter, annotation, box: QRectF, title_height: float) -> None:
    """A group as a tinted frame with its title bar, a note as a card of its colour, in ``box`` (painter units;
    ``title_height``: the title bar's height in the same units)."""
    color = QColor(color_of(annotation))
    if annotation.kind == "note":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRect(box)
        return
    tint = QColor(color)
    tint.setAlpha(70)
    painter.setPen(QPen(color, 0))
    painter.setBrush(tint)
    painter.drawRect(box)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawRect(QRectF(box.x(), box.y(), box.width(), min(box.height(), title_height)))
