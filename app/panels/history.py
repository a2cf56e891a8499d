"""The version history of the workflow in the current tab: open, compare on the canvas, restore.

Each version is listed with its message and a one-line summary of what it changed against the version before
it; the summaries are handed in (worked out off the GUI thread by the window) and may arrive after the list.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)

__all__ = ["HistoryPanel"]

NUMBER = Qt.ItemDataRole.UserRole      # an item's version number
HEAD = Qt.ItemDataRole.UserRole + 1    # its first line: number, time, tag, message
PENDING = "…"


class HistoryPanel(QWidget):
    openRequested = Signal(str, int)              # workflow id, version
    compareRequested = Signal(str, int, int)      # workflow id, a, b
    restoreRequested = Signal(str, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.workflow_id: str | None = None
        self.list = QListWidget()
        self.list.setObjectName("historyList")
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.setToolTip("Click a version to open or restore it; Ctrl+click a second one to compare the two")
        self.details = QPlainTextEdit(readOnly=True)
        self.details.setObjectName("historyDetails")
        self.details.setMaximumHeight(140)
        self.open_button = QPushButton("Open")
        self.compare_button = QPushButton("Compare")
        self.restore_button = QPushButton("Restore")
        for button, name in ((self.open_button, "openVersion"), (self.compare_button, "compareVersions"),
                             (self.restore_button, "restoreVersion")):
            button.setObjectName(name)
        self.hint = QLabel()
        self.hint.setObjectName("historyHint")
        self.hint.setWordWrap(True)
        # room for two lines kept always: the buttons above stay where they are whatever the hint says
        self.hint.setMinimumHeight(2 * self.hint.fontMetrics().lineSpacing() + 4)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        buttons = QHBoxLayout()
        for b in (self.open_button, self.compare_button, self.restore_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.caption = QLabel("No stored workflow in this tab")
        layout.addWidget(self.caption)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(self.hint)
        layout.addWidget(self.details)
        self.open_button.clicked.connect(self._open)
        self.compare_button.clicked.connect(self._compare)
        self.restore_button.clicked.connect(self._restore)
        self.list.itemSelectionChanged.connect(self._buttons)
        self._buttons()

    def show_versions(self, workflow_id: str | None, name: str, versions, summaries: dict[int, str] | None = None) -> None:
        """List ``versions`` (newest first) with the change summaries known so far (the rest say "…")."""
        kept = set(self.selected()) if workflow_id == self.workflow_id else set()  # (the same history again)
        if workflow_id != self.workflow_id:  # another workflow's history: nothing of the last one's diff stays
            self.clear_details()
        self.workflow_id = workflow_id
        self.list.blockSignals(True)
        self.list.clear()
        self.caption.setText(f"Versions of {name}" if workflow_id else "Save the workflow to start its history")
        for v in reversed(versions):
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(v.created_at))
            head = f"v{v.number}  {when}" + (f"  [{v.tag}]" if v.tag else "") + (f"  {v.message}" if v.message else "")
            item = QListWidgetItem()
            item.setData(NUMBER, v.number)
            item.setData(HEAD, head)
            self._set_summary(item, (summaries or {}).get(v.number, PENDING))
            self.list.addItem(item)
            item.setSelected(v.number in kept)
        self.list.blockSignals(False)
        self._buttons()

    def set_summaries(self, workflow_id: str, summaries: dict[int, str]) -> None:
        """Fill in summaries worked out since the list was shown (ignored if another workflow is shown now)."""
        if workflow_id != self.workflow_id:
            return
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(NUMBER) in summaries:
                self._set_summary(item, summaries[item.data(NUMBER)])

    @staticmethod
    def _set_summary(item: QListWidgetItem, summary: str) -> None:
        item.setText(f"{item.data(HEAD)}\n    {summary}")
        item.setToolTip(summary if summary != PENDING else "")

    def selected(self) -> list[int]:
        return sorted(i.data(NUMBER) for i in self.list.selectedItems())

    def _buttons(self) -> None:
        chosen = self.selected()
        self.open_button.setEnabled(len(chosen) == 1)
        self.restore_button.setEnabled(len(chosen) == 1)
        # Compare stays enabled while there is a history: pressed with the wrong selection, it says what to do
        self.compare_button.setEnabled(self.workflow_id is not None and self.list.count() > 0)
        if not self.workflow_id or not self.list.count():
            self._say("", urgent=False)
        elif self.list.count() == 1:
            self._say("Click the version to open or restore it; save a change to have two to compare.",
                      urgent=False)
        elif len(chosen) == 1:
            self._say(f"Ctrl+click a second version to compare it with v{chosen[0]}.", urgent=False)
        elif len(chosen) == 2:
            self._say(f"Press Compare to see what changed from v{chosen[0]} to v{chosen[1]}.", urgent=False)
        elif len(chosen) > 2:
            self._say("Select just two versions to compare them.", urgent=False)
        else:
            self._say("Click a version to open or restore it; Ctrl+click a second one to compare the two.",
                      urgent=False)

    def _say(self, text: str, urgent: bool = True) -> None:
        self.hint.setText(text)
        self.hint.setForegroundRole(QPalette.ColorRole.WindowText if urgent else QPalette.ColorRole.PlaceholderText)
        font = self.hint.font()
        font.setBold(urgent)
        self.hint.setFont(font)

    def _open(self) -> None:
        if self.workflow_id and len(self.selected()) == 1:
            self.openRequested.emit(self.workflow_id, self.selected()[0])

    def _compare(self) -> None:
        chosen = self.selected()
        if not self.workflow_id:
            return
        if len(chosen) == 2:
            self.compareRequested.emit(self.workflow_id, *chosen)
        elif self.list.count() < 2:
            self._say("This workflow has only one version: save a change to have two to compare.")
        elif len(chosen) == 1:
            self._say(f"Pick a second version to compare with v{chosen[0]}: Ctrl+click it in the list, then "
                      "press Compare.")
        elif not chosen:
            self._say("Pick two versions to compare: click one, Ctrl+click the other, then press Compare.")
        else:
            self._say(f"Pick exactly two versions to compare ({len(chosen)} are selected).")

    def _restore(self) -> None:
        if self.workflow_id and len(self.selected()) == 1:
            self.restoreRequested.emit(self.workflow_id, self.selected()[0])

    def clear_details(self) -> None:
        self.details.clear()
        self.details.setToolTip("")

    def show_diff(self, a: int, b: int, diff, old=None, new=None, registry=None) -> None:
        """What changed from version a to b, naming nodes by their labels (the ids are in the tooltip) and
        links by the nodes they join — each as it is in the version that has it, taken from the diff itself
        (an edge id may name another link in the other version). A config key one version leaves out is named by
        its block's default (from ``registry``). What is layout (moved and renamed nodes, groups and notes) comes
        last, under "Layout"."""
        in_old = {n.id: n for n in (old.nodes if old else [])}
        in_new = {n.id: n for n in (new.nodes if new else [])}
        nodes = in_old | in_new
        notes = {x.id: x for x in (old.annotations if old else [])} | {x.id: x for x in (new.annotations if new else [])}

        def name(nid: str, where: dict | None = None) -> str:
            node = (where or nodes).get(nid) or nodes.get(nid)
            return (node.label or nid) if node is not None else nid

        def link(e, where: dict) -> str:
            return f"{name(e.source, where)}.{e.source_port} → {name(e.target, where)}.{e.target_port}"

        def defaults(nid: str) -> dict:
            cls = registry.get(nodes[nid].type) if registry is not None and nid in nodes else None
            return cls.config_defaults() if cls is not None else {}

        def note(aid: str) -> str:
            x = notes.get(aid)
            return aid if x is None else f"{x.kind} {x.title!r}" if x.title else f"{x.kind} {aid}"

        lines = [f"v{a} → v{b}: {diff.summary()}"]
        lines += [f"+ {name(n)}" for n in diff.nodes_added] + [f"− {name(n, in_old)}" for n in diff.nodes_removed]
        for change in diff.nodes_changed:
            lines.append(f"~ {name(change.node_id)}")
            known = defaults(change.node_id) if change.config else {}
            lines += [f"    {c.said(known)}" for c in change.config]
            if change.settings:
                lines.append("    settings changed")
            if change.type:
                lines.append(f"    type: {change.type[0]} → {change.type[1]}")
            if change.bypass:
                lines.append("    bypassed" if change.bypass[1] else "    no longer bypassed")
        lines += [f"+ link {link(e, in_new)}" for e in diff.edges_added]
        lines += [f"− link {link(e, in_old)}" for e in diff.edges_removed]
        layout = [f"↔ {name(n)} moved" for n in diff.nodes_moved]
        layout += [f"✎ {r.old or r.node_id} renamed {r.new or r.node_id}" for r in diff.nodes_renamed]
        layout += [f"+ {note(x)}" for x in diff.annotations_added] + [f"− {note(x)}" for x in diff.annotations_removed]
        layout += [f"~ {note(c.id)}: {c.said()}" for c in diff.annotation_changes]
        if layout:
            lines += ["Layout", *layout]
        self.details.setPlainText("\n".join(lines))
        named = sorted((name(n), n) for n in nodes if name(n) != n)
        self.details.setToolTip("\n".join(f"{label} = node id {nid}" for label, nid in named))
