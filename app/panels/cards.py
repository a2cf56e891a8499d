"""Cards on the welcome page: a small drawing of a workflow's graph (its nodes in their category colours, its
links), with its name, description and last run. Drawings are cached by workflow and version."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap

from ..look import NODE_WIDTH, category_color
from ..look.annotations import draw_small

__all__ = ["CARD", "graph_pixmap", "card_text"]

CARD = QSize(232, 120)          # the drawing on a card
_NODE_H = 110.0                 # a node's height in the drawing (its real height does not matter at this size)
_TITLE_H = 30.0                 # a group's title bar


def graph_pixmap(workflow, registry, size: QSize = CARD, dark: bool = True) -> QPixmap:
    """The graph of ``workflow`` fitted into ``size``: groups and notes behind, nodes as rounded blocks, links as
    curves."""
    pixmap = QPixmap(size)
    pixmap.fill(QColor(30, 31, 34) if dark else QColor(226, 228, 232))
    nodes = {n.id: n for n in workflow.nodes}
    annotations = workflow.annotations
    if not nodes and not annotations:
        return pixmap
    box = QRectF()
    for n in nodes.values():
        box = box.united(QRectF(n.position[0], n.position[1], NODE_WIDTH, _NODE_H))
    for a in annotations:
        box = box.united(QRectF(a.position[0], a.position[1], a.size[0], a.size[1]))
    margin = 10
    scale = min((size.width() - 2 * margin) / box.width(), (size.height() - 2 * margin) / box.height(), 0.6)
    ox = (size.width() - box.width() * scale) / 2 - box.x() * scale
    oy = (size.height() - box.height() * scale) / 2 - box.y() * scale

    def at(x: float, y: float) -> QPointF:
        return QPointF(ox + x * scale, oy + y * scale)

    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for a in sorted(annotations, key=lambda a: a.kind != "group"):  # (groups under notes)
        draw_small(painter, a, QRectF(at(*a.position), at(a.position[0] + a.size[0], a.position[1] + a.size[1])),
                   max(2.0, _TITLE_H * scale))
    painter.setPen(QPen(QColor(150, 155, 165) if dark else QColor(90, 95, 105), 1.2))
    for e in workflow.edges:
        a, b = nodes.get(e.source), nodes.get(e.target)
        if a is None or b is None:
            continue
        p, q = at(a.position[0] + NODE_WIDTH, a.position[1] + _NODE_H / 2), at(b.position[0], b.position[1] + _NODE_H / 2)
        dx = max(8.0, abs(q.x() - p.x()) / 2)
        path = QPainterPath(p)
        path.cubicTo(QPointF(p.x() + dx, p.y()), QPointF(q.x() - dx, q.y()), q)
        painter.drawPath(path)
    painter.setPen(Qt.PenStyle.NoPen)
    for n in nodes.values():
        cls = registry.get(n.type)
        rect = QRectF(at(*n.position), at(n.position[0] + NODE_WIDTH, n.position[1] + _NODE_H))
        painter.setBrush(QColor(58, 61, 67) if dark else QColor(250, 250, 252))
        painter.drawRoundedRect(rect, 3, 3)
        painter.setBrush(category_color(cls.category if cls else "unknown"))
        painter.drawRoundedRect(QRectF(rect.topLeft(), QSize(int(rect.width()) + 1, max(3, int(rect.height() / 3)))), 3, 3)
    painter.end()
    return pixmap


def card_text(info, last_run) -> str:
    """Name first (so a search of the list by its start finds it), then a short description and the last run."""
    description = (info.description or "").strip().replace("\n", " ")
    if len(description) > 70:
        description = description[:68].rstrip() + "…"
    if last_run is None:
        ran = "never run"
    else:
        ran = f"last run {last_run.status}"
    return f"{info.name}\n{description}\nv{info.current_version} · {ran}" if description else \
        f"{info.name}\nv{info.current_version} · {ran}"
