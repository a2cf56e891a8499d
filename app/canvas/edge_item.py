"""A link: a cubic curve from an output port to an input port."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem

from ..look import DIFF_COLORS, port_color

__all__ = ["EdgeItem", "cubic", "cubic_xy"]


def cubic(a: QPointF, b: QPointF) -> QPainterPath:
    return cubic_xy(a.x(), a.y(), b.x(), b.y())


def cubic_xy(ax: float, ay: float, bx: float, by: float) -> QPainterPath:
    """The link's curve from plain numbers (no QPointF objects: building a large graph makes thousands)."""
    dx = max(40.0, abs(bx - ax) * 0.5)
    path = QPainterPath()
    path.moveTo(ax, ay)
    path.cubicTo(ax + dx, ay, bx - dx, by, bx, by)
    return path


_PENS: dict[tuple[str, bool], QPen] = {}
_STROKER = QPainterPathStroker()
_STROKER.setWidth(10)
_SELECTABLE = QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
_SELECTED = {False: QPen(QColor("#ffd866"), 3), True: QPen(QColor("#b07d00"), 3)}
_NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents


_LINK_COLORS: dict[tuple[str, bool], QColor] = {}


def link_color(kind: str, light: bool) -> QColor:
    """A port type's colour as a link on the canvas: the port colours are made for the dark canvas, so on
    the light one links are drawn darker to stand out."""
    color = _LINK_COLORS.get((kind, light))
    if color is None:
        color = port_color(kind)
        color = _LINK_COLORS[(kind, light)] = color.darker(170) if light else color
    return color


def _pen(kind: str, light: bool) -> QPen:
    pen = _PENS.get((kind, light))
    if pen is None:
        pen = _PENS[(kind, light)] = QPen(link_color(kind, light), 1)  # exactly 1 px: the rasterizer's fast path
    return pen


class EdgeItem(QGraphicsPathItem):
    # the state a link starts with (class attributes: an instance holds only what differs)
    diff_state: str | None = None
    active = False
    selected_look = False
    _shape: QPainterPath | None = None
    ends = None  # (source item, its port's y in it, target item, its port's y): set by attach()
    _halo: QGraphicsPathItem | None = None  # the curve drawn while the link is selected (show_selected)

    def __init__(self, edge_id: str, kind: str, light: bool = False):
        super().__init__()
        self.edge_id = edge_id
        self.kind = kind
        self.light = light
        self.color = link_color(kind, light)
        self.setPen(_pen(kind, light))
        self.setFlag(_SELECTABLE)

    def attach(self, source, source_port: str, target, target_port: str) -> None:
        """Join two node items' ports (either may be missing: then the link is not drawn) and route it."""
        if source is None or target is None:
            self.ends = None
            return
        self.ends = (source, source.port_dy("out", source_port), target, target.port_dy("in", target_port))
        self.reroute()

    def reroute(self) -> None:
        """Follow the nodes it joins (after they moved)."""
        source, sy, target, ty = self.ends
        a, b = source.pos(), target.pos()
        self._shape = None  # stroked when hit-testing asks for it, not on every move
        self.setPath(cubic_xy(a.x() + source.width, a.y() + sy, b.x(), b.y() + ty))
        if self._halo is not None:
            self._halo.setPath(self.path())

    def _restyle(self) -> None:
        """One pen from the link's state: selected, else its diff state, else lit by a run, else its type."""
        if self.selected_look:
            pen = _SELECTED[self.light]
        elif self.diff_state:
            pen = QPen(DIFF_COLORS.get(self.diff_state, self.color), 3)
            if self.diff_state == "removed":
                pen.setStyle(Qt.PenStyle.DashLine)
        elif self.active:
            pen = QPen(self.color.darker(130) if self.light else self.color.lighter(140), 2.5)
        else:
            pen = _pen(self.kind, self.light)
        self.setPen(pen)
        if self._halo is not None:
            self._halo.setPen(pen)

    def set_theme(self, light: bool) -> None:
        if light != self.light:
            self.light, self.color = light, link_color(self.kind, light)
            self._restyle()

    def set_diff_state(self, state: str | None) -> None:
        self.diff_state = state
        self._restyle()

    def shape(self) -> QPainterPath:
        if self._shape is None:
            self._shape = _STROKER.createStroke(self.path())
        return self._shape

    def set_active(self, active: bool) -> None:
        """A link that carried data in the current run is drawn bright (darker on the light canvas)."""
        self.active = active
        self._restyle()

    def show_selected(self, selected: bool) -> None:
        """The scene switches a link's look when the selection changes. A selected link draws nothing itself (Qt
        would draw a dashed box round it) and shows its curve by a child, not selectable, in the selected pen —
        both drawn by Qt in C++: a Python ``paint`` on every link costs a call into Python per link per repaint
        (fit-all of 5,000 nodes: ~1.9× the bare scene instead of ~1.2×). (An earlier version swapped the item's
        Python class while selected, which a wrapped C++ object is not safe to have done to it.)"""
        self.selected_look = selected
        self.setFlag(_NO_CONTENTS, selected)
        if selected and self._halo is None:
            halo = self._halo = QGraphicsPathItem(self.path(), self)
            halo.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            halo.setAcceptHoverEvents(False)
        elif not selected and self._halo is not None:
            halo, self._halo = self._halo, None
            halo.setParentItem(None)
            if halo.scene() is not None:
                halo.scene().removeItem(halo)
        self._restyle()
