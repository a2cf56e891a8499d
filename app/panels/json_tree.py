"""The preview dock's JSON tree: a node's outputs as keys and values, each one draggable onto an inspector field
to make that field read it (``{{ nodes.<node>.<port>.<key>… }}``, SPEC §5a; see ref_drop.py). Big values show
their first items and say how many more there are: the tree never grows without bound."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem

from engine.values import summarize

from .ref_drop import ref_mime

__all__ = ["JsonTree"]

PATH = Qt.ItemDataRole.UserRole
MAX_ITEMS = 5_000     # items in the whole tree
MAX_CHILDREN = 200    # children shown under one value


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return f"{{{len(value)} key{'s' * (len(value) != 1)}}}"
    if isinstance(value, list):
        return f"[{len(value)} item{'s' * (len(value) != 1)}]"
    return summarize(value, 200)


class JsonTree(QTreeWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("jsonTree")
        self.setColumnCount(2)
        self.setHeaderLabels(["Key", "Value"])
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setToolTip("Drag a value onto a field of the inspector to make the field read it")
        self.node_id: str | None = None
        self._left = 0

    def show_values(self, node_id: str | None, values: dict) -> None:
        """``values`` (JSON-ready, by port) of node ``node_id``; without a node id nothing can be dragged."""
        self.clear()
        self.node_id = node_id
        self._left = MAX_ITEMS
        for port, value in values.items():
            self._add(self.invisibleRootItem(), str(port), value, (port,))
        self.expandToDepth(1)
        self.resizeColumnToContents(0)

    def _add(self, parent: QTreeWidgetItem, key: str, value: Any, path: tuple) -> None:
        if self._left <= 0:
            return
        self._left -= 1
        item = QTreeWidgetItem(parent, [key, _shown(value)])
        item.setData(0, PATH, list(path))
        item.setToolTip(1, _shown(value) if isinstance(value, (dict, list)) else summarize(value, 2000))
        if self.node_id is None:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDragEnabled)
        children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for n, (k, v) in enumerate(children):
            if n == MAX_CHILDREN or self._left <= 0:
                more = len(value) - n
                QTreeWidgetItem(item, [f"… {more} more", ""]).setFlags(Qt.ItemFlag.ItemIsEnabled)
                break
            self._add(item, f"[{k}]" if isinstance(value, list) else str(k), v, (*path, k))

    def path_of(self, item: QTreeWidgetItem) -> tuple | None:
        """The reference parts of an item: ("nodes", node, port, key…), or None (a "more" line, no node)."""
        path = item.data(0, PATH)
        return ("nodes", self.node_id, *path) if path and self.node_id else None

    def mimeTypes(self) -> list[str]:
        from .ref_drop import MIME

        return [MIME, "text/plain"]

    def mimeData(self, items):
        parts = self.path_of(items[0]) if items else None
        return ref_mime(parts) if parts else None
