"""The preview dock: an image viewer (fit to the dock and refit as it resizes until the wheel zooms; drag to
pan; pixel size; save; double-click opens the picture in the viewer window) and the other values, shown only when there are some: as a tree whose values can be dragged
onto inspector fields (json_tree.py), or as JSON text to read and copy."""

from __future__ import annotations

import json

from PIL import Image
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (QComboBox, QFileDialog, QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QHBoxLayout,
                               QLabel, QPlainTextEdit, QPushButton, QSplitter, QStackedWidget, QVBoxLayout, QWidget)

from engine.values import summarize, to_json

from .boxes import BoxOverlay, boxes_in
from .image_canvas import display_qimage
from .json_tree import JsonTree

__all__ = ["PreviewPanel", "preview_qimage"]


def preview_qimage(image: Image.Image) -> QImage:
    """The picture as the preview shows it, in a format that paints fast: made in a worker thread for a picture
    that arrives while the user types (live preview), so the GUI thread only turns it into a pixmap (at no cost)."""
    return display_qimage(image)


class ImageView(QGraphicsView):
    activated = Signal()  # double-clicked: open the picture in the viewer

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.FastTransformation)  # see the pixels when zoomed
        self.scene().addItem(self.item)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setRenderHints(QPainter.RenderHint.SmoothPixmapTransform)
        self.fitting = True  # follows the dock's size until the user zooms

    def show_image(self, qimage: QImage) -> None:
        self.item.setPixmap(QPixmap.fromImage(qimage))
        self.scene().setSceneRect(self.item.boundingRect())
        self.fitting = True
        self.fit()

    def fit(self) -> None:
        if not self.item.pixmap().isNull():
            self.fitInView(self.item, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.fitting:
            self.fit()

    def mouseDoubleClickEvent(self, event) -> None:
        self.fitting = True  # double-click: back to fitting the dock, and the picture in the viewer
        self.fit()
        if not self.item.pixmap().isNull():
            self.activated.emit()

    def wheelEvent(self, event) -> None:
        factor = 1.2 ** (event.angleDelta().y() / 120)
        self.fitting = False
        self.scale(factor, factor)


class PreviewPanel(QWidget):
    EMPTY = "Run a node (Ctrl+Enter), or select one that has run, to see its outputs here"
    GIVEN = "image (given)"  # the picture a detector was given, under its boxes
    imageShown = Signal()  # a picture was put on screen

    def __init__(self, parent=None):
        super().__init__(parent)
        self.image_view = ImageView()
        self.image_view.setToolTip("Double-click to open it in the viewer: 1:1, pixel values, before/after")
        self.info = QLabel(self.EMPTY)
        self.info.setWordWrap(True)
        self.save_button = QPushButton("Save image…")
        self.save_button.setEnabled(False)
        self.overlay = BoxOverlay(self.image_view.item)  # a detector's boxes over the picture
        self.boxes_button = QPushButton("Boxes", checkable=True, checked=True, objectName="previewBoxes")
        self.boxes_button.setToolTip("Show the boxes found over the picture (the picture itself is not changed)")
        self.boxes_button.toggled.connect(self.overlay.setVisible)
        self.text = QPlainTextEdit(readOnly=True)
        self.tree = JsonTree()
        self.values = QStackedWidget()  # the tree, or the same values as JSON text
        self.values.addWidget(self.tree)
        self.values.addWidget(self.text)
        self.as_text = QPushButton("JSON", checkable=True, objectName="previewAsText")
        self.as_text.setToolTip("Show the values as JSON text (to read or copy) instead of a tree")
        self.as_text.toggled.connect(self._text_or_tree)
        self.others: dict = {}
        self.image: Image.Image | None = None
        self.images: dict[str, Image.Image] = {}  # the shown node's image outputs, by port
        self.prepared: dict[str, QImage] = {}     # of those, the ones made into QImages already (off the GUI thread)
        self.title = ""
        self.port = QComboBox(objectName="previewPort")  # which image output to show, when there are several
        self.port.setToolTip("The node's image output shown")
        self.port.currentTextChanged.connect(self._show_port)
        top = QHBoxLayout()
        top.addWidget(self.info, 1)
        top.addWidget(self.port)
        top.addWidget(self.boxes_button)
        top.addWidget(self.as_text)
        top.addWidget(self.save_button)
        self.split = QSplitter()
        self.split.addWidget(self.image_view)
        self.split.addWidget(self.values)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.split, 1)
        self.save_button.clicked.connect(self._save)
        self.clear()

    def clear(self) -> None:
        self.image = None
        self.images = {}
        self.prepared = {}
        self._ports([])
        self.overlay.show_boxes([])
        self.found_boxes: list | None = None
        self.boxes_button.hide()
        self.image_view.item.setPixmap(QPixmap())
        self.image_view.hide()
        self.text.clear()
        self.others = {}
        self.tree.show_values(None, {})
        self.values.hide()
        self.as_text.hide()
        self.info.setText(self.EMPTY)
        self.info.setToolTip("")
        self.save_button.setEnabled(False)

    def show_outputs(self, title: str, outputs: dict, *, node_id: str | None = None, upstream=(),
                     ran: bool = True, prepared: dict[str, QImage] | None = None,
                     given: Image.Image | None = None, failed: str | None = None) -> None:
        """``outputs`` of the node called ``title`` (its label; the id is in the tooltip): the first image fills
        the dock; the other values show beside it, or alone, or not at all — followed in the tree by the values
        of the nodes it may read (``upstream``: node id, title, outputs), to drag onto its fields. ``prepared``:
        images of ``outputs`` made into QImages already (:func:`preview_qimage`), by port. Boxes among the
        outputs (a detector's) are drawn over the picture: the node's own, else ``given``, the picture it was
        given (shown as its port ``image (given)``). ``failed``: the node's last run failed, with this error."""
        images = [(p, v) for p, v in outputs.items() if isinstance(v, Image.Image)]
        boxes = boxes_in(outputs)
        if boxes is not None and not images and isinstance(given, Image.Image):
            images = [(self.GIVEN, given)]
        self.prepared = dict(prepared or {})
        shown_port = self.port.currentText() if self.title == title else ""
        self.title = title
        self.images = dict(images)
        others = {p: v for p, v in outputs.items()  # (an unused error port says nothing)
                  if not isinstance(v, Image.Image) and not (p == "error" and v is None)}
        self.others = others
        self.text.clear()
        if self.as_text.isChecked():
            self._fill_text()
        self.tree.show_values(node_id, others, upstream)
        self.values.setVisible(bool(others or upstream))
        self.as_text.setVisible(bool(others))
        self.image_view.setVisible(bool(images))
        self.info.setToolTip(f"node id: {node_id}" if node_id else "")
        self._ports([p for p, _ in images], shown_port)
        self.overlay.show_boxes(boxes or [])
        self.found_boxes = boxes  # (None: the node finds no boxes; []: it found none)
        self.boxes_button.setVisible(bool(boxes) and bool(images))
        if images:
            self._show_port(self.port.currentText() or images[0][0])
            if others:  # the picture gets most of the room
                self.split.setSizes([3 * max(self.split.width(), 4) // 4, max(self.split.width(), 4) // 4])
        else:
            self.image = None
            self.image_view.item.setPixmap(QPixmap())
            self.info.setText(f"{title}: " + (", ".join(f"{k} = {summarize(v)}" for k, v in others.items())
                                              or (f"failed: {failed}" if failed is not None
                                                  else "no outputs" if ran else "not run yet")))
            if upstream and not others and failed is None:
                self.info.setText(self.info.text() + " · drag a value of another node onto a field to use it")
            self.save_button.setEnabled(False)

    def _ports(self, ports: list[str], keep: str = "") -> None:
        """The image ports to choose from (shown only when there are several); ``keep`` stays chosen if there."""
        self.port.blockSignals(True)
        self.port.clear()
        self.port.addItems(ports)
        if keep in ports:
            self.port.setCurrentText(keep)
        self.port.blockSignals(False)
        self.port.setVisible(len(ports) > 1)

    def _show_port(self, port: str) -> None:
        """One of the node's image outputs in the viewer (the threshold's image or its mask, say)."""
        image = self.images.get(port)
        if image is None:
            return
        self.image = image
        ready = self.prepared.get(port)
        self.qimage = ready if ready is not None else preview_qimage(image)
        self.image_view.show_image(self.qimage)
        found = self.found_boxes
        self.info.setText(f"{self.title} · {port}: {image.width} × {image.height} px, {image.mode}"
                          + (f" · {len(found)} box{'es' * (len(found) != 1)}" if found is not None else ""))
        self.save_button.setEnabled(True)
        self.imageShown.emit()

    def _text_or_tree(self, text: bool) -> None:
        if text:
            self._fill_text()
        self.values.setCurrentWidget(self.text if text else self.tree)

    def _fill_text(self) -> None:
        """The values as JSON text, made only when asked for (images become base64 PNG: not on every show)."""
        if not self.text.toPlainText() and self.others:
            self.text.setPlainText(json.dumps(to_json(self.others), indent=2, ensure_ascii=False,
                                              default=str)[:200_000])

    def _save(self) -> None:
        if self.image is None:
            return
        dialog = QFileDialog(self, "Save image", "preview.png", "Images (*.png *.jpg *.webp)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(lambda path: self.image.save(path))
        self.save_dialog = dialog
        dialog.open()
