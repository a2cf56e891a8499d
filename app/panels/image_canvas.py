"""The image viewer's drawing surface: one picture, or two compared with a divider (the "after" one left of it,
the "before" one right of it; the divider at a share of the picture's width, whatever the zoom), fitted, at 1:1 or zoomed to the cursor, panned by dragging, and the pixel under
the cursor said in words.

Pictures are shown from levels: QImages at the full size and at halvings of it, made off the GUI thread by the
``blocking`` coroutine function it is given. A small level (its longest side at most COARSE) comes first, so a
large picture shows at once; the others follow. A paint draws the visible part of the smallest level that has
the pixels the zoom needs: a few calls into Qt, whatever the picture's size.
"""

from __future__ import annotations

import math

from PIL import Image
from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget

__all__ = ["ImageCanvas", "COARSE", "coarse_level", "all_levels", "pixel_text", "display_qimage"]

COARSE = 1024      # the longest side of the level shown first
MAX_SCALE = 64.0   # screen pixels per picture pixel, at most
GRAB = 6           # the divider is grabbed this close to it (screen pixels)
_BACKGROUND = QColor(40, 41, 45)


# -- levels (made in a worker thread) ------------------------------------------------------------------------

def _displayable(image: Image.Image) -> Image.Image:
    """The picture in a mode a QImage takes as it is: L, RGB or RGBA."""
    if image.mode in ("L", "RGB", "RGBA"):
        return image
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    try:
        return image.convert("RGBA" if has_alpha else "RGB")
    except ValueError:  # (a mode Pillow cannot turn into colour directly: 16-bit, float)
        return image.convert("L")


