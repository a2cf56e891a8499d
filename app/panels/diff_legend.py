"""The bar above a compare tab's canvas: which versions it compares, what the colours mean — each drawn as the
canvas draws it (a node's outline, a link's line; removed ones dashed) — and the one-line summary."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from ..look import DIFF_COLORS

__all__ = ["DiffLegend"]

NODE_STATES = ("added", "changed", "moved", "removed")
LINK_STATES = ("added", "removed")


class Swatch(QWidget):
    """A tiny node (an outlined box) or link (a line) in a diff colour, dashed when removed."""

    def __init__(self, state: str, link: bool, parent=None):
        super().__init__(parent)
        self.state, self.link = state, link
        self.setFixedSize(QSize(26, 16))

    def paint_pen(self) -> QPen:
        pen = QPen(DIFF_COLORS[self.state], 3)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        if self.state == "removed":
            pen.setStyle(Qt.PenStyle.DashLine)
        return pen

    def paintEvent(self, event) -> None:
        painter = QPainter(self)  # no antialiasing: the swatch shows exactly the canvas colour
        painter.setPen(self.paint_pen())
        if self.link:
            painter.drawLine(QPointF(1, 8.5), QPointF(25, 8.5))
            return
        body = self.palette().color(QPalette.ColorRole.Base)
        if self.state == "removed":  # faded, as a removed node is
            body = QColor(body.red(), body.green(), body.blue(), 120)
        painter.setBrush(body)
        painter.drawRect(QRectF(2.5, 2.5, 21, 11))


class DiffLegend(QWidget):
    def __init__(self, a: int, b: int, summary: str = "", parent=None):
        super().__init__(parent)
        self.setObjectName("diffLegend")
        self.setAutoFillBackground(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.setSpacing(6)
        title = QLabel(f"<b>v{a} → v{b}</b>")
        title.setToolTip(f"Version {b}, with what changed since version {a} highlighted (read-only)")
        row.addWidget(title)
        row.addSpacing(10)
        for heading, states, link in (("Nodes:", NODE_STATES, False), ("Links:", LINK_STATES, True)):
            row.addWidget(QLabel(heading))
            for state in states:
                row.addWidget(Swatch(state, link))
                row.addWidget(QLabel(state))
                row.addSpacing(4)
            row.addSpacing(12)
        self.summary = QLabel(summary)
        self.summary.setObjectName("diffSummary")
        self.summary.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        row.addStretch(1)
        row.addWidget(self.summary)
