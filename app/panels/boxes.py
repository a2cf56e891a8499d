"""Detections in the preview (SPEC §4's boxes: ``left, top, right, bottom`` in the picture's pixels, ``label``,
``score``): found among a node's outputs, drawn over the picture as an overlay that can be switched off (the
pixels are never changed: ``image_draw_boxes`` is the block that draws them into a picture), and counted by label
for the preview tree's histogram."""

from __future__ import annotations

import zlib
from collections import Counter
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsItemGroup, QGraphicsRectItem, QGraphicsSimpleTextItem

__all__ = ["boxes_in", "label_counts", "label_color", "BoxOverlay", "MAX_DRAWN"]

MAX_DRAWN = 500  # boxes drawn over one picture (the rest are counted, not drawn)
_SIDES = ("left", "top", "right", "bottom")
_COLORS = ("#ffd33d", "#56d364", "#58a6ff", "#f778ba", "#ff7b72", "#a5d6ff", "#d2a8ff", "#ffa657")


def _is_box(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(value.get(k), (int, float)) for k in _SIDES)


def boxes_in(outputs: dict) -> list[dict] | None:
    """The boxes among a node's outputs: its ``boxes`` output when that is a list of boxes (empty too: a detector
    that found nothing), else the first other output that is a non-empty list of boxes; None when there are none."""
    found = outputs.get("boxes")
    if isinstance(found, (list, tuple)) and all(_is_box(b) for b in found[:MAX_DRAWN]):
        return list(found)
    for value in outputs.values():
        if isinstance(value, (list, tuple)) and value and all(_is_box(b) for b in value[:MAX_DRAWN]):
            return list(value)
    return None


def label_color(label: str) -> QColor:
    """A label's colour: the same label has the same colour in every picture (filtering leaves it alone)."""
    return QColor(_COLORS[zlib.crc32(label.encode("utf-8")) % len(_COLORS)])


def _score(box: dict) -> float:
    score = box.get("score")
    return float(score) if isinstance(score, (int, float)) else 0.0


def label_counts(boxes: list[dict]) -> list[tuple[str, int]]:
    """How many boxes of each label, the most first (ties by label)."""
    counts = Counter(str(b.get("label", "")) for b in boxes if isinstance(b, dict))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


class BoxOverlay(QGraphicsItemGroup):
    """The boxes over a picture item (a child of it: they scale and pan with the picture), each with its label
    and score in a tag that keeps its size on screen at any zoom."""

    def __init__(self, parent: QGraphicsItem):
        super().__init__(parent)
        self.boxes: list[dict] = []
        self.rects: list[QGraphicsRectItem] = []  # a box each (the tags are not among them)

    def show_boxes(self, boxes: list[dict]) -> None:
        for child in self.childItems():
            self.removeFromGroup(child)
            if child.scene() is not None:
                child.scene().removeItem(child)
        self.boxes = list(boxes)
        self.rects = []
        anchors: list[tuple[float, float]] = []  # tags placed: one near another goes under it
        size = self.parentItem().boundingRect()
        near = max(4.0, 0.04 * max(size.width(), size.height()))
        for box in sorted(self.boxes[:MAX_DRAWN], key=_score, reverse=True):  # (the surest tag first, on top)
            x0, y0, x1, y1 = (float(box[k]) for k in _SIDES)
            color = label_color(str(box.get("label", "")))
            rect = QGraphicsRectItem(QRectF(x0, y0, max(x1 - x0, 0.0), max(y1 - y0, 0.0)))
            pen = QPen(color, 2)
            pen.setCosmetic(True)  # two pixels on screen whatever the zoom
            rect.setPen(pen)
            self.addToGroup(rect)
            self.rects.append(rect)
            score = box.get("score")
            text = str(box.get("label", "")) + (f" {score:.2f}" if isinstance(score, (int, float)) else "")
            if text.strip():
                tag = QGraphicsSimpleTextItem(text.strip()[:60])
                tag.setBrush(QBrush(QColor("#0d1117")))
                tag.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
                back = QGraphicsRectItem(tag.boundingRect().adjusted(-2, -1, 2, 1))
                back.setBrush(color)
                back.setPen(QPen(Qt.PenStyle.NoPen))
                back.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
                # a box in the right half hangs its tag from its right side, leftwards: it stays over the picture
                right = (x0 + x1) / 2 > size.width() / 2
                back.setPos(x1 if right else x0, y0)
                below = sum(abs(x - x0) <= near and abs(y - y0) <= near for x, y in anchors)
                anchors.append((x0, y0))
                back.setZValue(-below)
                back.setTransform(QTransform.fromTranslate(-back.rect().right() if right else 0,
                                                           below * (back.rect().height() + 3)))  # (screen pixels)
                tag.setParentItem(back)
                self.addToGroup(back)
