"""A node on the canvas: header in its category colour, typed ports painted as coloured dots.

Ports are painted, not child items, and found by position (:meth:`NodeItem.port_at`); the item is cached
as a device-coordinate pixmap and drawn as a plain block when zoomed far out.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from .style import DIFF_COLORS, HEADER, NODE_WIDTH, PORT_RADIUS, ROW, category_color, port_color

__all__ = ["NodeItem"]

_TITLE_FONT = QFont()
_TITLE_FONT.setBold(True)
_TITLE_FONT.setPointSizeF(9)
_PORT_FONT = QFont()
_PORT_FONT.setPointSizeF(8)
_FLAGS = QGraphicsItem.GraphicsItemFlag.ItemIsMovable | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
_CACHE = QGraphicsItem.CacheMode.DeviceCoordinateCache


class NodeItem(QGraphicsItem):
    def __init__(self, node_id: str, title: str, category: str, inputs: list, outputs: list):
        super().__init__()
        self.node_id = node_id
        self.setData(0, node_id)
        self.title = title
        self.color = category_color(category)
        self.inputs = inputs        # list of Port
        self.outputs = outputs
        self._index()
        self.diff_state: str | None = None   # added / changed / moved / removed, while showing a diff
        self.status: str | None = None       # run status (live runs)
        self._height = HEADER + ROW * max(len(inputs), len(outputs), 1) + 8
        self.setFlags(_FLAGS)
        self.setCacheMode(_CACHE)
        self.setZValue(1)

    def _index(self) -> None:
        self._ports = {("in", p.name): (i, p.type) for i, p in enumerate(self.inputs)}
        self._ports.update({("out", p.name): (i, p.type) for i, p in enumerate(self.outputs)})

    def set_ports(self, title: str, inputs: list, outputs: list) -> None:
        self.prepareGeometryChange()
        self.title, self.inputs, self.outputs = title, inputs, outputs
        self._index()
        self._height = HEADER + ROW * max(len(inputs), len(outputs), 1) + 8
        self.update()

    def set_diff_state(self, state: str | None) -> None:
        self.diff_state = state
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(-PORT_RADIUS - 1, -1, NODE_WIDTH + 2 * PORT_RADIUS + 2, self._height + 2)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(QRectF(-PORT_RADIUS, 0, NODE_WIDTH + 2 * PORT_RADIUS, self._height))
        return path

    # -- ports -------------------------------------------------------------------------------------------

    def _port_y(self, index: int) -> float:
        return HEADER + ROW * index + ROW / 2 + 2

    def port_local(self, kind: str, name: str) -> QPointF:
        found = self._ports.get((kind, name))
        y = HEADER + ROW * found[0] + ROW / 2 + 2 if found else HEADER / 2
        return QPointF(0 if kind == "in" else NODE_WIDTH, y)

    def port_scene_pos(self, kind: str, name: str) -> QPointF:
        found = self._ports.get((kind, name))  # node items are never rotated or scaled
        return QPointF(self.x() + (0 if kind == "in" else NODE_WIDTH),
                       self.y() + (HEADER + ROW * found[0] + ROW / 2 + 2 if found else HEADER / 2))

    def port_type(self, kind: str, name: str) -> str:
        found = self._ports.get((kind, name))
        return found[1] if found else "any"

    def port_at(self, local: QPointF, slack: float = 9.0) -> tuple[str, str] | None:
        """("in" | "out", port name) under ``local`` (item coordinates), if any."""
        for kind, ports, x in (("in", self.inputs, 0.0), ("out", self.outputs, float(NODE_WIDTH))):
            for i, p in enumerate(ports):
                if abs(local.x() - x) <= slack and abs(local.y() - self._port_y(i)) <= ROW / 2:
                    return kind, p.name
        return None

    # -- painting -------------------------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        body = QRectF(0, 0, NODE_WIDTH, self._height)
        selected = self.isSelected()
        outline = DIFF_COLORS.get(self.diff_state) if self.diff_state else None
        if lod < 0.35:  # zoomed far out: a block is all one can see
            painter.fillRect(body, self.color.darker(130) if not selected else self.color.lighter(140))
            return
        pen = QPen(outline or (QColor("#ffd866") if selected else QColor(20, 20, 20, 200)),
                   3 if (outline or selected) else 1)
        if self.diff_state == "removed":
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(QBrush(QColor(43, 45, 49) if self.diff_state != "removed" else QColor(43, 45, 49, 120)))
        painter.drawRoundedRect(body, 6, 6)
        header = QPainterPath()
        header.addRoundedRect(QRectF(0, 0, NODE_WIDTH, HEADER), 6, 6)
        painter.fillPath(header, self.color)
        painter.setPen(QColor("white"))
        painter.setFont(_TITLE_FONT)
        painter.drawText(QRectF(8, 0, NODE_WIDTH - 16, HEADER), Qt.AlignmentFlag.AlignVCenter, self.title)
        painter.setFont(_PORT_FONT)
        for kind, ports in (("in", self.inputs), ("out", self.outputs)):
            for i, p in enumerate(ports):
                y = self._port_y(i)
                x = 0 if kind == "in" else NODE_WIDTH
                painter.setPen(QPen(QColor(15, 15, 15), 1))
                painter.setBrush(port_color(p.type) if p.required or kind == "out" else port_color(p.type).darker(150))
                painter.drawEllipse(QPointF(x, y), PORT_RADIUS, PORT_RADIUS)
                if lod < 0.5:
                    continue  # names are unreadable this small
                painter.setPen(QColor(220, 220, 220))
                text_rect = QRectF(10, y - ROW / 2, NODE_WIDTH / 2 - 12, ROW) if kind == "in" else \
                    QRectF(NODE_WIDTH / 2, y - ROW / 2, NODE_WIDTH / 2 - 10, ROW)
                align = (Qt.AlignmentFlag.AlignLeft if kind == "in" else Qt.AlignmentFlag.AlignRight) | \
                    Qt.AlignmentFlag.AlignVCenter
                painter.drawText(text_rect, align, p.name)
