"""A double-click on a workflow's tab renames it in place: a line edit over the tab, Enter (or a click
elsewhere) renames — one undoable SetProperties edit, saved with the next version — and Esc leaves it as it was."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit

from ..document.commands import SetProperties
from .editor_tab import EditorTab

__all__ = ["TabRenamer"]

REFUSED = "A workflow needs a name: it was not renamed"


class _NameEdit(QLineEdit):
    cancelled = Signal()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)


class TabRenamer:
    def __init__(self, window):
        self.w = window
        self.editor: _NameEdit | None = None
        self.tab: EditorTab | None = None  # the tab being renamed

    def start(self, index: int) -> None:
        tab = self.w.tabs.widget(index)
        if not isinstance(tab, EditorTab):
            return  # (the welcome page)
        if tab.doc.read_only:
            self.w.statusBar().showMessage("This tab is read-only: its workflow's name cannot change here", 6000)
            return
        bar = self.w.tabs.tabBar()
        if self.editor is None:
            self.editor = _NameEdit(bar)
            self.editor.setObjectName("tabRename")
            self.editor.setToolTip("The workflow's name: Enter renames it, Esc leaves it")
            self.editor.editingFinished.connect(self.commit)
            self.editor.cancelled.connect(self.cancel)
        self.tab = tab
        editor = self.editor
        editor.setGeometry(bar.tabRect(index).adjusted(2, 2, -2, -2))
        editor.setText(tab.doc.name)
        editor.selectAll()
        editor.show()
        editor.setFocus()

    def cancel(self) -> None:
        self.tab = None
        self.editor.hide()
        if (tab := self.w.current_tab()) is not None:
            tab.view.setFocus()

    def commit(self) -> None:
        tab, self.tab = self.tab, None
        if tab is None or self.editor is None:
            return  # (editingFinished comes again as the editor loses focus)
        name = self.editor.text().strip()
        self.editor.hide()
        if tab.closing:
            return
        tab.view.setFocus()
        status = self.w.statusBar()
        if not name:
            status.showMessage(REFUSED, 6000)
            return
        if name != tab.doc.name:
            command = SetProperties(tab.doc, name=name)
            command.setText("Rename workflow")
            tab.undo_stack.push(command)
            status.showMessage(f"Renamed the workflow “{name}” (Ctrl+Z undoes it)", 6000)  # (an earlier refusal goes)
        elif status.currentMessage() == REFUSED:
            status.clearMessage()
