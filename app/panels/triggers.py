"""The Triggers dock (SPEC §8, issue 15): the open workflow's schedules, folder watches and webhook — each with
whether it is on, when it fires next, when it last fired, how many runs it started and its last error. Add,
edit, switch on or off, delete; the window does the storing (app/window/triggers.py)."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from engine.runs.triggers import describe

__all__ = ["TriggersPanel"]

TRIGGER_ID = Qt.ItemDataRole.UserRole
COLUMNS = ["On", "Kind", "What", "Next", "Last fired", "Runs", "Last error"]


def _when(ts) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else "—"


class TriggersPanel(QWidget):
    addRequested = Signal(str)             # kind: "schedule" | "folder" | "webhook"
    editRequested = Signal(str)            # trigger id
    deleteRequested = Signal(str)
    enableRequested = Signal(str, bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = QLabel(objectName="triggersTitle", wordWrap=True)
        self.list = QTreeWidget(objectName="triggersList")
        self.list.setHeaderLabels(COLUMNS)
        self.list.setRootIsDecorated(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setColumnWidth(0, 40)
        self.list.setColumnWidth(2, 320)
        for column in (3, 4):
            self.list.setColumnWidth(column, 130)
        self.list.itemChanged.connect(self._checked)
        self.list.itemDoubleClicked.connect(lambda item, _c: self.editRequested.emit(item.data(0, TRIGGER_ID)))
        self.list.itemSelectionChanged.connect(self._selected)
        buttons = QHBoxLayout()
        self.add_schedule = QPushButton("Add schedule…", objectName="addSchedule")
        self.add_folder = QPushButton("Add folder watch…", objectName="addFolderWatch")
        self.add_webhook = QPushButton("Webhook…", objectName="addWebhook")
        self.edit = QPushButton("Edit…", objectName="editTrigger")
        self.delete = QPushButton("Delete", objectName="deleteTrigger")
        self.add_schedule.clicked.connect(lambda: self.addRequested.emit("schedule"))
        self.add_folder.clicked.connect(lambda: self.addRequested.emit("folder"))
        self.add_webhook.clicked.connect(lambda: self.addRequested.emit("webhook"))
        self.edit.clicked.connect(lambda: self._with_selected(self.editRequested))
        self.delete.clicked.connect(lambda: self._with_selected(self.deleteRequested))
        for b in (self.add_schedule, self.add_folder, self.add_webhook, self.edit, self.delete):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(buttons)
        layout.addWidget(self.list, 1)
        self.show_triggers(None, "", [])

    def show_triggers(self, workflow_id: str | None, name: str, triggers: list, note: str | None = None) -> None:
        """The workflow's triggers (None: the tab holds no saved workflow, or ``note`` says why there are none
        here; nothing can be added then)."""
        chosen = self.selected()
        self.list.blockSignals(True)
        self.list.clear()
        for t in triggers:
            item = QTreeWidgetItem(["", t.kind, describe(t), _when(t.next_due) if t.enabled else "off",
                                    _when(t.last_fired), str(t.fired), t.last_error or ""])
            item.setData(0, TRIGGER_ID, t.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked if t.enabled else Qt.CheckState.Unchecked)
            item.setToolTip(2, describe(t))
            if t.last_error:
                item.setToolTip(6, t.last_error)
                item.setForeground(6, Qt.GlobalColor.red)
            self.list.addTopLevelItem(item)
            if t.id == chosen:
                item.setSelected(True)
        self.list.blockSignals(False)
        saved = workflow_id is not None
        self.title.setText(f"Triggers of <b>{name}</b>: they start runs by themselves (while Nodeloom runs: "
                           "this window, nodeloom serve or nodeloom worker)" if saved else note if note else
                           "Save the workflow to give it triggers (schedules, folder watches, a webhook)." if name
                           else "Open a workflow to see its triggers (schedules, folder watches, a webhook).")
        for b in (self.add_schedule, self.add_folder, self.add_webhook):
            b.setEnabled(saved)
        self._selected()

    def selected(self) -> str | None:
        items = self.list.selectedItems()
        return items[0].data(0, TRIGGER_ID) if items else None

    def _selected(self) -> None:
        on = self.selected() is not None
        self.edit.setEnabled(on)
        self.delete.setEnabled(on)

    def _with_selected(self, signal) -> None:
        tid = self.selected()
        if tid:
            signal.emit(tid)

    def _checked(self, item: QTreeWidgetItem, column: int) -> None:
        if column == 0:  # after this signal: the list is rebuilt then, and this item with it
            tid, on = item.data(0, TRIGGER_ID), item.checkState(0) == Qt.CheckState.Checked
            QTimer.singleShot(0, lambda: self.enableRequested.emit(tid, on))