def to_qimage(image: Image.Image) -> QImage:
    """A QImage that owns a copy of the pixels, in a format that paints fast."""
    data = image.tobytes()
    w, h = image.size
    if image.mode == "L":
        return QImage(data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    if image.mode == "RGB":
        return QImage(data, w, h, 3 * w, QImage.Format.Format_RGB888).convertToFormat(QImage.Format.Format_RGB32)
    return QImage(data, w, h, 4 * w, QImage.Format.Format_RGBA8888).convertToFormat(
        QImage.Format.Format_ARGB32_Premultiplied)


def display_qimage(image: Image.Image) -> QImage:
    """Any picture as a QImage that paints fast, owning its pixels (made in a worker thread: the preview's too)."""
    return to_qimage(_displayable(image))


def coarse_level(image: Image.Image) -> QImage:
    """The level shown first: the picture itself when it is small, else shrunk to COARSE on its longest side."""
    image = _displayable(image)
    longest = max(image.size)
    if longest > COARSE:
        k = COARSE / longest
        image = image.resize((max(1, round(image.width * k)), max(1, round(image.height * k))),
                             Image.Resampling.BOX)
    return to_qimage(image)


def all_levels(image: Image.Image) -> list[QImage]:
    """The full-size level and its halvings down to COARSE, smallest first."""
    image = _displayable(image)
    levels = [to_qimage(image)]
    while max(image.size) > COARSE and min(image.size) >= 2:
        image = image.reduce(2)
        levels.append(to_qimage(image))
    return levels[::-1]


# -- the pixel under the cursor ------------------------------------------------------------------------------

def _number(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def pixel_text(image: Image.Image, x: int, y: int) -> str:
    """A pixel's value by band: "R 255 G 0 B 0", "L 76", "P 3 (R 10 G 20 B 30)"."""
    value = image.getpixel((x, y))
    if image.mode == "P":
        rgb = (image.getpalette() or [])[3 * value:3 * value + 3]
        return f"P {value}" + (f" (R {rgb[0]} G {rgb[1]} B {rgb[2]})" if len(rgb) == 3 else "")
    values = value if isinstance(value, tuple) else (value,)
    return " ".join(f"{band} {_number(v)}" for band, v in zip(image.getbands(), values))


class Side:
    """One picture of the canvas: the Pillow image (for pixel values), its name, and its levels so far."""

    def __init__(self, image: Image.Image, name: str):
        self.image, self.name = image, name
        self.levels: list[QImage] = []  # smallest first

    def whole(self) -> bool:
        return bool(self.levels) and self.levels[-1].width() == self.image.width

    def level_for(self, width: float) -> QImage | None:
        """The smallest level at least ``width`` pixels wide (else the largest there is)."""
        for level in self.levels:
            if level.width() >= width - 0.5:
                return level
        return self.levels[-1] if self.levels else None


def _checker() -> QBrush:
    tile = QPixmap(16, 16)
    tile.fill(QColor(90, 90, 90))
    painter = QPainter(tile)
    painter.fillRect(0, 0, 8, 8, QColor(120, 120, 120))
    painter.fillRect(8, 8, 8, 8, QColor(120, 120, 120))
    painter.end()
    return QBrush(tile)


class ImageCanvas(QWidget):
    hovered = Signal(str)          # the pixel under the cursor, in words ("" off the picture)
    zoomChanged = Signal(float)    # screen pixels per picture pixel
    splitMoved = Signal(float)     # the divider dragged to this share of the picture's width
    levelShown = Signal(int)       # a picture's level, this many pixels wide, is shown
    loaded = Signal()              # every level of the pictures asked for is there

    def __init__(self, blocking, parent=None):
        super().__init__(parent)
        self.setObjectName("viewerCanvas")
        self.blocking = blocking   # async (fn, *args) → fn(*args) off the GUI thread
        self.after: Side | None = None
        self.before: Side | None = None
        self.split: float = 0.5
        self.scale, self.origin, self.fitting = 1.0, QPointF(0, 0), True
        self._token = 0            # the latest set_images call; earlier ones stop when they see it
        self._loading = False
        self._press: QPointF | None = None
        self._dragging_split = False
        self._last_pos: QPointF | None = None
        self._checker = _checker()
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(200, 150)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    # -- the pictures ----------------------------------------------------------------------------------------

    async def set_images(self, after: Image.Image, before: Image.Image | None = None, *, after_name: str = "output",
                         before_name: str = "input") -> bool:
        """Show ``after`` (and ``before`` right of the divider): their small levels first, then all of them.
        False when a later call took over before it finished."""
        self._token += 1
        token = self._token
        self._loading = True
        sides = [Side(after, after_name)] + ([Side(before, before_name)] if before is not None else [])
        for side in sides:
            side.levels = [await self.blocking(coarse_level, side.image)]
            if token != self._token:
                return False
        self._show(sides)
        for side in sides:
            if not side.whole():
                levels = await self.blocking(all_levels, side.image)
                if token != self._token:
                    return False
                side.levels = levels
                self.levelShown.emit(levels[-1].width())
                self.update()
        self._loading = False
        self.loaded.emit()
        return True

    def _show(self, sides: list[Side]) -> None:
        size = self.after.image.size if self.after is not None else None
        self.after, self.before = sides[0], (sides[1] if len(sides) > 1 else None)
        if self.fitting or size != self.after.image.size:
            self.fit()
        for side in sides:
            self.levelShown.emit(side.levels[-1].width())
        self._hover()
        self.update()

    def clear(self) -> None:
        self._token += 1
        self._loading = False
        self.after = self.before = None
        self.update()

    def ready(self) -> bool:
        """The pictures asked for are shown whole."""
        return not self._loading and self.after is not None and all(
            s.whole() for s in (self.after, self.before) if s is not None)

    # -- geometry --------------------------------------------------------------------------------------------

    def image_size(self) -> QSizeF:
        return QSizeF(*self.after.image.size) if self.after is not None else QSizeF(1, 1)

    def image_rect(self) -> QRectF:
        """Where the picture is drawn, in widget pixels."""
        return QRectF(self.origin, self.image_size() * self.scale)

    def image_point(self, pos) -> QPointF:
        """The picture's point (its pixels, fractional) under widget point ``pos``."""
        return (QPointF(pos) - self.origin) / self.scale

    def split_x(self) -> float:
        """Where the divider is, in widget pixels: at its share of the picture's width (0: the "before" picture
        alone, 1: the "after" one), wherever the picture is zoomed and panned to."""
        rect = self.image_rect()
        return rect.left() + self.split * rect.width()

    def fit_scale(self) -> float:
        size = self.image_size()
        return min(self.width() / size.width(), self.height() / size.height())

    def fit(self) -> None:
        """The whole picture in view, centred; it stays fitted as the window resizes, until a zoom."""
        self.fitting = True
        self.scale = self.fit_scale()
        size = self.image_size() * self.scale
        self.origin = QPointF((self.width() - size.width()) / 2, (self.height() - size.height()) / 2)
        self.zoomChanged.emit(self.scale)
        self.update()

    def actual(self) -> None:
        """One screen pixel per picture pixel, about the middle of the view."""
        self.zoom_to(1.0, QPointF(self.width() / 2, self.height() / 2))

    def zoom_to(self, scale: float, about: QPointF) -> None:
        """``scale``, keeping the picture's point under ``about`` (widget pixels) where it is."""
        scale = min(MAX_SCALE, max(min(self.fit_scale(), 1.0) / 4, scale))
        self.origin = about - (about - self.origin) * (scale / self.scale)
        self.scale = scale
        self.fitting = False
        self.zoomChanged.emit(self.scale)
        self._hover()
        self.update()

    def set_split(self, fraction: float) -> None:
        self.split = min(1.0, max(0.0, fraction))
        self._hover()
        self.update()

    # -- painting --------------------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), _BACKGROUND)
        if self.after is None:
            painter.end()
            return
        target = self.image_rect()
        painter.fillRect(target.intersected(QRectF(self.rect())), self._checker)
        if self.before is None:
            self._draw(painter, self.after, target)
        else:
            x, w, h = self.split_x(), self.width(), self.height()
            if x > 0:
                painter.setClipRect(QRectF(0, 0, x, h))
                self._draw(painter, self.after, target)
            if x < w:
                painter.setClipRect(QRectF(x, 0, w - x, h))
                self._draw(painter, self.before, target)
            painter.setClipping(False)
            self._draw_divider(painter, x, h)
        painter.end()

    def _draw(self, painter: QPainter, side: Side, target: QRectF) -> None:
        level = side.level_for(target.width())
        visible = target.intersected(QRectF(self.rect()))
        if level is None or visible.isEmpty():
            return
        kx, ky = level.width() / target.width(), level.height() / target.height()
        source = QRectF((visible.left() - target.left()) * kx, (visible.top() - target.top()) * ky,
                        visible.width() * kx, visible.height() * ky)
        # smoothed when shrinking; each pixel a sharp square when enlarged (to see them)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, kx > 1.0)
        painter.drawImage(visible, level, source)

    def _draw_divider(self, painter: QPainter, x: float, h: float) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor(0, 0, 0, 140), 3))
        painter.drawLine(QPointF(x, 0), QPointF(x, h))
        painter.setPen(QPen(QColor("white"), 1))
        painter.drawLine(QPointF(x, 0), QPointF(x, h))
        painter.setPen(QPen(QColor(0, 0, 0, 160), 1.5))  # a grip that shows on white and on black
        painter.setBrush(QColor("white"))
        painter.drawRoundedRect(QRectF(x - 5, h / 2 - 14, 10, 28), 4, 4)
        metrics = painter.fontMetrics()
        for text, right in ((f"◂ {self.after.name}", False), (f"{self.before.name} ▸", True)):
            width = metrics.horizontalAdvance(text) + 12
            box = QRectF(self.width() - width - 6 if right else 6, 6, width, metrics.height() + 6)
            painter.fillRect(box, QColor(0, 0, 0, 150))
            painter.setPen(QColor("white"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    # -- mouse and keys ----------------------------------------------------------------------------------------

    def _near_split(self, pos: QPointF) -> bool:
        return self.before is not None and abs(pos.x() - self.split_x()) <= GRAB

    def mousePressEvent(self, event) -> None:
        if event.button() not in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            return
        self._dragging_split = event.button() == Qt.MouseButton.LeftButton and self._near_split(event.position())
        self._press = event.position()
        if not self._dragging_split:
            self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        if self._press is not None and self._dragging_split:
            rect = self.image_rect()
            self.set_split((pos.x() - rect.left()) / max(rect.width(), 1e-6))
            self.splitMoved.emit(self.split)
        elif self._press is not None:
            self.origin += pos - self._press
            self._press = pos
            self.fitting = False
            self.update()
        else:
            self.setCursor(Qt.CursorShape.SplitHCursor if self._near_split(pos) else Qt.CursorShape.OpenHandCursor)
        self._last_pos = pos
        self._hover()

    def mouseReleaseEvent(self, event) -> None:
        self._press = None
        self._dragging_split = False
        self.unsetCursor()

    def mouseDoubleClickEvent(self, event) -> None:
        self.fit()

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_to(self.scale * 1.25 ** steps, event.position())

    def keyPressEvent(self, event) -> None:
        key, middle = event.key(), QPointF(self.width() / 2, self.height() / 2)
        if key == Qt.Key.Key_F:
            self.fit()
        elif key == Qt.Key.Key_1:
            self.actual()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_to(self.scale * 1.25, middle)
        elif key == Qt.Key.Key_Minus:
            self.zoom_to(self.scale / 1.25, middle)
        else:
            super().keyPressEvent(event)

    def leaveEvent(self, event) -> None:
        self._last_pos = None
        self.hovered.emit("")

    def resizeEvent(self, event) -> None:
        if self.fitting and self.after is not None:
            self.fit()

    def _hover(self) -> None:
        """Say the pixel under the cursor (where it last was): its coordinates, value and picture."""
        pos = self._last_pos
        if pos is None or self.after is None:
            return
        rect = self.image_rect()
        if not rect.contains(pos):
            self.hovered.emit("")
            return
        side = self.after if self.before is None or pos.x() < self.split_x() else self.before
        image = side.image
        fx, fy = (pos.x() - rect.left()) / rect.width(), (pos.y() - rect.top()) / rect.height()
        x, y = min(math.floor(fx * image.width), image.width - 1), min(math.floor(fy * image.height), image.height - 1)
        self.hovered.emit(f"x {x}, y {y} · {pixel_text(image, x, y)} · {side.name}")
