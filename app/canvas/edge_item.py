"""A link: a cubic curve from an output port to an input port."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem

from ..look import DIFF_COLORS, port_color

__all__ = ["EdgeItem", "cubic"]


def cubic(a: QPointF, b: QPointF) -> QPainterPath:
    dx = max(40.0, abs(b.x() - a.x()) * 0.5)
    path = QPainterPath(a)
    path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
    return path


_PENS: dict[tuple[str, bool], QPen] = {}
_STROKER = QPainterPathStroker()
_STROKER.setWidth(10)
_SELECTABLE = QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
_SELECTED = {False: QPen(QColor("#ffd866"), 3), True: QPen(QColor("#b07d00"), 3)}


def link_color(kind: str, light: bool) -> QColor:
    """A port type's colour as a link on the canvas: the port colours are made for the dark canvas, so on
    the light one links are drawn darker to stand out."""
    color = port_color(kind)
    return color.darker(170) if light else color


def _pen(kind: str, light: bool) -> QPen:
    pen = _PENS.get((kind, light))
    if pen is None:
        pen = _PENS[(kind, light)] = QPen(link_color(kind, light), 1)  # exactly 1 px: the rasterizer's fast path
    return pen


class EdgeItem(QGraphicsPathItem):
    def __init__(self, edge_id: str, kind: str, light: bool = False):
        super().__init__()
        self.edge_id = edge_id
        self.setData(0, edge_id)
        self.kind = kind
        self.light = light
        self.color = link_color(kind, light)
        self.diff_state: str | None = None
        self.active = False
        self.selected_look = False
        self._shape: QPainterPath | None = None
        self.setPen(_pen(kind, light))
        self.setFlag(_SELECTABLE)

    def set_ends(self, a: QPointF, b: QPointF) -> None:
        self._shape = None  # stroked when hit-testing asks for it, not on every move
        self.setPath(cubic(a, b))

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
        """Links paint in C++ (no Python paint()); the scene switches their pen when selection changes."""
        self.selected_look = selected
        self._restyle()
