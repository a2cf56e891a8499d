"""The main window's crash journal: write unsaved edits on every change, offer them after a crash."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from engine.model import Workflow

from .document import EditorDocument
from .editor_tab import EditorTab

__all__ = ["JournalMixin"]


class JournalMixin:
    def _journal(self, tab: EditorTab) -> None:
        try:
            if tab.doc.read_only or tab.closing:
                return
            dirty = tab.dirty
        except RuntimeError:  # the tab's undo stack emits while being destroyed
            return
        if dirty:
            self.journal.write(tab.journal_key, tab.doc.workflow(), tab.doc.workflow_id, tab.doc.version)
        else:
            self.journal.drop(tab.journal_key)

    def _offer_journal(self) -> None:
        entries = self.journal.entries()
        if not entries:
            return
        names = "\n".join(f"• {e.document.name}" for e in entries)
        box = QMessageBox(QMessageBox.Icon.Question, "Restore unsaved work?",
                          f"Nodeloom closed with unsaved changes in:\n{names}\n\nRestore them?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("journalOffer")
        box.finished.connect(lambda result: self._answer_journal(entries, result == QMessageBox.StandardButton.Yes))
        self.journal_offer = box
        box.open()

    def _answer_journal(self, entries, restore: bool) -> None:
        for entry in entries:
            key = entry.path.stem
            if restore:
                doc = EditorDocument(Workflow(name=entry.document.name), workflow_id=entry.workflow_id,
                                     version=entry.version, registry=self.registry)
                tab = self.add_tab(doc, journal_key=key)
                self._replace_content(tab, entry.document)
            else:
                self.journal.drop(key)
        self.journal_offer = None

    def _replace_content(self, tab: EditorTab, wf: Workflow) -> None:
        """Put a restored document in a tab as one undoable, unsaved edit."""
        from .commands import AddItems

        tab.doc.set_properties(**{k: getattr(wf, k) for k in ("name", "description", "tags", "max_concurrency", "meta")})
        tab.undo_stack.push(AddItems(tab.doc, list(wf.nodes), list(wf.edges), "Restore unsaved work"))
        self._retitle(tab)
        tab.view.frame(selection_only=False)

