"""The searchable "add block" popup (Tab, double-click or right-click on the canvas): the palette's titles,
with the category beside them; the search matches the title and the block's type."""

from __future__ import annotations

import re

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

__all__ = ["AddBlockPopup", "plain"]


def plain(text: str) -> str:
    """A block's description as readable text: no ``code`` or *emphasis* markers."""
    return re.sub(r"\*\*?([^*]+)\*\*?", r"\1", text.replace("``", "").replace("`", ""))


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
            d = block.describe()
            item = QListWidgetItem(f"{d['title']}   ·  {block.category}")
            item.setData(Qt.ItemDataRole.UserRole, block.type)
            item.setData(Qt.ItemDataRole.UserRole + 1, f"{d['title']} {block.type} {block.category}".lower())
            item.setToolTip(plain(d["description"]))
            self.list.addItem(item)
        self.scene_pos = QPointF()
        self.on_chosen = None
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._choose_current)
        self.list.itemActivated.connect(self._choose)
        self.resize(260, 320)

    def show_at(self, global_pos, scene_pos: QPointF, on_chosen=None) -> None:
        """Open at ``global_pos``; the block chosen is added at ``scene_pos`` (``chosen``), or given to
        ``on_chosen(type, scene_pos)`` instead (inserting into a link)."""
        self.scene_pos = scene_pos
        self.on_chosen = on_chosen
        self.search.clear()
        self.move(global_pos)
        self.show()
        self.search.setFocus()

    def _filter(self, text: str) -> None:
        first = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            hidden = text.strip().lower() not in item.data(Qt.ItemDataRole.UserRole + 1)
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
        kind, on_chosen, self.on_chosen = item.data(Qt.ItemDataRole.UserRole), self.on_chosen, None
        if on_chosen is not None:
            on_chosen(kind, self.scene_pos)
        else:
            self.chosen.emit(kind, self.scene_pos)
