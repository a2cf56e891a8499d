"""A note on the canvas: a coloured card of markdown-lite text (**bold**, *italic*, `code`, lists — Qt's own
markdown reader draws it). A double-click edits its text in place, as typed; Escape, Ctrl+Enter or a click
elsewhere ends the edit (one undo step). Dragged anywhere on it, resized by its bottom-right corner.

Its text is read as markdown when it is first drawn, not when the canvas is built (a workflow with many notes
opens as fast as one without), and the editor is made on the first edit."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (QAbstractTextDocumentLayout, QColor, QFont, QGuiApplication, QPainter, QPalette, QPen,
                           QTextDocument)

from ..document.annotations import UpdateAnnotation
from .annotation_item import SELECTED, AnnotationItem, InlineText

__all__ = ["NoteItem", "PLACEHOLDER"]

PLACEHOLDER = "Double-click to write a note"
_MARGIN = 8.0
_INK = QColor(34, 34, 38)
_fonts: dict[str, QFont] = {}


def _font() -> QFont:
    font = _fonts.get("note")
    if font is None:
        font = _fonts["note"] = QFont(QGuiApplication.font())
        font.setPointSizeF(9.5)
    return font


class NoteItem(AnnotationItem):
    what = "note"

    def __init__(self, annotation, light: bool = False, editable: bool = True):
        super().__init__(annotation, light, editable)
        self.markdown = ""
        self._document: QTextDocument | None = None  # the text as drawn: made on the first paint
        self.editor: InlineText | None = None  # made on the first edit
        self.setFlag(self.GraphicsItemFlag.ItemClipsChildrenToShape)
        self.setCacheMode(self.CacheMode.DeviceCoordinateCache)
        self.setZValue(-10)  # over groups, under links and nodes
        self.sync(annotation)

    @property
    def editing(self) -> bool:
        return self.editor is not None and self.editor.editing

    def sync(self, annotation) -> None:
        resized = tuple(annotation.size) != (self.w, self.h)
        super().sync(annotation)
        if annotation.text != self.markdown:
            self.markdown = annotation.text
            self._document = None
        elif resized and self._document is not None:
            self._document.setTextWidth(self._text_width())
        if self.editor is not None:
            self.editor.setTextWidth(self._text_width())

    def _text_width(self) -> float:
        return max(self.w - 2 * _MARGIN, 10)

    def document(self) -> QTextDocument:
        """Its text read as markdown, laid out to its width."""
        if self._document is None:
            doc = self._document = QTextDocument()
            doc.setDefaultFont(_font())
            doc.setMarkdown(self.markdown)
            doc.setTextWidth(self._text_width())
        return self._document

    def shown_text(self) -> str:
        return self.document().toPlainText()

    def text_html(self) -> str:
        return self.document().toHtml()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        box = QRectF(0, 0, self.w, self.h)
        paper = QColor(self.color).lighter(165)
        painter.setPen(QPen(SELECTED, 2) if self.isSelected() else QPen(QColor(self.color).darker(130), 1))
        painter.setBrush(paper)
        painter.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
        if self.markdown and not self.editing:
            painter.save()
            painter.setClipRect(box.adjusted(1, 1, -1, -1))
            painter.translate(_MARGIN, _MARGIN - 2)
            context = QAbstractTextDocumentLayout.PaintContext()
            context.palette.setColor(QPalette.ColorRole.Text, _INK)
            context.clip = QRectF(0, 0, self.w - _MARGIN, self.h - _MARGIN)
            self.document().documentLayout().draw(painter, context)
            painter.restore()
        elif not self.markdown and not self.editing:
            painter.setPen(QColor(90, 90, 96))
            font = QFont(_font())
            font.setItalic(True)
            painter.setFont(font)
            painter.drawText(box.adjusted(_MARGIN + 4, _MARGIN, -_MARGIN, -_MARGIN),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                             PLACEHOLDER if self.editable else "")
        if self.editable:
            painter.setPen(QPen(QColor(self.color).darker(150), 1.2))
            for k in (4.0, 8.0, 12.0):
                painter.drawLine(QPointF(self.w - k, self.h - 2), QPointF(self.w - 2, self.h - k))

    def start_edit(self) -> None:
        scene = self.scene()
        if scene is None or self.annotation_id not in scene.doc.annotations:
            return
        if self.editor is None:
            self.editor = InlineText(self, multiline=True)
            self.editor.setFont(_font())
            self.editor.setDefaultTextColor(_INK)
            self.editor.setPos(_MARGIN - 4, _MARGIN - 6)  # (a text item's own margin: the text stays where it was)
            self.editor.setTextWidth(self._text_width())
        self.editor.show()
        self.editor.begin(scene.doc.annotations[self.annotation_id].text, self._written)
        self.update()

    def _written(self, text: str | None) -> None:
        self.editor.hide()
        self.update()
        scene = self.scene()
        if scene is None or self.annotation_id not in scene.doc.annotations or text is None or text == self.markdown:
            return
        scene.undo_stack.push(UpdateAnnotation(scene.doc, self.annotation_id, "Edit note", text=text))
