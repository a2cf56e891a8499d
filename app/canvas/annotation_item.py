"""What groups and notes on the canvas share: a coloured box that is dragged by its handle (a group's title bar,
anywhere on a note) and resized by its bottom-right corner, each gesture live and one undo command on release;
and text typed in place (a group's title, a note's text) by :class:`InlineText`.

The items are not ``ItemIsMovable``: Qt would move a selected group without its nodes. They move themselves
(a group its nodes too) and tell the scene, which re-routes the links of the nodes that moved.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem, QGraphicsTextItem

from ..document.annotations import MoveAnnotation, UpdateAnnotation
from ..look.annotations import color_of

__all__ = ["AnnotationItem", "InlineText", "GRIP"]

GRIP = 14  # the side of the resize corner
SELECTED = QColor("#ffd866")


class InlineText(QGraphicsTextItem):
    """Text edited in place. ``done(text)`` is called once when the edit ends: with the text on Enter (a title;
    Ctrl+Enter in a note), on Escape in a note and when focus leaves; with None on Escape in a title (no change).
    """

    def __init__(self, parent: QGraphicsItem, multiline: bool):
        super().__init__(parent)
        self.multiline = multiline
        self.done = None

    @property
    def editing(self) -> bool:
        return self.done is not None

    def begin(self, text: str, done) -> None:
        self.setPlainText(text)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextEditorInteraction)
        self.done = done
        view = next(iter(self.scene().views()), None)
        if view is not None:
            view.setFocus()
        self.setFocus()
        cursor = self.textCursor()
        if self.multiline:  # a note: on from its end
            cursor.movePosition(cursor.MoveOperation.End)
        else:  # a title: typing replaces it
            cursor.select(cursor.SelectionType.Document)
        self.setTextCursor(cursor)

    def finish(self, keep: bool) -> None:
        done, self.done = self.done, None
        if done is None:
            return
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        cursor = self.textCursor()
        cursor.clearSelection()
        self.setTextCursor(cursor)
        self.clearFocus()
        done(self.toPlainText() if keep else None)

    def _ends_edit(self, event) -> bool:
        """Whether this key ends the edit: Escape; Enter in a title, Ctrl+Enter in a note."""
        key = event.key()
        return key == Qt.Key.Key_Escape or key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            not self.multiline or bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier))

    def sceneEvent(self, event) -> bool:
        """The keys that end the edit are ours before they are a shortcut (Ctrl+Enter is also "Run this node")."""
        if event.type() == QEvent.Type.ShortcutOverride and self.editing and self._ends_edit(event):
            event.accept()
            return True
        return super().sceneEvent(event)

    def keyPressEvent(self, event) -> None:
        if self._ends_edit(event):
            self.finish(keep=self.multiline or event.key() != Qt.Key.Key_Escape)
        else:
            super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        if event.reason() != Qt.FocusReason.PopupFocusReason:  # (its own context menu keeps the edit going)
            self.finish(keep=True)


class AnnotationItem(QGraphicsItem):
    """A group or a note (see :mod:`.group_item`, :mod:`.note_item`), drawn from its document annotation."""

    MIN_SIZE = (80.0, 40.0)
    what = "annotation"

    def __init__(self, annotation, light: bool, editable: bool):
        super().__init__()
        self.annotation_id = annotation.id
        self.light, self.editable = light, editable
        self.w = self.h = 0.0
        self.color = QColor()
        self._gesture: tuple | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(editable)

    def sync(self, annotation) -> None:
        """Take the document's position, size and colour (subclasses: their text too)."""
        w, h = annotation.size
        if (w, h) != (self.w, self.h):
            self.prepareGeometryChange()
            self.w, self.h = float(w), float(h)
        self.color = QColor(color_of(annotation))
        pos = QPointF(*annotation.position)
        if self.pos() != pos:
            self.setPos(pos)
        self.update()

    def set_light(self, light: bool) -> None:
        self.light = light
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self.w, self.h)

    def grip(self) -> QRectF:
        return QRectF(self.w - GRIP, self.h - GRIP, GRIP, GRIP)

    def members(self) -> list[str]:
        """The nodes that move with it (a group's)."""
        return []

    def start_edit(self) -> None:
        """Begin typing in place (a group's title, a note's text)."""

    # -- the mouse: select, drag by the handle, resize by the corner ------------------------------------------

    def hoverMoveEvent(self, event) -> None:
        shape = Qt.CursorShape.SizeFDiagCursor if self.grip().contains(event.pos()) else Qt.CursorShape.SizeAllCursor
        self.setCursor(shape)

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.setSelected(not self.isSelected())
        elif not self.isSelected():
            self.scene().clearSelection()
            self.setSelected(True)
        event.accept()
        if not self.editable:
            return
        scene = self.scene()
        nodes = {nid: QPointF(scene.node_items[nid].pos()) for nid in self.members() if nid in scene.node_items}
        kind = "resize" if self.grip().contains(event.pos()) else "move"
        self._gesture = (kind, event.scenePos(), QPointF(self.pos()), (self.w, self.h), nodes)

    def mouseMoveEvent(self, event) -> None:
        if self._gesture is None:
            return
        kind, press, pos, size, nodes = self._gesture
        delta = event.scenePos() - press
        if kind == "move":
            self.setPos(pos + delta)
            scene = self.scene()
            for nid, start in nodes.items():
                scene.node_items[nid].setPos(start + delta)
                scene._moved_live(nid)
        else:
            self.prepareGeometryChange()
            self.w = max(self.MIN_SIZE[0], round(size[0] + delta.x()))
            self.h = max(self.MIN_SIZE[1], round(size[1] + delta.y()))
            self.update()

    def mouseReleaseEvent(self, event) -> None:
        gesture, self._gesture = self._gesture, None
        if gesture is None:
            return
        kind, _press, pos, size, nodes = gesture
        scene = self.scene()
        doc, stack = scene.doc, scene.undo_stack
        if kind == "move" and self.pos() != pos:
            stack.push(MoveAnnotation(doc, self.annotation_id, (pos.x(), pos.y()), (self.x(), self.y()),
                                      {n: (p.x(), p.y()) for n, p in nodes.items()},
                                      {n: (scene.node_items[n].x(), scene.node_items[n].y()) for n in nodes}))
        elif kind == "resize" and (self.w, self.h) != size:
            stack.push(UpdateAnnotation(doc, self.annotation_id, f"Resize {self.what}", size=(self.w, self.h)))

    def mouseDoubleClickEvent(self, event) -> None:
        if self.editable and event.button() == Qt.MouseButton.LeftButton and not self.grip().contains(event.pos()):
            self.start_edit()
        event.accept()
