"""The canvas view: zoom to the cursor, pan, frame, rubber-band selection, drops from the palette."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF, QTransform
from PySide6.QtWidgets import QGraphicsView

from .file_drops import drop_paths, droppable, left_out
from .interactions import ConnectInteraction, MinimapInteraction, PanInteraction
from ..look import BLOCK_MIME
from ..look.drops import refuse, take_copy
from .scene import WorkflowScene

__all__ = ["CanvasView"]

GRID = 24  # scene units between the dots of the canvas grid
_DOT_PEN = {False: QPen(QColor(66, 68, 73), 0), True: QPen(QColor(165, 168, 175), 0)}  # dark, light canvas
_GRIDS: dict[tuple[float, int, int], QPolygonF] = {}


def _grid(step: float, width: int, height: int) -> QPolygonF:
    """The dots of a viewport of that size, ``step`` pixels apart (a fraction, as the zoom makes it), with a spare
    row and column each side: made once per zoom and size."""
    key = (step, width, height)
    grid = _GRIDS.get(key)
    if grid is None:
        if len(_GRIDS) > 16:
            _GRIDS.clear()
        grid = _GRIDS[key] = QPolygonF([QPointF(i * step, j * step) for j in range(int(height / step) + 3)
                                        for i in range(int(width / step) + 3)])
    return grid


class CanvasView(QGraphicsView):
    message = Signal(str)
    blockDropped = Signal(str, QPointF)      # block type, scene position
    filesDropped = Signal(list)              # workflow files dropped on the canvas (images, folders: nodes)
    addBlockRequested = Signal(QPointF)      # Tab / double-click on empty canvas
    nodeActivated = Signal(str)              # double-click on a node (its id)
    thumbnailActivated = Signal(str)         # double-click on a node's thumbnail (its id)
    menuRequested = Signal(QPointF, QPoint)  # right-click: scene position, global position
    linkDropped = Signal(str, str, str, QPointF)  # a link released on empty canvas: node id, "in"/"out", port, where

    def __init__(self, scene: WorkflowScene, parent=None):
        super().__init__(scene, parent)
        self.setObjectName("canvas")
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlags(QGraphicsView.OptimizationFlag.DontSavePainterState
                                  | QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)  # the dots cost less than a cached copy
        # drawBackground covers every pixel: no fill of the viewport's palette colour under it first
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.interaction = None
        self.last_refusal: str | None = None
        self._space = False
        from .minimap import Minimap

        self.minimap = Minimap(self)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        """The canvas colour with a dot every GRID scene units (none when zoomed far out: they would be noise).

        Each dot is one pixel, the pixel nearest to where its scene point is on screen — where a node snapped
        to the grid has its corner, at any zoom (dots a whole number of pixels apart drifted off the grid the
        further they were from the scene's origin). They are drawn in viewport pixels from a grid of points made
        once per zoom and size and shifted by a fraction of a pixel to follow the view: one C++ call a frame (a
        Python loop over the rows cost a drag frame ~10 %), no cached background to copy."""
        super().drawBackground(painter, rect)
        zoom = self.zoom()
        if zoom < 0.45:
            return
        step = GRID * zoom
        origin = self.viewportTransform().map(QPointF(0, 0))  # (not mapFromScene: that rounds to a pixel)
        size = self.viewport().size()
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(_DOT_PEN[self.scene().light])
        painter.setTransform(QTransform.fromTranslate(origin.x() % step - step, origin.y() % step - step))
        painter.drawPoints(_grid(step, size.width(), size.height()))
        painter.restore()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        """The minimap, last, in viewport coordinates."""
        if self.minimap.isVisible():
            painter.save()
            painter.resetTransform()
            self.minimap.draw(painter)
            painter.restore()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)  # may move the viewport's pixels, the minimap's among them
        if self.minimap.isVisible():
            box = self.minimap.rect()
            self.viewport().update(box)
            self.viewport().update(box.translated(dx, dy))

    def say(self, text: str) -> None:
        self.message.emit(text)

    # -- zoom and framing --------------------------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120
        factor = 1.15 ** steps
        new = min(4.0, max(0.05, self.zoom() * factor))
        if new != self.zoom():
            self.scale(new / self.zoom(), new / self.zoom())

    def frame(self, selection_only: bool = True) -> None:
        scene = self.scene()
        items = scene.selectedItems() if selection_only else []
        rect = QRectF()
        for item in items or [*scene.node_items.values(), *scene.annotation_items.values()]:
            rect = rect.united(item.sceneBoundingRect())
        if rect.isNull():
            return
        rect = rect.adjusted(-40, -40, 40, 40)
        vp = self.viewport().rect()
        mw, mh = self.minimap.corner()
        sx, sy = self.minimap.side()
        # the graph fits the viewport without the minimap's corner: beside it or above/below it, whichever is larger
        above = min(vp.width() / rect.width(), max(vp.height() - mh, 1) / rect.height())
        beside = min(max(vp.width() - mw, 1) / rect.width(), vp.height() / rect.height())
        zoom = min(max(above, beside), 1.5)
        self.resetTransform()
        self.scale(zoom, zoom)
        shift = QPointF(0, sy * mh / 2) if above >= beside else QPointF(sx * mw / 2, 0)
        self.centerOn(rect.center() + shift / zoom)

    # -- mouse: interactions first, then the default (select, move, rubber band) ----------------------------

    def mousePressEvent(self, event) -> None:
        pos = self.mapToScene(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and self.minimap.contains(event.position().toPoint()):
            if self.minimap.button_rect().contains(event.position().toPoint()):
                self.minimap.open_menu(self.viewport().mapToGlobal(self.minimap.button_rect().bottomLeft()))
                return
            self.interaction = MinimapInteraction(self.minimap, event.position())
            return
        if event.button() == Qt.MouseButton.MiddleButton or (event.button() == Qt.MouseButton.LeftButton and self._space):
            self.interaction = PanInteraction(self, event.position())
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if event.button() == Qt.MouseButton.LeftButton and not self.scene().doc.read_only:
            hit = self.scene().port_at(pos)
            if hit:
                self.interaction = ConnectInteraction(self, *hit)
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self.interaction is not None:
            target = event.position() if isinstance(self.interaction, (PanInteraction, MinimapInteraction)) else \
                self.mapToScene(event.position().toPoint())
            self.interaction.move(target)
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self.interaction is not None:
            interaction, self.interaction = self.interaction, None
            target = event.position() if isinstance(interaction, (PanInteraction, MinimapInteraction)) else \
                self.mapToScene(event.position().toPoint())
            interaction.release(target)
            self.viewport().unsetCursor()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        pos = self.mapToScene(event.position().toPoint())
        node = self.scene().node_at(pos)
        if node is None and self.scene().annotation_at(pos) is not None:  # a group's title, a note: edit it
            super().mouseDoubleClickEvent(event)
            return
        if node is None and not self.scene().doc.read_only:
            self.addBlockRequested.emit(pos)
            return
        if node is not None:
            if node.thumbnail_rect().contains(node.mapFromScene(pos)):
                self.thumbnailActivated.emit(node.node_id)
            else:
                self.nodeActivated.emit(node.node_id)
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event) -> None:
        self.menuRequested.emit(self.mapToScene(event.pos()), event.globalPos())
        event.accept()

    def keyPressEvent(self, event) -> None:
        if self.scene().editing_text():  # typing in a group's title or a note: every key is text
            super().keyPressEvent(event)
            return
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            return
        if key == Qt.Key.Key_F:
            self.frame(selection_only=True)
            return
        if key == Qt.Key.Key_Home:
            self.frame(selection_only=False)
            return
        if key == Qt.Key.Key_Tab and not self.scene().doc.read_only:
            self.addBlockRequested.emit(self.mapToScene(self.mapFromGlobal(self.cursor().pos())))
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            return
        super().keyReleaseEvent(event)

    def focusNextPrevChild(self, forward: bool) -> bool:
        return False  # Tab opens the "add block" popup instead of moving focus

    # -- drops ---------------------------------------------------------------------------------------------

    @staticmethod
    def _paths(md) -> list[Path]:
        return [Path(u.toLocalFile()) for u in md.urls() if u.isLocalFile()] if md.hasUrls() else []

    def dragEnterEvent(self, event) -> None:
        md = event.mimeData()
        paths = self._paths(md)
        if md.hasFormat(BLOCK_MIME) or any(droppable(p) for p in paths):
            take_copy(event)  # (never a move: the source would delete the file, or the palette its entry)
        else:
            if event.type() == event.Type.DragEnter and md.hasUrls():  # (why not, file by file)
                self.say(left_out(paths) if paths else "Drop an image, a folder or a workflow (.json) file here")
            refuse(event)

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        md = event.mimeData()
        at = self.mapToScene(event.position().toPoint())
        taken = False
        if md.hasFormat(BLOCK_MIME) and not self.scene().doc.read_only:
            self.blockDropped.emit(bytes(md.data(BLOCK_MIME)).decode("utf-8"), at)
            taken = True
        elif md.hasUrls():
            paths = self._paths(md)
            others = [p for p in paths if p.suffix.lower() != ".json"]
            if others:  # images and folders: nodes where they were dropped, or the new source of the node under
                taken = drop_paths(self, others, at, self.say)
            workflows = [str(p) for p in paths if p.suffix.lower() == ".json"]
            if workflows:
                self.filesDropped.emit(workflows)
                taken = True
        if taken:
            take_copy(event)
        else:
            refuse(event)
