"""The minimap: the whole graph in a corner of the canvas, with the visible area marked; click or drag in it to
go there.

It is not a widget of its own: an overlapping child widget made every canvas frame under it a second paint
(measured: half the cost of a drag frame). The view draws it last, in viewport coordinates
(:meth:`CanvasView.drawForeground`), and hands it the mouse events that land in it. It draws a pixmap of the
scene rendered once changes have settled (not on every frame); the pixmap is opaque, so drawing it is a copy.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap

from ..look import HEADER, NODE_WIDTH, STATUS_COLORS

__all__ = ["Minimap"]

MARGIN = 8  # from the viewport's bottom-right corner
_FRAME_PEN = {False: QPen(QColor("#ffd866"), 0), True: QPen(QColor("#b07d00"), 0)}  # dark, light canvas


class Minimap(QObject):
    def __init__(self, view):
        super().__init__(view)
        self.setObjectName("minimap")
        self.view = view
        self._size = (200, 130)
        self.pixmap = QPixmap()
        self._composed: QPixmap | None = None   # the pixmap with the visible area's frame on it
        self._composed_frame: QRect | None = None
        self.source = QRectF()
        self.enabled = True   # View ▸ Show minimap
        self._shown = False
        self._timer = QTimer(self, singleShot=True, interval=400)
        self._timer.timeout.connect(self.refresh)
        view.scene().looksChanged.connect(self._timer.start)
        self.refresh()

    # -- geometry (viewport coordinates) ------------------------------------------------------------------

    def width(self) -> int:
        return self._size[0]

    def height(self) -> int:
        return self._size[1]

    def rect(self) -> QRect:
        """Where it is drawn, in viewport coordinates."""
        vp = self.view.viewport().rect()
        return QRect(vp.right() - self.width() - MARGIN + 1, vp.bottom() - self.height() - MARGIN + 1,
                     self.width(), self.height())

    def geometry(self) -> QRect:
        """Where it is, in the view's coordinates (like a child widget's geometry)."""
        return self.rect().translated(self.view.viewport().pos())

    def isVisible(self) -> bool:
        return self._shown

    def update(self) -> None:
        if self._shown:
            self.view.viewport().update(self.rect())

    # -- content --------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        scene = self.view.scene()
        if scene is None:  # the view is being torn down
            return
        rect = QRectF()
        for item in scene.node_items.values():
            rect = rect.united(item.sceneBoundingRect())
        self.source = rect.adjusted(-60, -60, 60, 60)
        self.pixmap = QPixmap(self.width(), self.height())
        self._composed = None
        bg = scene.backgroundBrush().color()
        self.pixmap.fill(bg.darker(135) if bg.lightness() < 128 else bg.darker(115))
        if not rect.isNull():
            self._draw_graph(scene)
        self._set_shown(self.enabled and len(scene.node_items) > 0)
        self.update()

    def _draw_graph(self, scene) -> None:
        """The graph in small: links as lines, nodes as blocks in their category colour with their run status
        (or selection) as an outline. Drawn here rather than by ``scene.render``, which went through the
        items' own pixmap caches — and could show a stale one (they are kept per paint device)."""
        scale, off = self._scale()
        painter = QPainter(self.pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.translate(off)
        painter.scale(scale, scale)
        painter.translate(-self.source.topLeft())
        light = scene.light
        link = QPen(QColor(90, 94, 102) if light else QColor(140, 145, 155), 0)
        painter.setPen(link)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for edge in scene.edge_items.values():
            painter.drawPath(edge.path())
        body = QColor(250, 250, 252) if light else QColor(58, 61, 67)
        for item in scene.node_items.values():
            box = QRectF(item.pos().x(), item.pos().y(), NODE_WIDTH, item.boundingRect().height() - 2)
            outline = STATUS_COLORS.get(item.status) if item.status else None
            if item.isSelected():
                outline = QColor("#ffd866")
            painter.setPen(QPen(outline, 6) if outline is not None else Qt.PenStyle.NoPen)
            painter.setBrush(body)
            painter.drawRoundedRect(box, 8, 8)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(item.color)
            painter.drawRoundedRect(QRectF(box.x(), box.y(), box.width(), min(box.height(), HEADER)), 8, 8)
        painter.end()

    def _set_shown(self, shown: bool) -> None:
        if shown != self._shown:
            self._shown = shown
            self.view.viewport().update(self.rect())

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        scene = self.view.scene()
        self._set_shown(on and scene is not None and len(scene.node_items) > 0)

    def corner(self) -> tuple[float, float]:
        """The room it takes in the viewport's corner (width, height, with its margin); none when hidden."""
        if not self._shown:
            return 0.0, 0.0
        return self.width() + 2.0 * MARGIN, self.height() + 2.0 * MARGIN

    def _scale(self) -> tuple[float, QPointF]:
        s = min(self.width() / max(self.source.width(), 1), self.height() / max(self.source.height(), 1))
        off = QPointF((self.width() - self.source.width() * s) / 2, (self.height() - self.source.height() * s) / 2)
        return s, off

    def draw(self, painter: QPainter) -> None:
        """Paint it (the painter in viewport coordinates): one copy of a pixmap that already holds the frame of
        the visible area, redrawn only when that frame moves or the graph changed."""
        if not self._shown or self.view.scene() is None:
            return
        frame = self._frame()
        if self._composed is None or self._composed_frame != frame:
            self._composed = QPixmap(self.pixmap)
            self._composed_frame = frame
            if frame is not None:
                p = QPainter(self._composed)
                light = self.view.scene().backgroundBrush().color().lightness() >= 128
                p.setPen(_FRAME_PEN[light])
                p.drawRect(frame)
                p.end()
        painter.drawPixmap(self.rect().topLeft(), self._composed)

    def _frame(self) -> QRect | None:
        """The visible area's outline in the minimap's own coordinates."""
        if self.source.isNull():
            return None
        s, off = self._scale()
        seen = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        frame = QRectF(off.x() + (seen.x() - self.source.x()) * s, off.y() + (seen.y() - self.source.y()) * s,
                       seen.width() * s, seen.height() * s)
        return frame.intersected(QRectF(1, 1, self.width() - 3, self.height() - 3)).toRect()

    # -- the mouse ------------------------------------------------------------------------------------------

    def contains(self, viewport_pos: QPoint) -> bool:
        return self._shown and self.rect().contains(viewport_pos)

    def scene_point(self, pos: QPointF) -> QPointF:
        """The scene point under ``pos`` (in the minimap's own coordinates)."""
        s, off = self._scale()
        return QPointF(self.source.x() + (pos.x() - off.x()) / s, self.source.y() + (pos.y() - off.y()) / s)

    def go(self, viewport_pos: QPointF) -> None:
        """Centre the view on the point under ``viewport_pos``."""
        corner = QPointF(self.rect().topLeft())
        self.view.centerOn(self.scene_point(viewport_pos - corner))
        self.view.viewport().update()
