"""A link: a cubic curve from an output port to an input port."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem

from .style import DIFF_COLORS, port_color

__all__ = ["EdgeItem", "cubic"]


def cubic(a: QPointF, b: QPointF) -> QPainterPath:
    dx = max(40.0, abs(b.x() - a.x()) * 0.5)
    path = QPainterPath(a)
    path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
    return path


_PENS: dict[str, QPen] = {}
_STROKER = QPainterPathStroker()
_STROKER.setWidth(10)
_SELECTABLE = QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
_SELECTED = QPen(QColor("#ffd866"), 3)


def _pen(kind: str) -> QPen:
    pen = _PENS.get(kind)
    if pen is None:
        pen = _PENS[kind] = QPen(port_color(kind), 1)  # exactly 1 px: the rasterizer's fast path
    return pen


def _pen_for(color: QColor) -> QPen:
    return QPen(color, 1)


class EdgeItem(QGraphicsPathItem):
    def __init__(self, edge_id: str, kind: str):
        super().__init__()
        self.edge_id = edge_id
        self.setData(0, edge_id)
        self.color = port_color(kind)
        self.diff_state: str | None = None
        self._shape: QPainterPath | None = None
        self.setPen(_pen(kind))
        self.setFlag(_SELECTABLE)

    def set_ends(self, a: QPointF, b: QPointF) -> None:
        self._shape = None  # stroked when hit-testing asks for it, not on every move
        self.setPath(cubic(a, b))

    def set_diff_state(self, state: str | None) -> None:
        self.diff_state = state
        pen = QPen(DIFF_COLORS.get(state, self.color), 3 if state else 1)
        if state == "removed":
            pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)

    def shape(self) -> QPainterPath:
        if self._shape is None:
            self._shape = _STROKER.createStroke(self.path())
        return self._shape

    def set_active(self, active: bool) -> None:
        """A link that carried data in the current run is drawn bright."""
        self.active = active
        self.setPen(QPen(self.color.lighter(140), 2.5) if active else _pen_for(self.color))

    def show_selected(self, selected: bool) -> None:
        """Links paint in C++ (no Python paint()); the scene switches their pen when selection changes."""
        if selected:
            self.setPen(_SELECTED)
        elif self.diff_state:
            self.set_diff_state(self.diff_state)
        else:
            self.setPen(_pen_for(self.color))
