"""The run panel: the live event log of the current tab (filter; click an entry to select its node; errors with
traceback), the workflow's inputs (remembered per workflow), and past runs of the workflow (show on canvas,
replay). Each tab has its own log: switching tabs shows that tab's lines."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton,
                               QSplitter, QStackedWidget, QVBoxLayout, QWidget)

from .inputs_bar import InputsBar

__all__ = ["RunPanel", "MARKS", "STARTED", "ENDED", "QUEUED", "cache_said"]

MAX_LOG_LINES = 20_000
#: the marks the log's lines start with: glyphs of WGL4, the set every common font covers (a mark outside it
#: showed as a box with Debian's default fonts)
MARKS = {"started": "►", "ended": "■", "queued": "○"}
STARTED, ENDED, QUEUED = MARKS["started"], MARKS["ended"], MARKS["queued"]


def cache_said(hits: int | None, misses: int | None) -> str:
    """A run's cache use in words: "cache 5/6 hits" ("" when it looked nothing up, or is not known)."""
    looked = (hits or 0) + (misses or 0)
    return f"cache {hits}/{looked} hits" if looked else ""


class RunPanel(QWidget):
    nodeClicked = Signal(str)
    showRun = Signal(str)                 # run id
    replayRun = Signal(str, object)       # run id, from node (or None)

    def __init__(self, settings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.filter = QLineEdit(placeholderText="Filter the log (node, status, text)…", clearButtonEnabled=True)
        self.logs = QStackedWidget()
        self._logs: dict[object, QListWidget] = {}   # tab key → that tab's log
        self._pending: dict[object, list[QListWidgetItem]] = {}
        self.events = self._log_for(None)            # the log on show (None: no tab, the welcome page)
        self.details = QPlainTextEdit(readOnly=True, placeholderText="Select a failed node's entry to see its error")
        self.details.setMaximumHeight(120)
        self.inputs = InputsBar(settings)
        self.runs = QListWidget(objectName="pastRuns")
        show = QPushButton("Show on canvas", objectName="showRun")
        replay = QPushButton("Replay", objectName="replayRun")
        replay_from = QPushButton("Replay from node", objectName="replayFromNode")
        replay_from.setToolTip("Run the selected node and what depends on it again; the rest reuses this run's outputs")
        left = QVBoxLayout()
        left.addWidget(self.filter)
        left.addWidget(self.logs)
        left.addWidget(self.details)
        right = QVBoxLayout()
        right.addWidget(self.inputs)
        right.addWidget(self.runs)
        buttons = QHBoxLayout()
        for b in (show, replay, replay_from):
            buttons.addWidget(b)
        right.addLayout(buttons)
        lw, rw = QWidget(), QWidget()
        lw.setLayout(left)
        rw.setLayout(right)
        split = QSplitter()
        split.addWidget(lw)
        split.addWidget(rw)
        split.setSizes([700, 400])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split)
        self.filter.textChanged.connect(self._filter)
        show.clicked.connect(lambda: self._run_action(self.showRun.emit))
        replay.clicked.connect(lambda: self._run_action(lambda rid: self.replayRun.emit(rid, None)))
        replay_from.clicked.connect(lambda: self._run_action(lambda rid: self.replayRun.emit(rid, "selected")))
        self.store = None
        from PySide6.QtCore import QTimer

        self._shown = None
        self._flush_timer = QTimer(self, singleShot=True, interval=50)  # lines arrive in bursts: add them in batches
        self._flush_timer.timeout.connect(self.flush)

    # -- log ---------------------------------------------------------------------------------------------

    def _log_for(self, key) -> QListWidget:
        log = self._logs.get(key)
        if log is None:
            log = self._logs[key] = QListWidget(objectName="runLog")
            log.setUniformItemSizes(True)  # else every append lays out every line again
            log.currentItemChanged.connect(self._picked)
            self.logs.addWidget(log)
        return log

    def forget(self, key) -> None:
        """A closed tab's log goes with it."""
        log = self._logs.pop(key, None)
        self._pending.pop(key, None)
        if log is not None:
            self.logs.removeWidget(log)
            log.deleteLater()

    def log(self, text: str, ev=None, *, tab=None, label: str | None = None) -> None:
        """A line in ``tab``'s log (default: the one on show). ``ev``'s node is shown by ``label`` when given;
        its id is in the tooltip and clicking the line selects it. A closed tab's lines go nowhere."""
        if tab is not None and getattr(tab, "closing", False):
            return
        item = QListWidgetItem(text)
        node_id = getattr(ev, "node_id", None) if ev is not None else None
        if node_id:
            item.setData(Qt.ItemDataRole.UserRole, node_id)
            item.setToolTip(f"node id: {node_id}")
            if getattr(ev, "error", None):
                item.setData(Qt.ItemDataRole.UserRole + 1, (ev.traceback or "") + ev.error)
                item.setForeground(Qt.GlobalColor.red)
        key = self._key(tab)
        self._log_for(key)
        self._pending.setdefault(key, []).append(item)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _key(self, tab):
        return self._shown if tab is None else id(tab)

    def flush(self) -> None:
        q = self.filter.text().strip().lower()
        pending, self._pending = self._pending, {}
        for key, items in pending.items():
            log = self._logs.get(key)
            if log is None:
                continue
            for item in items:
                log.addItem(item)
                item.setHidden(bool(q) and q not in item.text().lower())
            extra = log.count() - MAX_LOG_LINES
            if extra > 0:  # the oldest lines go (whole runs stay in the store and in past runs)
                log.model().removeRows(0, extra)
            log.scrollToBottom()

    def text(self) -> str:
        self.flush()
        return "\n".join(self.events.item(i).text() for i in range(self.events.count()))

    def _filter(self, text: str) -> None:
        q = text.strip().lower()
        for i in range(self.events.count()):
            item = self.events.item(i)
            item.setHidden(bool(q) and q not in item.text().lower())

    def _picked(self, item, _previous=None) -> None:
        if item is None:
            return
        self.details.setPlainText(item.data(Qt.ItemDataRole.UserRole + 1) or "")
        node = item.data(Qt.ItemDataRole.UserRole)
        if node:
            self.nodeClicked.emit(node)

    # -- inputs ------------------------------------------------------------------------------------------

    def show_tab(self, store, tab) -> None:
        """The log, inputs (following the document as it changes) and past runs of the workflow in ``tab``."""
        self.store = store
        self._shown = None if tab is None else id(tab)
        self.events = self._log_for(self._shown)
        self.logs.setCurrentWidget(self.events)
        self._filter(self.filter.text())
        self.details.clear()
        self.inputs.show_tab(tab)
        self.refresh_runs(tab)

    def inputs_for(self, tab) -> dict:
        return self.inputs.values()

    # -- past runs ---------------------------------------------------------------------------------------

    def refresh_runs(self, tab) -> None:
        """The tab's workflow's runs (a never-saved tab: its own runs so far), newest first."""
        if self.store is None or tab is None:
            self.runs.clear()
            return
        if tab.doc.workflow_id:
            runs = self.store.runs.list(tab.doc.workflow_id, limit=100)
        else:
            runs = self.store.runs.list(draft_id=tab.journal_key, limit=100)
        self.show_runs(tab, runs)

    def show_runs(self, tab, runs) -> None:
        """``runs`` (read already, newest first) as ``tab``'s past runs, keeping the selected one selected."""
        if tab is None or id(tab) != self._shown:
            return
        current = self.runs.currentItem()
        keep = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        self.runs.clear()
        for run in runs:
            when = time.strftime("%H:%M:%S", time.localtime(run.created_at))
            took = f"{run.duration_ms:.0f} ms" if run.duration_ms is not None else "—"
            item = QListWidgetItem(f"{when}  {run.status:<11} {run.trigger:<7} {took}")
            item.setData(Qt.ItemDataRole.UserRole, run.id)
            self.runs.addItem(item)
            if run.id == keep:
                self.runs.setCurrentItem(item)

    def _run_action(self, act) -> None:
        item = self.runs.currentItem()
        if item is not None:
            act(item.data(Qt.ItemDataRole.UserRole))
