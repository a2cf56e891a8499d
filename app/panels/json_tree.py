"""The preview dock's JSON tree: a node's outputs as keys and values, each one draggable onto an inspector field
to make that field read it (``{{ nodes.<node>.<port>.<key>… }}``, SPEC §5a; see ref_drop.py). Big values show
their first items and say how many more there are: the tree never grows without bound."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QGradient, QLinearGradient
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem

from engine.values import summarize

from .boxes import boxes_in, label_color, label_counts
from .ref_drop import ref_mime

__all__ = ["JsonTree"]

PATH = Qt.ItemDataRole.UserRole
MAX_ITEMS = 5_000     # items in the whole tree
MAX_CHILDREN = 200    # children shown under one value
FEEDING = "Nodes that feed this node"
FEEDING_TIP = "Upstream of the selected node (by links or by references its fields make): they run before it"
OTHERS = "Other nodes this node's fields may read"
HISTOGRAM = "Boxes by label"
OTHERS_TIP = ("Not linked to the selected node and not downstream of it: a field that reads one of their values "
              "makes it run first")


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return f"{{{len(value)} key{'s' * (len(value) != 1)}}}"
    if isinstance(value, (list, tuple)):
        return f"[{len(value)} item{'s' * (len(value) != 1)}]"
    return summarize(value, 200)  # (an image or bytes: their size, never their data)


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
        self.itemExpanded.connect(lambda _item: self._fit_keys())

    def _fit_keys(self) -> None:
        self.resizeColumnToContents(0)
        self.setColumnWidth(0, max(120, min(self.columnWidth(0), self.width() // 2)))

    def show_values(self, node_id: str | None, values: dict, upstream=()) -> None:
        """``values`` (by port) of node ``node_id``, then those of the nodes it may read (``upstream``: node id,
        title, values by port, whether it feeds ``node_id``): under one heading the nodes that feed it, under
        another the others (not linked to it; a field that reads one makes it a dependency). Each value dragged
        carries its reference."""
        self.clear()
        self.node_id = node_id
        self._left = MAX_ITEMS
        root = self.invisibleRootItem()
        for port, value in values.items():
            self._add(root, str(port), value, ("nodes", node_id, port) if node_id else None)
        self.expandToDepth(1)
        boxes = boxes_in(values)
        if boxes:
            self._histogram(root, boxes)
        nearest = True
        for feeds, heading, tip in ((True, FEEDING, FEEDING_TIP), (False, OTHERS, OTHERS_TIP)):
            members = [(nid, title, outputs) for nid, title, outputs, feeding in upstream if feeding is feeds]
            if not members:
                continue
            group = QTreeWidgetItem(root, [heading])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setFirstColumnSpanned(True)
            group.setToolTip(0, tip)
            group.setExpanded(True)
            for nid, title, outputs in members:
                head = QTreeWidgetItem(group, [f"↑ {title}" if feeds else title, "upstream" if feeds else "not linked"])
                head.setFlags(Qt.ItemFlag.ItemIsEnabled)
                head.setToolTip(0, f"node id: {nid} — drag its values onto a field of the selected node")
                for port, value in outputs.items():
                    self._add(head, str(port), value, ("nodes", nid, port))
                if nearest:  # the nearest: open, with its ports
                    nearest = False
                    head.setExpanded(True)
                    for i in range(head.childCount()):
                        head.child(i).setExpanded(True)
        self._fit_keys()

    def _histogram(self, root: QTreeWidgetItem, boxes: list[dict]) -> None:
        """How many boxes of each label, with a bar each (the most first)."""
        counts = label_counts(boxes)
        head = QTreeWidgetItem(root, [HISTOGRAM, f"{len(counts)} label{'s' * (len(counts) != 1)}"])
        head.setFlags(Qt.ItemFlag.ItemIsEnabled)
        head.setToolTip(0, "How many boxes were found of each label")
        most = counts[0][1] if counts else 1
        for label, n in counts[:MAX_CHILDREN]:
            item = QTreeWidgetItem(head, [label or "(no label)", str(n)])
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            share = max(0.02, n / most)  # a bar behind the count: its length the share of the most found label
            bar = QLinearGradient(0, 0, 1, 0)
            bar.setCoordinateMode(QGradient.CoordinateMode.ObjectBoundingMode)
            color = label_color(label)
            color.setAlpha(150)
            bar.setColorAt(0, color)
            bar.setColorAt(share, color)
            bar.setColorAt(min(1.0, share + 0.001), QColor(0, 0, 0, 0))
            item.setBackground(1, QBrush(bar))
        head.setExpanded(True)

    def _add(self, parent: QTreeWidgetItem, key: str, value: Any, path: tuple | None) -> None:
        if self._left <= 0:
            return
        self._left -= 1
        item = QTreeWidgetItem(parent, [key, _shown(value)])
        item.setData(0, PATH, list(path) if path else None)
        item.setToolTip(1, _shown(value) if isinstance(value, (dict, list, tuple)) else summarize(value, 2000))
        if path is None:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDragEnabled)
        children = (value.items() if isinstance(value, dict)
                    else enumerate(value) if isinstance(value, (list, tuple)) else ())
        for n, (k, v) in enumerate(children):
            if n == MAX_CHILDREN or self._left <= 0:
                more = len(value) - n
                QTreeWidgetItem(item, [f"… {more} more", ""]).setFlags(Qt.ItemFlag.ItemIsEnabled)
                break
            self._add(item, f"[{k}]" if isinstance(value, (list, tuple)) else str(k), v,
                      (*path, k if isinstance(k, int) else str(k)) if path else None)

    def path_of(self, item: QTreeWidgetItem) -> tuple | None:
        """The reference parts of an item: ("nodes", node, port, key…), or None (a heading, a "more" line)."""
        path = item.data(0, PATH)
        return tuple(path) if path else None

    def mimeTypes(self) -> list[str]:
        from .ref_drop import MIME

        return [MIME, "text/plain"]

    def mimeData(self, items):
        parts = self.path_of(items[0]) if items else None
        return ref_mime(parts) if parts else None
