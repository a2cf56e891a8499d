"""Edit ▸ Undo history: a small window listing the edits of the tab on show (a QUndoView of the window's undo
group, so it follows the tabs); clicking a row undoes or redoes up to it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QUndoView, QVBoxLayout, QWidget

__all__ = ["UndoHistory"]


class UndoHistory:
    def __init__(self, window):
        self.w = window
        self.panel: QWidget | None = None
        self.view: QUndoView | None = None

    def show(self) -> QWidget:
        if self.panel is None:
            panel = QWidget(self.w, Qt.WindowType.Tool)
            panel.setObjectName("undoHistory")
            panel.setWindowTitle("Undo history")
            view = QUndoView(self.w.undo_group, panel)
            view.setObjectName("undoView")
            view.setEmptyLabel("As opened")
            view.setToolTip("Click an edit to go back (or forward) to just after it")
            layout = QVBoxLayout(panel)
            layout.setContentsMargins(4, 4, 4, 4)
            layout.addWidget(view)
            panel.resize(300, 420)
            self.panel, self.view = panel, view
        self.panel.show()
        self.panel.raise_()
        return self.panel
