"""A node on the canvas: header in its category colour with the category's icon and the node's title (its label,
else its block's title: the scene says which), typed ports painted as coloured dots, and its run status as a
badge whose shape says it as well as its colour (a tick, a cross, a bang, a bar...), so it reads without
telling green from red. The node's id is in its tooltip, with its error when it has one. A bypassed node (SPEC
§2) is drawn dimmed, with a violet bypass badge in place of its category icon.

A node is NODE_WIDTH wide, or wider (up to MAX_NODE_WIDTH) when its title needs it: the header keeps room for
the title beside the widest status text, so a status appearing never cuts the title. Links and ports use
``item.width``.

Ports are painted, not child items, and found by position (:meth:`NodeItem.port_at`); the item is cached
as a device-coordinate pixmap and drawn as a plain block when zoomed far out.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QGuiApplication, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from ..look.icons import pixmap as icon_pixmap
from .badges import bypass_badge, status_badge
from ..look import (DIFF_COLORS, HEADER, NODE_WIDTH, PORT_RADIUS, ROW, STATUS_COLORS, THUMB, category_color,
                    port_color)

__all__ = ["NodeItem", "MAX_NODE_WIDTH", "node_width"]

MAX_NODE_WIDTH = NODE_WIDTH + 50  # (templates put nodes 260 apart: a widest node still leaves a gap)

_FLAGS = QGraphicsItem.GraphicsItemFlag.ItemIsMovable | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
_CACHE = QGraphicsItem.CacheMode.DeviceCoordinateCache
#: body, border, port-name colours on the dark and the light canvas: bodies stand out from either
_BODY = {False: (QColor(55, 58, 64), QColor(96, 100, 108), QColor(222, 222, 222)),
         True: (QColor(252, 252, 253), QColor(160, 164, 172), QColor(45, 45, 45))}
_WHITE = QColor("white")
_TITLE_LEFT = 28      # after the category icon
_PIN_ROOM = 16        # the pin marker before the title
_STATUS_RIGHT = 28    # a status text ends this far from the right edge (the badge is beyond it)
_TITLE_GAP = 6        # between the title and the status text
#: the widest a status text gets (durations of 10 s and more are shown in seconds)
_STATUS_TEXTS = ("9999 ms", "99.9 s", "queued", "cached", "skipped", "bypassed", "cancelled", "invalid")
_DIMMED = 0.45        # the opacity a bypassed node is drawn with (its badges stay whole)
_WIDTHS: dict[tuple[str, bool], float] = {}
_fonts: dict[str, QFont] = {}
_metrics: dict[str, QFontMetricsF] = {}


def _font(name: str) -> QFont:
    """The "title" (bold, 9 pt) or "port" (8 pt) font, resolved against the application's font once one exists:
    the font a node is measured with is the very font it is painted with. (A bare QFont made at import, before
    the application, measured in another family than the painter then drew in: status texts were cut.)"""
    font = _fonts.get(name)
    if font is None:
        font = QFont(QGuiApplication.font())
        font.setBold(name == "title")
        font.setPointSizeF(9 if name == "title" else 8)
        _fonts[name] = font
    return font


def _advance(font_name: str, text: str) -> float:
    metrics = _metrics.get(font_name)
    if metrics is None:
        metrics = _metrics[font_name] = QFontMetricsF(_font(font_name))
    return metrics.horizontalAdvance(text)


def node_width(title: str, pinned: bool = False) -> float:
    """How wide a node with this title is drawn: room for the title and the widest status text beside it."""
    key = (title, pinned)
    width = _WIDTHS.get(key)
    if width is None:
        if len(_WIDTHS) > 4096:
            _WIDTHS.clear()
        status = max(_advance("port", t) for t in _STATUS_TEXTS)
        need = _TITLE_LEFT + (_PIN_ROOM if pinned else 0) + _advance("title", title) + _TITLE_GAP + status + _STATUS_RIGHT
        width = _WIDTHS[key] = float(min(MAX_NODE_WIDTH, max(NODE_WIDTH, -(-need // 10) * 10)))
    return width


def duration_text(ms: float) -> str:
    """A node's run time as its badge shows it: "812 ms", "4031 ms", "12.5 s", "340 s"."""
    if ms < 9999.5:
        return f"{ms:.0f} ms"
    return f"{ms / 1000:.1f} s" if ms < 99950 else f"{ms / 1000:.0f} s"


