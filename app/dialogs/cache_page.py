"""Edit ▸ Settings ▸ Cache (SPEC §6 cache, issue 27): what the result cache takes and holds, its size limit, how
well it served the runs of the last 7 days, and per workflow — with "Clear for this workflow" beside "Clear cache".

The page only shows and asks: the numbers (:class:`engine.store.CacheStats`) are read off the GUI thread by the
settings controller, which also does the clearing.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from engine.store.cache_stats import rate_text, size_text

__all__ = ["CachePage"]

COLUMNS = ("Workflow", "Runs", "Hit rate", "Entries", "Size")


_PLURALS = {"hit": "hits", "miss": "misses", "run": "runs", "entry": "entries"}


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word if n == 1 else _PLURALS[word]}"


class _Number(QTableWidgetItem):
    """A cell that sorts by its number, not its text."""

    def __init__(self, text: str, value: float):
        super().__init__(text)
        self.setData(Qt.ItemDataRole.UserRole + 1, value)
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other) -> bool:
        return self.data(Qt.ItemDataRole.UserRole + 1) < other.data(Qt.ItemDataRole.UserRole + 1)


class CachePage(QWidget):
    cacheLimitChosen = Signal(int)         # MB
    clearCacheRequested = Signal()
    clearWorkflowRequested = Signal(str)   # workflow id

    def __init__(self, cache_mb: int, parent=None):
        super().__init__(parent)
        self.setObjectName("settingsCachePage")
        self.use = QLabel("…", objectName="settingsCacheUse")
        self.entries = QLabel("…", objectName="cacheEntries")
        self.hit_rate = QLabel("…", objectName="cacheHitRate")
        self.hit_rate.setToolTip("Of the nodes that looked for their result in the cache (a node each time it ran, "
                                 "each ForEach iteration apart), how many found it")
        self.limit = QSpinBox(objectName="settingsCacheLimit", minimum=16, maximum=1_000_000, singleStep=256,
                              suffix=" MB", value=cache_mb)
        self.clear_all = QPushButton("Clear cache", objectName="settingsClearCache")
        self.workflows = QTableWidget(0, len(COLUMNS), objectName="cacheWorkflows")
        self.workflows.setHorizontalHeaderLabels(COLUMNS)
        self.workflows.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.workflows.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.workflows.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.workflows.verticalHeader().hide()
        header = self.workflows.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSortIndicator(COLUMNS.index("Size"), Qt.SortOrder.DescendingOrder)  # the largest first
        self.workflows.setToolTip("Runs, hits and misses of the last 7 days; entries and size: the cached results "
                                  "each workflow's runs wrote (a draft's or a node test's belong to none)")
        self.clear_workflow = QPushButton("Clear for this workflow", objectName="cacheClearWorkflow", enabled=False)
        self.clear_workflow.setToolTip("Remove the cached results this workflow's runs wrote; other workflows keep "
                                       "theirs")
        self.other = QLabel("", objectName="cacheOtherEntries")
        form = QFormLayout()
        form.addRow("In use", self.use)
        form.addRow("Entries", self.entries)
        form.addRow("Hit rate", self.hit_rate)
        form.addRow("Size limit", self.limit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.other, 1)
        buttons.addWidget(self.clear_workflow)
        buttons.addWidget(self.clear_all)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Per workflow, the last 7 days"))
        layout.addWidget(self.workflows, 1)
        layout.addLayout(buttons)
        self.limit.editingFinished.connect(lambda: self.cacheLimitChosen.emit(self.limit.value()))
        self.clear_all.clicked.connect(self.clearCacheRequested)
        self.workflows.itemSelectionChanged.connect(self._selected)
        self.clear_workflow.clicked.connect(self._clear_selected)
        for button in (self.clear_all, self.clear_workflow):  # Return in a field only ends its edit
            button.setAutoDefault(False)

    def selected_workflow(self) -> str | None:
        rows = self.workflows.selectionModel().selectedRows()
        return rows[0].data(Qt.ItemDataRole.UserRole) if rows else None

    def _selected(self) -> None:
        self.clear_workflow.setEnabled(self.selected_workflow() is not None)

    def _clear_selected(self) -> None:
        wid = self.selected_workflow()
        if wid is not None:
            self.clear_workflow.setEnabled(False)  # (until the numbers are read again)
            self.clearWorkflowRequested.emit(wid)

    def show_stats(self, stats) -> None:
        """``stats``: an :class:`engine.store.CacheStats`."""
        self.entries.setText(f"{stats.entries:,}")
        looked = f"{_plural(stats.hits, 'hit')}, {_plural(stats.misses, 'miss')} in {_plural(stats.runs, 'run')}"
        self.hit_rate.setText(f"{rate_text(stats.hit_rate)} over the last {stats.days} days ({looked})")
        keep = self.selected_workflow()
        table = self.workflows
        table.setSortingEnabled(False)
        table.setRowCount(len(stats.workflows))
        for row, w in enumerate(stats.workflows):
            name = QTableWidgetItem(w.name + (" (template)" if w.is_template else "")
                                    + (" (deleted)" if w.deleted else ""))
            name.setData(Qt.ItemDataRole.UserRole, w.workflow_id)
            name.setToolTip(f"{w.workflow_id}: {_plural(w.hits, 'hit')}, {_plural(w.misses, 'miss')}")
            cells = [name, _Number(str(w.runs), w.runs),
                     _Number(rate_text(w.hit_rate), -1 if w.hit_rate is None else w.hit_rate),
                     _Number(f"{w.entries:,}", w.entries), _Number(size_text(w.bytes), w.bytes)]
            for column, cell in enumerate(cells):
                table.setItem(row, column, cell)
            if w.workflow_id == keep:
                table.selectRow(row)
        table.setSortingEnabled(True)
        self._selected()
        self.other.setText(f"Drafts and node tests: {_plural(stats.other_entries, 'entry')}, "
                           f"{size_text(stats.other_bytes)}" if stats.other_entries else "")
