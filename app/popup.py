"""The searchable "add block" popup (Tab or double-click on the canvas)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

__all__ = ["AddBlockPopup"]


class AddBlockPopup(QWidget):
    chosen = Signal(str, QPointF)

    def __init__(self, registry, parent=None):
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("addBlockPopup")
        self.search = QLineEdit(placeholderText="Add block…")
        self.list = QListWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        for block in registry:
            item = QListWidgetItem(f"{block.type}   ({block.category})")
            item.setData(Qt.ItemDataRole.UserRole, block.type)
            self.list.addItem(item)
        self.scene_pos = QPointF()
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._choose_current)
        self.list.itemActivated.connect(self._choose)
        self.resize(260, 320)

    def show_at(self, global_pos, scene_pos: QPointF) -> None:
        self.scene_pos = scene_pos
        self.search.clear()
        self.move(global_pos)
        self.show()
        self.search.setFocus()

    def _filter(self, text: str) -> None:
        first = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            hidden = text.lower() not in item.text().lower()
            item.setHidden(hidden)
            if not hidden and first is None:
                first = item
        if first is not None:
            self.list.setCurrentItem(first)

    def _choose_current(self) -> None:
        if self.list.currentItem() is not None:
            self._choose(self.list.currentItem())

    def _choose(self, item: QListWidgetItem) -> None:
        self.hide()
        self.chosen.emit(item.data(Qt.ItemDataRole.UserRole), self.scene_pos)
