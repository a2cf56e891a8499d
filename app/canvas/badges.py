"""Badges painted on a node: its status badge — a disc in the status colour with a white mark whose shape says the
status as well as its colour (a tick, a cross, a bang, a bar...), so it reads without telling green from red — and
the bypass badge (SPEC §2). Marks drawn with a few lines, cheap enough for a thousand nodes, and needing no font."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from ..look import BYPASS_COLOR, STATUS_COLORS

__all__ = ["bypass_badge", "status_badge"]

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


def status_badge(painter: QPainter, status: str, center: QPointF) -> None:
    """The status badge: a disc in the status colour with a white mark of its own shape."""
    if status == "bypassed":
        bypass_badge(painter, center)
        return
    color = STATUS_COLORS.get(status, QColor("#8b949e"))
    r = 8.0
    if status == "queued":  # hollow: not started
        painter.setPen(QPen(WHITE, 1.6, Qt.PenStyle.DotLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(center, r - 1, r - 1)
        return
    painter.setPen(QPen(QColor(0, 0, 0, 90), 1))
    painter.setBrush(color)
    if status == "invalid":  # a warning triangle
        path = QPainterPath(center + QPointF(0, -r - 1))
        path.lineTo(center + QPointF(r + 1, r - 1))
        path.lineTo(center + QPointF(-r - 1, r - 1))
        path.closeSubpath()
        painter.drawPath(path)
    else:
        painter.drawEllipse(center, r, r)
    pen = QPen(WHITE, 2.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    x, y = center.x(), center.y()
    if status == "succeeded":
        painter.drawPolyline([QPointF(x - 4, y), QPointF(x - 1, y + 3), QPointF(x + 4, y - 3)])
    elif status == "cached":  # reused: two bars
        painter.drawLine(QPointF(x - 4, y - 2), QPointF(x + 4, y - 2))
        painter.drawLine(QPointF(x - 4, y + 2), QPointF(x + 4, y + 2))
    elif status == "failed":
        painter.drawLine(QPointF(x - 3.5, y - 3.5), QPointF(x + 3.5, y + 3.5))
        painter.drawLine(QPointF(x - 3.5, y + 3.5), QPointF(x + 3.5, y - 3.5))
    elif status == "invalid":
        painter.drawLine(QPointF(x, y - 3.5), QPointF(x, y + 1.5))
        painter.drawPoint(QPointF(x, y + 4.5))
    elif status == "cancelled":
        painter.setBrush(WHITE)
        painter.drawRect(QRectF(x - 2.5, y - 2.5, 5, 5))
    elif status == "skipped":
        painter.drawLine(QPointF(x - 4, y), QPointF(x + 4, y))
    elif status == "held":  # paused: two upright bars
        painter.drawLine(QPointF(x - 2, y - 3.5), QPointF(x - 2, y + 3.5))
        painter.drawLine(QPointF(x + 2, y - 3.5), QPointF(x + 2, y + 3.5))
