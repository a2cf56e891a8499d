"""The block palette: search box and categories; drag a block onto the canvas, or double-click it. The search
looks through titles, types, descriptions and keywords (as the add-block popup's does) and says when nothing
matches."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QMimeData, Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from ..look.icons import icon
from ..look import BLOCK_MIME, category_color
from .popup import NO_MATCH, matches, search_text, tip

__all__ = ["Palette"]


class _BlockTree(QTreeWidget):
    def mimeTypes(self) -> list[str]:
        return [BLOCK_MIME]

    def mimeData(self, items) -> QMimeData:
        md = QMimeData()
        kinds = [i.data(0, Qt.ItemDataRole.UserRole) for i in items if i.data(0, Qt.ItemDataRole.UserRole)]
        if kinds:
            md.setData(BLOCK_MIME, QByteArray(kinds[0].encode("utf-8")))
        return md


class Palette(QWidget):
    blockActivated = Signal(str)

    def __init__(self, registry, parent=None):
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search blocks…", clearButtonEnabled=True)
        self.tree = _BlockTree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QTreeWidget.DragDropMode.DragOnly)
        self.no_match = QLabel(NO_MATCH, objectName="paletteNoMatch", alignment=Qt.AlignmentFlag.AlignCenter)
        self.no_match.setEnabled(False)  # drawn in the disabled text colour: a remark, not a block
        self.no_match.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.no_match)
        layout.addWidget(self.tree)
        self.items: dict[str, QTreeWidgetItem] = {}
        self._search: dict[str, str] = {}  # block type → the text its search looks through
        categories: dict[str, QTreeWidgetItem] = {}
        for block in registry:
            d = block.describe()
            cat = categories.get(block.category)
            if cat is None:
                cat = categories[block.category] = QTreeWidgetItem(self.tree, [block.category.title()])
                cat.setFlags(Qt.ItemFlag.ItemIsEnabled)
                cat.setIcon(0, icon(f"category-{block.category}", category_color(block.category)))
            item = QTreeWidgetItem(cat, [d["title"]])
            item.setData(0, Qt.ItemDataRole.UserRole, block.type)
            item.setToolTip(0, f"{d['title']} ({block.type})\n{tip(d['description'])}")
            self.items[block.type] = item
            self._search[block.type] = search_text(d)
        for problem in registry.problems:
            bad = QTreeWidgetItem(self.tree, [f"⚠ {problem.source}"])
            bad.setToolTip(0, problem.message)
            bad.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.tree.expandAll()
        self.search.textChanged.connect(self._filter)
        self.tree.itemDoubleClicked.connect(self._activate)

    def _activate(self, item: QTreeWidgetItem) -> None:
        kind = item.data(0, Qt.ItemDataRole.UserRole)
        if kind:
            self.blockActivated.emit(kind)

    def _filter(self, text: str) -> None:
        """Blocks that match every word typed; a category with none of them hides too."""
        shown = 0
        for kind, item in self.items.items():
            item.setHidden(not matches(self._search[kind], text))
            shown += not item.isHidden()
        for i in range(self.tree.topLevelItemCount()):
            cat = self.tree.topLevelItem(i)
            if cat.childCount():
                cat.setHidden(all(cat.child(j).isHidden() for j in range(cat.childCount())))
        self.no_match.setVisible(shown == 0)

    def mime_for(self, block_type: str) -> QMimeData:
        """What dragging that block out of the palette carries."""
        return self.tree.mimeData([self.items[block_type]])
