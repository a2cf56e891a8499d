"""The minimap: the whole graph in a corner of the canvas, with the visible area marked; click or drag in it to
go there. Its own small button (in its corner nearest the canvas's middle) opens a menu that moves it to another
corner or hides it; it says so by ``placeChosen`` and ``hideRequested`` (the window remembers the choice for
every tab and the next session, and View ▸ Show minimap brings it back).

It is not a widget of its own: an overlapping child widget made every canvas frame under it a second paint
(measured: half the cost of a drag frame). The view draws it last, in viewport coordinates
(:meth:`CanvasView.drawForeground`), and hands it the mouse events that land in it. It draws a pixmap of the
scene rendered once changes have settled (not on every frame); the pixmap is opaque, so drawing it is a copy.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QActionGroup, QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QMenu

from ..look import HEADER, STATUS_COLORS
from ..look.annotations import draw_small

__all__ = ["Minimap", "PLACES"]

MARGIN = 8  # from the viewport's corner
BUTTON = 16  # the side of its menu button
#: the corners it may sit in: (setting, menu text, action objectName)
PLACES = (("top-left", "Top left", "minimapTopLeft"), ("top-right", "Top right", "minimapTopRight"),
          ("bottom-left", "Bottom left", "minimapBottomLeft"), ("bottom-right", "Bottom right", "minimapBottomRight"))
_FRAME_PEN = {False: QPen(QColor("#ffd866"), 0), True: QPen(QColor("#b07d00"), 0)}  # dark, light canvas


class Minimap(QObject):
    placeChosen = Signal(str)   # a corner picked from its menu ("top-left", …)
    hideRequested = Signal()    # "Hide minimap" picked from its menu

    def __init__(self, view):
        super().__init__(view)
        self.setObjectName("minimap")
        self.view = view
        self.place = "bottom-right"
        self.menu: QMenu | None = None  # its menu, while open
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
        sx, sy = self.side()
        x = vp.right() - self.width() - MARGIN + 1 if sx > 0 else vp.left() + MARGIN
        y = vp.bottom() - self.height() - MARGIN + 1 if sy > 0 else vp.top() + MARGIN
        return QRect(x, y, self.width(), self.height())

    def side(self) -> tuple[int, int]:
        """Which way its corner lies from the middle: (-1 left or 1 right, -1 top or 1 bottom)."""
        vertical, horizontal = self.place.split("-")
        return (1 if horizontal == "right" else -1), (1 if vertical == "bottom" else -1)

    def button_rect(self) -> QRect:
        """Its menu button, in viewport coordinates: in its corner nearest the middle of the canvas."""
        box = self.rect()
        sx, sy = self.side()
        x = box.left() + 3 if sx > 0 else box.right() - BUTTON - 2
        y = box.top() + 3 if sy > 0 else box.bottom() - BUTTON - 2
        return QRect(x, y, BUTTON, BUTTON)

    def set_place(self, place: str) -> None:
        """Move it to a corner ("top-left", "top-right", "bottom-left", "bottom-right"; anything else: the
        bottom right)."""
        place = place if place in {p[0] for p in PLACES} else "bottom-right"
        if place != self.place:
            self.view.viewport().update(self.rect())
            self.place = place
            self.view.viewport().update(self.rect())

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
        for item in scene.annotation_items.values():
            rect = rect.united(item.sceneBoundingRect())
        self.source = rect.adjusted(-60, -60, 60, 60)
        self.pixmap = QPixmap(self.width(), self.height())
        self._composed = None
        bg = scene.backgroundBrush().color()
        self.pixmap.fill(bg.darker(135) if bg.lightness() < 128 else bg.darker(115))
        if not rect.isNull():
            self._draw_graph(scene)
        self._set_shown(self.enabled and len(scene.node_items) + len(scene.annotation_items) > 0)
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
        notes = scene.doc.annotations
        for aid, item in sorted(scene.annotation_items.items(), key=lambda kv: kv[1].zValue()):  # groups, notes
            if aid in notes:
                draw_small(painter, notes[aid], item.sceneBoundingRect(), 30.0)
        link = QPen(QColor(90, 94, 102) if light else QColor(140, 145, 155), 0)
        painter.setPen(link)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for edge in scene.edge_items.values():
            painter.drawPath(edge.path())
        body = QColor(250, 250, 252) if light else QColor(58, 61, 67)
        for item in scene.node_items.values():
            box = QRectF(item.pos().x(), item.pos().y(), item.width, item.boundingRect().height() - 2)
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
        self._set_shown(on and scene is not None and len(scene.node_items) + len(scene.annotation_items) > 0)

    def corner(self) -> tuple[float, float]:
        """The room it takes in its corner of the viewport (width, height, with its margin; which corner:
        :meth:`side`); none when hidden."""
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
        if self._composed is None or self._composed_frame != (frame, self.place):
            self._composed = QPixmap(self.pixmap)
            self._composed_frame = (frame, self.place)
            p = QPainter(self._composed)
            if frame is not None:
                light = self.view.scene().backgroundBrush().color().lightness() >= 128
                p.setPen(_FRAME_PEN[light])
                p.drawRect(frame)
            self._draw_button(p)  # (in the pixmap: drawn once, not on every frame of a drag)
            p.end()
        painter.drawPixmap(self.rect().topLeft(), self._composed)

    def _draw_button(self, painter: QPainter) -> None:
        """Its menu button: a small dark square with three dots (the painter in the minimap's coordinates)."""
        button = QRectF(self.button_rect().translated(-self.rect().topLeft()))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(255, 255, 255, 120), 1))
        painter.setBrush(QColor(20, 20, 24, 190))
        painter.drawRoundedRect(button.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("white"))
        c = button.center()
        for dx in (-4.0, 0.0, 4.0):
            painter.drawEllipse(QPointF(c.x() + dx, c.y()), 1.3, 1.3)

    def open_menu(self, global_pos: QPoint) -> QMenu:
        """Its menu: the four corners (the current one checked) and Hide."""
        menu = QMenu(self.view)
        menu.setObjectName("minimapMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        group = QActionGroup(menu)
        for place, text, name in PLACES:
            action = menu.addAction(text)
            action.setObjectName(name)
            action.setCheckable(True)
            action.setChecked(place == self.place)
            group.addAction(action)
            action.triggered.connect(lambda _=False, p=place: self.placeChosen.emit(p))
        menu.addSeparator()
        hide = menu.addAction("Hide minimap")
        hide.setObjectName("minimapHide")
        hide.setToolTip("View ▸ Show minimap brings it back")
        hide.triggered.connect(lambda _=False: self.hideRequested.emit())
        self.menu = menu
        menu.popup(global_pos)
        return menu

    def _frame(self) -> QRect | None:
        """The visible area's outline in the minimap's own coordinates."""
        if self.source.isNull():
            return None
        s, off = self._scale()
        seen = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        frame = QRectF(off.x() + (seen.x() - self.source.x()) * s, off.y() + (seen.y() - self.source.y()) * s,
                       seen.width() * s, seen.height() * s)
        return frame.intersected(QRectF(1, 1, self.width() - 3, self.height() - 3)).toRect()

    # -- what it covers ---------------------------------------------------------------------------------------

    def scene_rect(self) -> QRectF | None:
        """The part of the scene it covers (or will cover, once the canvas has a node: it shows then); None
        when it is turned off."""
        if not self.enabled:
            return None
        return self.view.mapToScene(self.rect()).boundingRect()

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
