"""The preview dock: an image viewer (wheel zoom, drag to pan, pixel size, save) and a JSON/text viewer."""

from __future__ import annotations

import json

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (QFileDialog, QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QHBoxLayout, QLabel,
                               QPlainTextEdit, QPushButton, QSplitter, QVBoxLayout, QWidget)

from engine.values import summarize, to_json

__all__ = ["PreviewPanel"]


class ImageView(QGraphicsView):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.FastTransformation)  # see the pixels when zoomed
        self.scene().addItem(self.item)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setRenderHints(QPainter.RenderHint.SmoothPixmapTransform)

    def show_image(self, qimage: QImage) -> None:
        self.item.setPixmap(QPixmap.fromImage(qimage))
        self.scene().setSceneRect(self.item.boundingRect())
        self.fitInView(self.item, Qt.AspectRatioMode.KeepAspectRatio)

    def wheelEvent(self, event) -> None:
        factor = 1.2 ** (event.angleDelta().y() / 120)
        self.scale(factor, factor)


class PreviewPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.image_view = ImageView()
        self.info = QLabel("Run a node (Ctrl+Enter) to see its outputs here")
        self.save_button = QPushButton("Save image…")
        self.save_button.setEnabled(False)
        self.text = QPlainTextEdit(readOnly=True)
        self.image: Image.Image | None = None
        top = QHBoxLayout()
        top.addWidget(self.info, 1)
        top.addWidget(self.save_button)
        split = QSplitter()
        split.addWidget(self.image_view)
        split.addWidget(self.text)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(split)
        self.save_button.clicked.connect(self._save)

    def show_outputs(self, node_id: str, outputs: dict) -> None:
        images = [(p, v) for p, v in outputs.items() if isinstance(v, Image.Image)]
        others = {p: v for p, v in outputs.items() if not isinstance(v, Image.Image)}
        self.text.setPlainText(json.dumps(to_json(others), indent=2, ensure_ascii=False, default=str)[:200_000])
        if images:
            port, image = images[0]
            self.image = image
            rgba = image.convert("RGBA")
            self.qimage = QImage(rgba.tobytes(), rgba.width, rgba.height, QImage.Format.Format_RGBA8888).copy()
            self.image_view.show_image(self.qimage)
            self.info.setText(f"{node_id}.{port}: {image.width} × {image.height} px, {image.mode}")
            self.save_button.setEnabled(True)
        else:
            self.image = None
            self.image_view.item.setPixmap(QPixmap())
            self.info.setText(f"{node_id}: " + ", ".join(f"{k} = {summarize(v)}" for k, v in outputs.items()))
            self.save_button.setEnabled(False)

    def _save(self) -> None:
        if self.image is None:
            return
        dialog = QFileDialog(self, "Save image", "preview.png", "Images (*.png *.jpg *.webp)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(lambda path: self.image.save(path))
        self.save_dialog = dialog
        dialog.open()
