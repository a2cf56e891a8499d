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


class EdgeItem(QGraphicsPathItem):
    def __init__(self, edge_id: str, kind: str):
        super().__init__()
        self.edge_id = edge_id
        self.setData(0, edge_id)
        self.color = port_color(kind)
        self.diff_state: str | None = None
        self.setPen(QPen(self.color, 2))
        self.setZValue(0)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)

    def set_ends(self, a: QPointF, b: QPointF) -> None:
        self.setPath(cubic(a, b))

    def set_diff_state(self, state: str | None) -> None:
        self.diff_state = state
        pen = QPen(DIFF_COLORS.get(state, self.color), 3 if state else 2)
        if state == "removed":
            pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        return stroker.createStroke(self.path())

    def paint(self, painter, option, widget=None) -> None:
        if self.isSelected():
            painter.setPen(QPen(QColor("#ffd866"), 3))
        else:
            painter.setPen(self.pen())
        painter.drawPath(self.path())
