"""Edit ▸ Undo history: a small window listing the edits of the tab on show (a QUndoView of the window's undo
group, so it follows the tabs); clicking a row undoes or redoes up to it. Its shortcut (Ctrl+Shift+H) switches it
on and off, from the main window or from the history itself; Esc closes it. Closed, the keys go back to the
main window."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence, QShortcut
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
            # over the window's right-hand side, under its toolbar (a window manager may place it otherwise)
            top_right = self.w.mapToGlobal(QPoint(self.w.width(), 0))
            panel.move(top_right + QPoint(-panel.width() - 24, 110))
            # a tool window has its own keys: the window's action is added to it so its shortcut answers there too
            panel.addAction(self.w.actionUndoHistory)
            QShortcut(QKeySequence(Qt.Key.Key_Escape), panel, self.hide)
            self.panel, self.view = panel, view
        self.panel.show()
        self.panel.raise_()
        return self.panel

    def toggle(self) -> None:
        """The shortcut and Edit ▸ Undo history: shown, it closes; else it shows."""
        if self.panel is not None and self.panel.isVisible():
            self.hide()
        else:
            self.show()

    def hide(self) -> None:
        if self.panel is not None:
            self.panel.hide()
            self.w.activateWindow()  # the keys go back to the window (without a window manager too)
