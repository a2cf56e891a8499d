"""The minimap: the whole graph in a corner of the canvas, with the visible area marked; click to go there.

It draws a pixmap of the scene rendered once changes have settled (not on every frame), so a drag on a large
graph does not paint it twice. The pixmap is opaque (its backdrop is mixed in when it is rendered): the minimap
repaints with every canvas frame under it, and a plain copy costs a fraction of blending a translucent one.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget

__all__ = ["Minimap"]


class Minimap(QWidget):
    def __init__(self, view):
        super().__init__(view)
        self.setObjectName("minimap")
        self.view = view
        self.resize(200, 130)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.pixmap = QPixmap()
        self.source = QRectF()
        self.enabled = True   # View ▸ Show minimap
        self._timer = QTimer(self, singleShot=True, interval=400)
        self._timer.timeout.connect(self.refresh)
        view.scene().changed.connect(lambda _=None: self._timer.start())
        view.horizontalScrollBar().valueChanged.connect(self.update)
        view.verticalScrollBar().valueChanged.connect(self.update)
        self.refresh()

    def place(self) -> None:
        vp = self.view.viewport().geometry()
        self.move(vp.right() - self.width() - 8, vp.bottom() - self.height() - 8)

    def refresh(self) -> None:
        scene = self.view.scene()
        rect = QRectF()
        for item in scene.node_items.values():
            rect = rect.united(item.sceneBoundingRect())
        self.source = rect.adjusted(-60, -60, 60, 60)
        self.pixmap = QPixmap(self.size())
        bg = scene.backgroundBrush().color()
        self.pixmap.fill(bg.darker(135) if bg.lightness() < 128 else bg.darker(115))
        if not rect.isNull():
            scale, off = self._scale()
            target = QRectF(off.x(), off.y(), self.source.width() * scale, self.source.height() * scale)
            painter = QPainter(self.pixmap)
            scene.render(painter, target, self.source, Qt.AspectRatioMode.IgnoreAspectRatio)
            painter.end()
        self.setVisible(self.enabled and len(scene.node_items) > 0)
        self.update()

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        self.setVisible(on and len(self.view.scene().node_items) > 0)

    def corner(self) -> tuple[float, float]:
        """The room it takes in the viewport's corner (width, height, with its margin); none when hidden."""
        if not (self.enabled and self.view.scene().node_items):
            return 0.0, 0.0
        return self.width() + 16.0, self.height() + 16.0

    def _scale(self) -> tuple[float, QPointF]:
        s = min(self.width() / max(self.source.width(), 1), self.height() / max(self.source.height(), 1))
        off = QPointF((self.width() - self.source.width() * s) / 2, (self.height() - self.source.height() * s) / 2)
        return s, off

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self.pixmap)
        if self.source.isNull():
            return
        s, off = self._scale()
        seen = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        frame = QRectF(off.x() + (seen.x() - self.source.x()) * s, off.y() + (seen.y() - self.source.y()) * s,
                       seen.width() * s, seen.height() * s)
        light = self.view.scene().backgroundBrush().color().lightness() >= 128
        painter.setPen(QPen(QColor("#b07d00") if light else QColor("#ffd866"), 1.5))
        painter.drawRect(frame.intersected(QRectF(self.rect()).adjusted(1, 1, -1, -1)))

    def scene_point(self, pos: QPointF) -> QPointF:
        s, off = self._scale()
        return QPointF(self.source.x() + (pos.x() - off.x()) / s, self.source.y() + (pos.y() - off.y()) / s)

    def mousePressEvent(self, event) -> None:
        self.view.centerOn(self.scene_point(event.position()))
        self.update()

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.mousePressEvent(event)
