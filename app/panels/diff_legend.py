"""The bar above a compare tab's canvas: which versions it compares, what the colours mean — each drawn as the
canvas draws it (a node's outline, a link's line; removed ones dashed) — and the one-line summary. It wraps onto
more rows rather than ask for width (the summary is cut short, whole in its tooltip): opening a compare tab
never squeezes the docks."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QLayoutItem, QWidget

from ..look import DIFF_COLORS

__all__ = ["DiffLegend"]

NODE_STATES = ("added", "changed", "moved", "renamed", "removed")
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


class _Flow(QLayout):
    """Its widgets side by side, wrapping onto another row when the width runs out (after Qt's flow layout
    example): a legend as narrow as its widest piece, so a compare tab never squeezes the docks beside it."""

    def __init__(self, parent=None, spacing: int = 6, row_spacing: int = 2):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._gap, self._row_gap = spacing, row_spacing
        self.right: QWidget | None = None  # pushed to the right end of its row (the summary)

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 - Qt's name
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt's name
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt's name
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 - Qt's name
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt's name
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def _shown(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name: all on one row
        items = self._shown()
        m = self.contentsMargins()
        width = sum(i.sizeHint().width() for i in items) + self._gap * max(len(items) - 1, 0)
        height = max((i.sizeHint().height() for i in items), default=0)
        return QSize(width + m.left() + m.right(), height + m.top() + m.bottom())

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt's name: the widest piece, one under the other
        items = self._shown()
        m = self.contentsMargins()
        width = max((i.minimumSize().width() for i in items), default=0)
        height = max((i.sizeHint().height() for i in items), default=0)
        return QSize(width + m.left() + m.right(), height + m.top() + m.bottom())

    def _arrange(self, rect: QRect, move: bool) -> int:
        """Lay the pieces out in rows within ``rect`` (when ``move``); the height that takes."""
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        rows: list[list[tuple[QLayoutItem, int]]] = [[]]
        x = 0
        for item in self._shown():
            width = max(min(item.sizeHint().width(), area.width()), item.minimumSize().width())
            if rows[-1] and x + self._gap + width > area.width():
                rows.append([])
                x = 0
            x += (self._gap if rows[-1] else 0) + width
            rows[-1].append((item, width))
        y = area.y()
        for n, row in enumerate(rows):
            height = max((item.sizeHint().height() for item, _ in row), default=0)
            x = area.x()
            for item, width in row:
                if move:
                    left = area.right() + 1 - width if item.widget() is self.right else x
                    item_height = min(item.sizeHint().height(), height)
                    item.setGeometry(QRect(max(left, x), y + (height - item_height) // 2, width, item_height))
                x += width + self._gap
            y += height + (self._row_gap if n < len(rows) - 1 else 0)
        return y - rect.y() + m.bottom()


class _Summary(QLabel):
    """The one-line summary: cut short with "…" when the row is narrower than it (its tooltip has it whole)."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), 80), hint.height())

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.width())
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, shown)


def _piece(*widgets: QWidget, before: int = 0) -> QWidget:
    """Widgets that stay together on one row of the legend (a swatch and its word)."""
    piece = QWidget()
    row = QHBoxLayout(piece)
    row.setContentsMargins(before, 0, 0, 0)
    row.setSpacing(4)
    for widget in widgets:
        row.addWidget(widget)
    return piece


class DiffLegend(QWidget):
    def __init__(self, a: int, b: int, summary: str = "", parent=None):
        super().__init__(parent)
        self.setObjectName("diffLegend")
        self.setAutoFillBackground(True)
        flow = _Flow(self)
        flow.setContentsMargins(8, 4, 8, 4)
        title = QLabel(f"<b>v{a} → v{b}</b>")
        title.setToolTip(f"Version {b}, with what changed since version {a} highlighted (read-only)")
        flow.addWidget(title)
        for heading, states, link in (("Nodes:", NODE_STATES, False), ("Links:", LINK_STATES, True)):
            flow.addWidget(_piece(QLabel(heading), before=10))
            for state in states:
                flow.addWidget(_piece(Swatch(state, link), QLabel(state)))
        self.summary = _Summary(summary)
        self.summary.setObjectName("diffSummary")
        self.summary.setToolTip(summary)
        self.summary.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        flow.addWidget(_piece(self.summary, before=10))
        flow.right = self.summary.parentWidget()
