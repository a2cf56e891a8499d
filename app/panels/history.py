"""The version history of the workflow in the current tab: open, compare on the canvas, restore."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)

__all__ = ["HistoryPanel"]


class HistoryPanel(QWidget):
    openRequested = Signal(str, int)              # workflow id, version
    compareRequested = Signal(str, int, int)      # workflow id, a, b
    restoreRequested = Signal(str, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.workflow_id: str | None = None
        self.list = QListWidget()
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.details = QPlainTextEdit(readOnly=True)
        self.details.setMaximumHeight(140)
        self.open_button = QPushButton("Open")
        self.compare_button = QPushButton("Compare")
        self.restore_button = QPushButton("Restore")
        buttons = QHBoxLayout()
        for b in (self.open_button, self.compare_button, self.restore_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.caption = QLabel("No stored workflow in this tab")
        layout.addWidget(self.caption)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(self.details)
        self.open_button.clicked.connect(self._open)
        self.compare_button.clicked.connect(self._compare)
        self.restore_button.clicked.connect(self._restore)
        self.list.itemSelectionChanged.connect(self._buttons)
        self._buttons()

    def show_versions(self, workflow_id: str | None, name: str, versions) -> None:
        self.workflow_id = workflow_id
        self.list.clear()
        self.caption.setText(f"Versions of {name}" if workflow_id else "Save the workflow to start its history")
        for v in reversed(versions):
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(v.created_at))
            text = f"v{v.number}  {when}" + (f"  [{v.tag}]" if v.tag else "") + (f"  {v.message}" if v.message else "")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, v.number)
            self.list.addItem(item)
        self._buttons()

    def selected(self) -> list[int]:
        return sorted(i.data(Qt.ItemDataRole.UserRole) for i in self.list.selectedItems())

    def _buttons(self) -> None:
        n = len(self.selected())
        self.open_button.setEnabled(n == 1)
        self.restore_button.setEnabled(n == 1)
        self.compare_button.setEnabled(n == 2)

    def _open(self) -> None:
        if self.workflow_id and len(self.selected()) == 1:
            self.openRequested.emit(self.workflow_id, self.selected()[0])

    def _compare(self) -> None:
        if self.workflow_id and len(self.selected()) == 2:
            a, b = self.selected()
            self.compareRequested.emit(self.workflow_id, a, b)

    def _restore(self) -> None:
        if self.workflow_id and len(self.selected()) == 1:
            self.restoreRequested.emit(self.workflow_id, self.selected()[0])

    def show_diff(self, a: int, b: int, diff, old=None, new=None) -> None:
        """What changed from version a to b, naming nodes by their labels (the ids are in the tooltip) and
        links by the nodes they join."""
        nodes = {n.id: n for n in (old.nodes if old else [])} | {n.id: n for n in (new.nodes if new else [])}
        edges = {e.id: e for e in (old.edges if old else [])} | {e.id: e for e in (new.edges if new else [])}

        def name(nid: str) -> str:
            node = nodes.get(nid)
            return (node.label or nid) if node is not None else nid

        def link(eid: str) -> str:
            e = edges.get(eid)
            return f"{name(e.source)}.{e.source_port} → {name(e.target)}.{e.target_port}" if e else eid

        lines = [f"v{a} → v{b}"]
        lines += [f"+ {name(n)}" for n in diff.nodes_added] + [f"− {name(n)}" for n in diff.nodes_removed]
        for change in diff.nodes_changed:
            lines.append(f"~ {name(change.node_id)}")
            lines += [f"    {c.key}: {c.old!r} → {c.new!r}" for c in change.config]
            if change.settings:
                lines.append("    settings changed")
            if change.type:
                lines.append(f"    type: {change.type[0]} → {change.type[1]}")
        lines += [f"↔ {name(n)} moved" for n in diff.nodes_moved]
        lines += [f"+ link {link(e)}" for e in diff.edges_added] + [f"− link {link(e)}" for e in diff.edges_removed]
        self.details.setPlainText("\n".join(lines))
        named = sorted((name(n), n) for n in nodes if name(n) != n)
        self.details.setToolTip("\n".join(f"{label} = node id {nid}" for label, nid in named))
