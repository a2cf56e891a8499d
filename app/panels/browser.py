"""The welcome page: new, import, and cards for recent workflows and templates (a drawing of the graph, name,
description, last run), with search by name and tag, and the trash (deleted workflows, restored with a
double-click). Cards flow to the page's width; the workflows' list is as tall as its rows of cards (a one-line
hint when there are none) and the templates get the rest of the page."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPalette
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QListView, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout, QWidget)

from .cards import CARD, card_text, graph_pixmap

__all__ = ["Browser", "GRID"]

GRID = QSize(CARD.width() + 24, CARD.height() + 78)  # a card's cell at its narrowest


class Browser(QWidget):
    EMPTY = ("No workflows yet. Start with <b>New workflow</b>, or double-click a template below for a workflow "
             "made from it.")
    openRequested = Signal(str)          # workflow id
    newFromTemplate = Signal(str)        # template id
    newRequested = Signal()
    importRequested = Signal()
    restoreRequested = Signal(str)       # a deleted workflow's id

    def __init__(self, store, registry=None, parent=None):
        super().__init__(parent)
        self.setObjectName("browser")
        self.store = store
        self.search = QLineEdit(placeholderText="Search workflows by name, or tag:NAME", clearButtonEnabled=True)
        self.workflows = self._cards("workflowList")
        self.templates = self._cards("templates")
        self.registry = registry      # the blocks, for the colours of the drawings
        self._drawings: dict[tuple, QIcon] = {}
        new = QPushButton("New workflow")
        imp = QPushButton("Import…")
        self.trash = QPushButton("Trash", objectName="showTrash", checkable=True)
        self.trash.setToolTip("Deleted workflows: double-click one to restore it")
        self.workflows_caption = QLabel()
        new.clicked.connect(self.newRequested)
        imp.clicked.connect(self.importRequested)
        top = QHBoxLayout()
        top.addWidget(QLabel("<h2>Nodeloom</h2>"))
        top.addStretch(1)
        top.addWidget(new)
        top.addWidget(imp)
        top.addWidget(self.trash)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.search)
        layout.addWidget(self.workflows_caption)
        # no workflows yet: a line saying what to do in the list's place, and the templates get the page
        self.hint = QLabel(objectName="workflowsHint", wordWrap=True)
        self.hint.setText(self.EMPTY)
        # the same least height for the list and the hint in its place: the first workflow does not change the
        # page's minimum size (a window at its smallest would grow, or not come back at its saved size)
        least = 2 * self.fontMetrics().lineSpacing()
        self.workflows.setMinimumHeight(least)
        self.hint.setMinimumHeight(least)
        layout.addWidget(self.workflows, 2)  # (your own first, when the page is short)
        layout.addWidget(self.hint)
        layout.addSpacing(6)
        layout.addWidget(QLabel("<b>Templates</b> — double-click one for a new workflow made from it"))
        layout.addWidget(self.templates, 1)
        self.search.textChanged.connect(self.refresh)
        self.trash.toggled.connect(self.refresh)
        self.workflows.itemActivated.connect(lambda i: (self.restoreRequested if self.trash.isChecked()
                                                        else self.openRequested).emit(i.data(Qt.ItemDataRole.UserRole)))
        self.templates.itemActivated.connect(lambda i: self.newFromTemplate.emit(i.data(Qt.ItemDataRole.UserRole)))
        self.refresh()

    @staticmethod
    def _cards(name: str) -> QListWidget:
        cards = QListWidget(objectName=name)
        cards.setViewMode(QListView.ViewMode.IconMode)
        cards.setIconSize(CARD)
        cards.setGridSize(GRID)
        cards.setResizeMode(QListView.ResizeMode.Adjust)
        cards.setMovement(QListView.Movement.Static)
        cards.setWordWrap(True)
        cards.setUniformItemSizes(True)
        cards.setSpacing(6)
        return cards

    def _drawing(self, info) -> QIcon:
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        key = (info.id, info.current_version, dark)
        icon = self._drawings.get(key)
        if icon is None:
            try:
                wf = self.store.workflows.document(info.id, info.current_version)
                icon = QIcon(graph_pixmap(wf, self.registry, CARD, dark)) if self.registry is not None else QIcon()
            except Exception:  # noqa: BLE001 - a document that cannot be drawn still gets its card
                icon = QIcon()
            self._drawings[key] = icon
        return icon

    def refresh(self) -> None:
        self.store.reconcile()  # a card's last run: never "running" for a run whose process is gone (SPEC §6a)
        text = self.search.text().strip()
        tag = text[4:].strip() if text.startswith("tag:") else None
        search = None if tag is not None else (text or None)
        deleted = self.trash.isChecked()
        self.workflows_caption.setText("<b>Trash</b> — double-click to restore" if deleted
                                       else "<b>Workflows</b> (recent first)")
        for widget, templates in ((self.workflows, None if deleted else False), (self.templates, True)):
            widget.clear()
            for info in self.store.workflows.list(search=search, tag=tag, templates=templates,
                                                  deleted=deleted and widget is self.workflows, limit=200).items:
                last = next(iter(self.store.runs.list(info.id, limit=1)), None) if widget is self.workflows else None
                item = QListWidgetItem(self._drawing(info), card_text(info, last) if widget is self.workflows
                                       else card_text(info, None).rsplit("\n", 1)[0])
                item.setData(Qt.ItemDataRole.UserRole, info.id)
                tags = f"\ntags: {', '.join(info.tags)}" if info.tags else ""
                item.setToolTip(f"{info.name}\n{info.description}{tags}".strip())
                item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                widget.addItem(item)
        empty = self.workflows.count() == 0
        if empty:  # no empty box: say what to do instead
            self.hint.setText("The trash is empty." if deleted else "No workflows match the search."
                              if search or tag is not None else self.EMPTY)
        self.workflows.setVisible(not empty)
        self.hint.setVisible(empty)
        self._fit_workflows()

    @staticmethod
    def _spread(cards: QListWidget) -> int:
        """As many cards across as the list's width holds, the width left over shared among them (not a strip
        left empty at the right); the room for a scroll bar is kept either way. Returns how many across."""
        width = cards.width() - 2 * cards.frameWidth() - cards.style().pixelMetric(
            cards.style().PixelMetric.PM_ScrollBarExtent) - 1
        across = max(1, width // GRID.width())
        grid = QSize(max(GRID.width(), width // across), GRID.height())
        if cards.gridSize() != grid:
            cards.setGridSize(grid)
        return across

    def _fit_workflows(self) -> None:
        """The workflows' list no taller than its rows of cards at the page's width (the templates get the rest)."""
        self._spread(self.templates)
        cards = self.workflows
        across = self._spread(cards)
        rows = max(1, -(-cards.count() // across))
        cards.setMaximumHeight(rows * GRID.height() + 2 * cards.spacing() + 2 * cards.frameWidth())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_workflows()