class NodeItem(QGraphicsItem):
    # the state a node starts with, as class attributes: an instance holds only what differs (building a
    # thousand nodes sets a handful of attributes each, not fifteen)
    diff_state: str | None = None   # added / changed / moved / removed, while showing a diff
    status: str | None = None       # run status (live runs)
    progress: float | None = None   # 0..1 while running, when the block reports it
    duration_ms: float | None = None
    error: str | None = None
    thumbnail = None                # a small QPixmap of the node's image output
    pinned = False
    bypassed = False                # switched off for runs (SPEC §2): drawn dimmed, with the bypass badge
    light = False                   # drawn for the light canvas (the scene says)
    width: float = NODE_WIDTH       # wider when its title needs it (node_width)
    note: str | None = None         # a passing remark for the tooltip (a retry)

    def __init__(self, node_id: str, title: str, category: str, inputs: list, outputs: list, light: bool = False):
        super().__init__()
        self.node_id = node_id
        self.title = title
        width = node_width(title)
        if width != NODE_WIDTH:
            self.width = width
        self.category = category
        self.color = category_color(category)
        self.inputs = inputs        # list of Port
        self.outputs = outputs
        self._index()
        if light:
            self.light = True
        self._height = HEADER + ROW * max(len(inputs), len(outputs), 1) + 8
        self.setFlags(_FLAGS)
        self.setCacheMode(_CACHE)
        self.setZValue(1)
        self.setData(0, node_id)  # SPEC §8: automation and accessibility tools find a node by its id

    def _index(self) -> None:
        ports = {("in", p.name): (i, p.type) for i, p in enumerate(self.inputs)}
        for i, p in enumerate(self.outputs):
            ports[("out", p.name)] = (i, p.type)
        self._ports = ports

    def _body_height(self) -> float:
        return HEADER + ROW * max(len(self.inputs), len(self.outputs), 1) + 8

    def set_ports(self, title: str, inputs: list, outputs: list) -> None:
        self.prepareGeometryChange()
        retitled = title != self.title
        self.title, self.inputs, self.outputs = title, inputs, outputs
        self._index()
        self._height = self._body_height() + (THUMB + 6 if self.thumbnail is not None else 0)
        if retitled:
            self._resize()
        self.update()

    def _resize(self) -> None:
        """The width its title (and pin marker) need; the scene re-routes its links after a change."""
        width = node_width(self.title, self.pinned)
        if width != self.width:
            self.prepareGeometryChange()
            self.width = width

    def toolTip(self) -> str:  # noqa: N802 - Qt's name
        """The tooltip: the title (it may be cut short on the node), the id, and the error or a remark. Made when
        asked (the scene's helpEvent asks), not on every status change or for every node of a large graph."""
        extra = self.error or self.note
        return f"{self.title}\nid: {self.node_id}" + (f"\n{extra}" if extra else "")

    def set_note(self, note: str | None) -> None:
        self.note = note

    # -- live runs ---------------------------------------------------------------------------------------

    def set_status(self, status: str | None, *, duration_ms: float | None = None, error: str | None = None,
                   progress: float | None = None) -> None:
        self.status, self.duration_ms, self.error, self.progress = status, duration_ms, error, progress
        self.setData(1, status)  # SPEC §8: the status on screen, for automation and accessibility tools
        self.note = None
        self._changed()

    def _changed(self) -> None:
        """Repaint, and tell the scene its look changed (the minimap follows)."""
        self.update()
        scene = self.scene()
        if scene is not None:
            scene.looksChanged.emit()

    def set_progress(self, fraction: float | None) -> None:
        self.progress = fraction
        self.update()

    def set_thumbnail(self, pixmap) -> None:
        self.prepareGeometryChange()
        self.thumbnail = pixmap
        self._height = self._body_height() + (THUMB + 6 if pixmap is not None else 0)
        self._changed()

    def set_pinned(self, pinned: bool) -> None:
        if pinned != self.pinned:
            self.pinned = pinned
            self._resize()
            self._changed()

    def set_bypassed(self, bypassed: bool) -> None:
        if bypassed != self.bypassed:
            self.bypassed = bypassed
            self._changed()

    def set_light(self, light: bool) -> None:
        if light != self.light:
            self.light = light
            self.update()

    def set_diff_state(self, state: str | None) -> None:
        self.diff_state = state
        self._changed()

    def body_rect(self) -> QRectF:
        """The node as drawn, without its ports' overhang (item coordinates): what aligning lines up."""
        return QRectF(0, 0, self.width, self._height)

    def thumbnail_rect(self) -> QRectF:
        """Where its thumbnail is drawn (item coordinates); empty when it has none."""
        if self.thumbnail is None:
            return QRectF()
        w = min(self.width - 12, self.thumbnail.width())
        return QRectF((self.width - w) / 2, self._body_height(), w, THUMB)

    def boundingRect(self) -> QRectF:
        return QRectF(-PORT_RADIUS - 1, -1, self.width + 2 * PORT_RADIUS + 2, self._height + 2)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(QRectF(-PORT_RADIUS, 0, self.width + 2 * PORT_RADIUS, self._height))
        return path

    # -- ports -------------------------------------------------------------------------------------------

    def _port_y(self, index: int) -> float:
        return HEADER + ROW * index + ROW / 2 + 2

    def _status_text(self) -> str | None:
        """What the header says beside the badge: the duration of a finished run, else the status word."""
        if self.status is None or self.status == "running":
            return None
        if self.duration_ms is not None and self.status in ("succeeded", "failed"):
            return duration_text(self.duration_ms)
        return self.status

    def _status_room(self) -> float:
        """How much of the header's right the status takes (badge and text, with the gap before them)."""
        if self.status is None:
            return 8.0
        text = self._status_text()
        return _STATUS_RIGHT + _TITLE_GAP + (_advance("port", text) if text else 0.0)

    def _paint_run_state(self, painter: QPainter) -> None:
        """A status badge at the right of the header with the duration (or status) beside it; a progress ring
        while running."""
        if self.status is None:
            return
        w = self.width
        if self.status == "running":
            ring = QRectF(w - 24, 5, 16, 16)
            painter.setPen(QPen(QColor(255, 255, 255, 70), 3))
            painter.drawEllipse(ring)
            painter.setPen(QPen(QColor("white"), 3))
            span = int(360 * 16 * (self.progress if self.progress is not None else 0.25))
            painter.drawArc(ring, 90 * 16, -span)
            return
        text = self._status_text()
        status_badge(painter, self.status, QPointF(w - 16, HEADER / 2))
        painter.setPen(_WHITE)
        painter.setFont(_font("port"))
        # from where the title's room ends to the badge, right-aligned: the gap before it is slack for a glyph
        # drawn a little wider than measured (hinting at another zoom)
        room = _advance("port", text) + _TITLE_GAP
        painter.drawText(QRectF(w - _STATUS_RIGHT - room, 0, room, HEADER),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, text)

    def port_dy(self, kind: str, name: str) -> float:
        """How far below the node's top the port is."""
        found = self._ports.get((kind, name))
        return HEADER + ROW * found[0] + ROW / 2 + 2 if found else HEADER / 2

    def port_scene_pos(self, kind: str, name: str) -> QPointF:
        # node items are never rotated or scaled
        return QPointF(self.x() + (0 if kind == "in" else self.width), self.y() + self.port_dy(kind, name))

    def port_type(self, kind: str, name: str) -> str:
        found = self._ports.get((kind, name))
        return found[1] if found else "any"

    def port_at(self, local: QPointF, slack: float = 9.0) -> tuple[str, str] | None:
        """("in" | "out", port name) under ``local`` (item coordinates), if any."""
        for kind, ports, x in (("in", self.inputs, 0.0), ("out", self.outputs, float(self.width))):
            for i, p in enumerate(ports):
                if abs(local.x() - x) <= slack and abs(local.y() - self._port_y(i)) <= ROW / 2:
                    return kind, p.name
        return None

    # -- painting -------------------------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        width = self.width
        body = QRectF(0, 0, width, self._height)
        selected = self.isSelected()
        outline = DIFF_COLORS.get(self.diff_state) if self.diff_state else None
        dimmed = self.bypassed
        if dimmed:  # (the badges are painted whole; the painter is handed back as it came)
            whole = painter.opacity()
            painter.setOpacity(whole * _DIMMED)
        if lod < 0.35:  # zoomed far out: a block is all one can see, in its run status colour if it has one
            fill = STATUS_COLORS.get(self.status) if self.status else self.color.darker(130)
            painter.fillRect(body, fill if not selected else fill.lighter(140))
            if dimmed:
                painter.setOpacity(whole)
            return
        status_color = STATUS_COLORS.get(self.status) if self.status else None
        body_color, border, text_color = _BODY[self.light]
        pen = QPen(outline or (QColor("#ffd866") if selected else status_color or border),
                   3 if (outline or selected or status_color) else 1)
        if self.status == "queued":
            pen.setStyle(Qt.PenStyle.DotLine)
        if self.diff_state == "removed":
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        faded = self.diff_state == "removed" or self.status == "skipped"
        painter.setBrush(QBrush(body_color if not faded else QColor(body_color.red(), body_color.green(),
                                                                    body_color.blue(), 120)))
        painter.drawRoundedRect(body, 6, 6)
        header = QPainterPath()
        header.addRoundedRect(QRectF(0, 0, width, HEADER), 6, 6)
        painter.fillPath(header, self.color)
        if dimmed:  # the bypass badge, whole, where the category icon is
            painter.setOpacity(whole)
            bypass_badge(painter, QPointF(14.5, HEADER / 2))
            painter.setOpacity(whole * _DIMMED)
        else:
            glyph = icon_pixmap(f"category-{self.category}", 32, "#ffffff")
            painter.drawPixmap(QRectF(7, (HEADER - 15) / 2, 15, 15), glyph, QRectF(glyph.rect()))
        painter.setPen(_WHITE)
        painter.setFont(_font("title"))
        left = _TITLE_LEFT
        if self.pinned:  # a drawn pin marker: no font is needed for it
            painter.setBrush(QColor("#ffd866"))
            painter.setPen(QPen(QColor(30, 30, 30), 1))
            painter.drawEllipse(QPointF(left + 5, HEADER / 2 - 2), 4.5, 4.5)
            painter.drawLine(QPointF(left + 5, HEADER / 2 + 2), QPointF(left + 5, HEADER / 2 + 8))
            painter.setPen(_WHITE)
            left += _PIN_ROOM
        title_width = width - left - self._status_room()
        painter.drawText(QRectF(left, 0, title_width, HEADER), Qt.AlignmentFlag.AlignVCenter,
                         painter.fontMetrics().elidedText(self.title, Qt.TextElideMode.ElideRight, int(title_width)))
        painter.setFont(_font("port"))
        if self.thumbnail is not None:
            thumb = self.thumbnail
            top = self._body_height()
            w = min(width - 12, thumb.width())
            painter.drawPixmap(QRectF((width - w) / 2, top, w, THUMB), thumb, QRectF(thumb.rect()))
        for kind, ports in (("in", self.inputs), ("out", self.outputs)):
            for i, p in enumerate(ports):
                y = self._port_y(i)
                x = 0 if kind == "in" else width
                painter.setPen(QPen(QColor(15, 15, 15), 1))
                painter.setBrush(port_color(p.type) if p.required or kind == "out" else port_color(p.type).darker(150))
                painter.drawEllipse(QPointF(x, y), PORT_RADIUS, PORT_RADIUS)
                if lod < 0.5:
                    continue  # names are unreadable this small
                painter.setPen(text_color)
                text_rect = QRectF(10, y - ROW / 2, width / 2 - 12, ROW) if kind == "in" else \
                    QRectF(width / 2, y - ROW / 2, width / 2 - 10, ROW)
                align = (Qt.AlignmentFlag.AlignLeft if kind == "in" else Qt.AlignmentFlag.AlignRight) | \
                    Qt.AlignmentFlag.AlignVCenter
                painter.drawText(text_rect, align, p.name)
        if dimmed:
            painter.setOpacity(whole)
            if selected or outline:  # (what is selected shows whole on a dimmed node too)
                painter.setPen(pen), painter.setBrush(Qt.BrushStyle.NoBrush), painter.drawRoundedRect(body, 6, 6)
        self._paint_run_state(painter)  # (last: whole on a dimmed node too)
