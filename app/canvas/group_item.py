"""A group on the canvas: a titled, coloured frame behind its nodes. Its title bar drags it and its nodes (one
undo step), its bottom-right corner resizes it, a double-click on the title renames it in place. Only the title
bar and the corner take the mouse: a press in its empty middle is a press on the canvas (rubber band, the
"add block" popup of a double-click)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPainter, QPainterPath, QPen

from ..document.annotations import UpdateAnnotation
from .annotation_item import SELECTED, AnnotationItem, InlineText

__all__ = ["GroupItem", "TITLE_HEIGHT", "PADDING", "frame_around"]

TITLE_HEIGHT = 30.0
PADDING = 20.0  # between a new group's frame and its nodes
_fonts: dict[str, QFont] = {}


def _title_font() -> QFont:
    font = _fonts.get("title")
    if font is None:
        font = _fonts["title"] = QFont(QGuiApplication.font())
        font.setBold(True)
        font.setPointSizeF(10)
    return font


def frame_around(box: QRectF) -> tuple[tuple[float, float], tuple[float, float]]:
    """The position and size of a group framing ``box`` (its nodes' rectangle), title bar above them."""
    x, y = round(box.left() - PADDING), round(box.top() - PADDING - TITLE_HEIGHT)
    return (float(x), float(y)), (float(round(box.right() + PADDING) - x), float(round(box.bottom() + PADDING) - y))


class GroupItem(AnnotationItem):
    MIN_SIZE = (140.0, TITLE_HEIGHT + 30.0)
    what = "group"

    def __init__(self, annotation, light: bool = False, editable: bool = True):
        super().__init__(annotation, light, editable)
        self.title = ""
        self.nodes: list[str] = []
        self.editor: InlineText | None = None  # made on the first rename
        self.setZValue(-20)  # behind links, references and nodes
        self.sync(annotation)

    def sync(self, annotation) -> None:
        self.title, self.nodes = annotation.title, list(annotation.nodes)
        super().sync(annotation)
        if self.editor is not None and not self.editor.editing:
            self.editor.setTextWidth(max(self.w - 20, 20))

    def members(self) -> list[str]:
        return self.nodes

    def title_bar(self) -> QRectF:
        return QRectF(0, 0, self.w, TITLE_HEIGHT)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.title_bar())
        path.addRect(self.grip())
        return path

    def paint(self, painter: QPainter, option, widget=None) -> None:
        box = QRectF(0, 0, self.w, self.h)
        fill = QColor(self.color)
        fill.setAlpha(44 if not self.light else 56)
        edge = SELECTED if self.isSelected() else QColor(self.color)
        painter.setPen(QPen(edge, 2 if self.isSelected() else 1.2))
        painter.setBrush(fill)
        painter.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        bar = QColor(self.color)
        bar.setAlpha(215)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(bar)
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.WindingFill)  # (the two shapes overlap: their union, not a hole)
        path.addRoundedRect(self.title_bar().adjusted(1, 1, -1, 0), 5, 5)
        path.addRect(QRectF(1, TITLE_HEIGHT / 2, self.w - 2, TITLE_HEIGHT / 2))  # square bottom corners
        painter.drawPath(path)
        if not (self.editor is not None and self.editor.editing):
            painter.setPen(QColor("white"))
            painter.setFont(_title_font())
            text_box = QRectF(10, 0, self.w - 20, TITLE_HEIGHT)
            text = painter.fontMetrics().elidedText(self.title or "Group", Qt.TextElideMode.ElideRight,
                                                    int(text_box.width()))
            painter.drawText(text_box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        if self.editable:  # the resize corner: three short diagonal strokes
            painter.setPen(QPen(QColor(self.color).lighter(140), 1.2))
            for k in (4.0, 8.0, 12.0):
                painter.drawLine(QPointF(self.w - k, self.h - 2), QPointF(self.w - 2, self.h - k))

    def start_edit(self) -> None:
        if self.editor is None:
            self.editor = InlineText(self, multiline=False)
            self.editor.setFont(_title_font())
            self.editor.setDefaultTextColor(QColor("white"))
            self.editor.setPos(6, 2)
        self.editor.setTextWidth(max(self.w - 20, 20))
        self.editor.show()
        self.editor.begin(self.title or "Group", self._renamed)
        self.update()

    def _renamed(self, text: str | None) -> None:
        self.editor.hide()
        self.update()
        title = (text or "").strip()
        scene = self.scene()
        if text is None or scene is None or title == self.title or self.annotation_id not in scene.doc.annotations:
            return
        scene.undo_stack.push(UpdateAnnotation(scene.doc, self.annotation_id, "Rename group", title=title))

    def mouseDoubleClickEvent(self, event) -> None:
        if self.title_bar().contains(event.pos()):
            super().mouseDoubleClickEvent(event)
        else:
            event.accept()
