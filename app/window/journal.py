"""The crash journal in the editor: unsaved edits written on every change, offered after a crash."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from engine.model import Workflow

from ..document.model import EditorDocument
from .editor_tab import EditorTab

__all__ = ["JournalController"]


class JournalController:
    def __init__(self, window):
        self.w = window
        self.offer_box: QMessageBox | None = None

    def changed(self, tab: EditorTab) -> None:
        """A tab's undo stack moved: journal its document while it differs from what is saved."""
        try:
            if tab.doc.read_only or tab.closing:
                return
            dirty = tab.dirty
        except RuntimeError:  # the tab's undo stack emits while being destroyed
            return
        journal = self.w.journal
        if dirty:
            journal.write(tab.journal_key, tab.doc.workflow(), tab.doc.workflow_id, tab.doc.version)
        else:
            journal.drop(tab.journal_key)

    def offer(self) -> None:
        entries = self.w.journal.entries()
        if not entries:
            return
        names = "\n".join(f"• {e.document.name}" for e in entries)
        box = QMessageBox(QMessageBox.Icon.Question, "Restore unsaved work?",
                          f"Nodeloom closed with unsaved changes in:\n{names}\n\nRestore them?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.w)
        box.setObjectName("journalOffer")
        box.finished.connect(lambda result: self._answer(entries, result == QMessageBox.StandardButton.Yes))
        self.offer_box = box
        box.open()

    def _answer(self, entries, restore: bool) -> None:
        w = self.w
        for entry in entries:
            key = entry.path.stem
            if restore:
                doc = EditorDocument(Workflow(name=entry.document.name), workflow_id=entry.workflow_id,
                                     version=entry.version, registry=w.registry)
                tab = w.add_tab(doc, journal_key=key)
                self._replace_content(tab, entry.document)
            else:
                w.journal.drop(key)
        self.offer_box = None

    def _replace_content(self, tab: EditorTab, wf: Workflow) -> None:
        """Put a restored document in a tab as one undoable, unsaved edit."""
        from ..document.commands import AddItems

        tab.doc.set_properties(**{k: getattr(wf, k) for k in ("name", "description", "tags", "max_concurrency", "meta")})
        tab.undo_stack.push(AddItems(tab.doc, list(wf.nodes), list(wf.edges), "Restore unsaved work"))
        self.w.retitle(tab)
        tab.view.frame(selection_only=False)
