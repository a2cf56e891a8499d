"""Badges painted on a node beside its status badge: the bypass badge (SPEC §2) — a mark drawn with a few lines,
cheap enough for a thousand nodes, and needing no font."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from ..look import BYPASS_COLOR

__all__ = ["bypass_badge"]

WHITE = QColor("white")


def bypass_badge(painter: QPainter, center: QPointF) -> None:
    """A violet disc with a white arrow leaping over a bar: the node is passed over."""
    x, y = center.x(), center.y()
    painter.setPen(QPen(QColor(0, 0, 0, 90), 1))
    painter.setBrush(BYPASS_COLOR)
    painter.drawEllipse(center, 8.0, 8.0)
    painter.setPen(QPen(WHITE, 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawLine(QPointF(x, y), QPointF(x, y + 4.5))  # the bar passed over
    leap = QPainterPath(QPointF(x - 4.5, y + 3.5))
    leap.cubicTo(QPointF(x - 4.5, y - 5), QPointF(x + 4.5, y - 5), QPointF(x + 4.5, y + 3.5))
    painter.drawPath(leap)
    painter.drawPolyline([QPointF(x + 2.5, y + 1.5), QPointF(x + 4.5, y + 3.8), QPointF(x + 6.5, y + 1.5)])
