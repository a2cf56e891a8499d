"""The crash journal in the editor: unsaved edits written on every change, offered after a crash.

A restored draft is put back on the version it was edited from (its undo goes back to that version as stored),
and the tab says so when newer versions were saved since. It never doubles a tab: a workflow already open in an
unmodified tab gets the draft there; when its tab holds other unsaved edits, or several drafts of one workflow
were left (the newest goes to its tab), the others open as copies of their own, named so — nothing is dropped.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from engine import NotFound
from engine.model import Workflow

from ..document.commands import ReplaceContent
from ..document.journal import JournalEntry
from ..document.model import EditorDocument
from .editor_tab import EditorTab

__all__ = ["JournalController", "LIVE_JOURNAL_MS"]

LIVE_JOURNAL_MS = 500


class JournalController:
    def __init__(self, window):
        self.w = window
        self.offer_box: QMessageBox | None = None
        self._later: dict[EditorTab, QTimer] = {}  # a live tab's journal write, coalesced while it is typed in

    def changed(self, tab: EditorTab) -> None:
        """A tab's undo stack moved: journal its document while it differs from what is saved. With live preview
        on, a field commits every keystroke: the journal (a write and an fsync) then follows at most every
        ``LIVE_JOURNAL_MS``, the last state always written — typing never waits for the disk."""
        try:
            if tab.doc.read_only or tab.closing:
                return
            dirty = tab.dirty
        except RuntimeError:  # the tab's undo stack emits while being destroyed
            return
        later = self._later.get(tab)
        if dirty and self.w.live.is_on(tab):
            if later is None:
                later = self._later[tab] = QTimer(tab, singleShot=True, interval=LIVE_JOURNAL_MS)
                later.timeout.connect(lambda t=tab: self._write(t))
            if not later.isActive():
                later.start()
            return
        if later is not None:
            later.stop()
        self._write(tab)

    def _write(self, tab: EditorTab) -> None:
        if tab.closing:
            return
        journal = self.w.journal
        if tab.dirty:
            journal.write(tab.journal_key, tab.doc.workflow(), tab.doc.workflow_id, tab.doc.version)
        else:
            journal.drop(tab.journal_key)

    def flush(self) -> None:
        """The journal writes still waiting, now (the window is closing: what it keeps must be whole)."""
        for tab, later in list(self._later.items()):
            if later.isActive():
                later.stop()
                self._write(tab)

    def forget(self, tab: EditorTab) -> None:
        """A closed tab: nothing of it is written later (its journal was kept or dropped as it closed)."""
        later = self._later.pop(tab, None)
        if later is not None:
            later.stop()

    # -- after a crash --------------------------------------------------------------------------------------

    def _newest(self, entry: JournalEntry) -> int | None:
        """The newest stored version of the entry's workflow (None: a draft, or a workflow gone since)."""
        if not entry.workflow_id:
            return None
        try:
            return self.w.store.workflows.get(entry.workflow_id).current_version
        except NotFound:
            return None

    def _line(self, entry: JournalEntry) -> str:
        """One draft: its name, when it was last edited, and the version it is based on."""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.saved_at))
        said = f"• {entry.document.name}: last edited {when}"
        if not entry.workflow_id:
            return f"{said}, never saved"
        said += f", based on version {entry.version}"
        newest = self._newest(entry)
        if newest is None:
            return f"{said} of a workflow deleted since (restored as a copy)"
        return said + (f" (the newest is version {newest})" if newest != entry.version else "")

    def offer(self) -> None:
        """Restore (open them), Later (keep the journal for the next start; also Esc) or Discard (delete it)."""
        entries = self.w.journal.entries(orphaned_only=True)  # (another open window keeps its own)
        if not entries:
            return
        names = "\n".join(self._line(e) for e in sorted(entries, key=lambda e: -e.saved_at))
        box = QMessageBox(QMessageBox.Icon.Question, "Restore unsaved work?",
                          f"Nodeloom closed with unsaved changes in:\n{names}\n\nRestore opens them in tabs; Later "
                          "keeps them to be offered at the next start; Discard deletes them.", parent=self.w)
        box.setObjectName("journalOffer")
        buttons = {}
        for answer, text, role in (("restore", "&Restore", QMessageBox.ButtonRole.AcceptRole),
                                   ("later", "&Later", QMessageBox.ButtonRole.RejectRole),
                                   ("discard", "&Discard", QMessageBox.ButtonRole.DestructiveRole)):
            buttons[answer] = box.addButton(text, role)
            buttons[answer].setObjectName(f"journal{answer.title()}")
        box.setDefaultButton(buttons["restore"])
        box.setEscapeButton(buttons["later"])
        box.finished.connect(lambda _result: self._answer(
            entries, next((a for a, b in buttons.items() if b is box.clickedButton()), "later")))
        self.offer_box = box
        box.open()

    def _answer(self, entries: list[JournalEntry], answer: str) -> None:
        self.offer_box = None
        if answer == "discard":
            for entry in entries:
                self.w.journal.drop(entry.path.stem)
            return
        if answer != "restore":  # later: the journal stays as it is
            return
        placed: set[str] = set()  # workflows whose own tab got a draft
        for entry in sorted(entries, key=lambda e: -e.saved_at):  # the newest draft of a workflow goes to its tab
            tab = None
            if entry.workflow_id and entry.workflow_id not in placed and self._newest(entry) is not None:
                tab = self._restore_on_version(entry)
                if tab is not None:
                    placed.add(entry.workflow_id)
            if tab is None:
                self._restore_as_copy(entry, copy=bool(entry.workflow_id))

    def _restore_on_version(self, entry: JournalEntry) -> EditorTab | None:
        """The draft on its workflow's tab (opened, or the open one when it is unmodified), based on the version
        it was edited from. None when that tab holds other unsaved edits."""
        w = self.w
        key = entry.path.stem
        try:
            base = w.store.workflows.document(entry.workflow_id, entry.version)
        except NotFound:
            return None
        open_tab = next((t for t in w.editor_tabs() if t.doc.workflow_id == entry.workflow_id
                         and not t.doc.read_only and not t.closing), None)
        doc = EditorDocument(base, workflow_id=entry.workflow_id, version=entry.version, registry=w.registry)
        if open_tab is not None:
            if open_tab.dirty:
                return None
            w.closing.close(open_tab)  # unmodified: the restored draft takes its place
        tab = w.add_tab(doc, journal_key=key)
        w.workflows.remember(entry.workflow_id)
        newest = self._newest(entry)
        tab.behind = newest if newest is not None and newest != entry.version else None
        self._replace_content(tab, entry.document)
        if tab.behind:
            w.statusBar().showMessage(f"Restored unsaved edits of {entry.document.name} made on version "
                                      f"{entry.version}; the newest version is {tab.behind}", 15000)
        return tab

    def _restore_as_copy(self, entry: JournalEntry, copy: bool) -> EditorTab:
        """A draft of its own: a never-saved tab's draft as it was, or another workflow's draft as a copy."""
        name = f"{entry.document.name} (recovered copy)" if copy else entry.document.name
        doc = EditorDocument(Workflow(name=name), registry=self.w.registry)
        tab = self.w.add_tab(doc, journal_key=entry.path.stem)
        self._replace_content(tab, entry.document.model_copy(update={"name": name}))
        return tab

    def _replace_content(self, tab: EditorTab, wf: Workflow) -> None:
        """Put a restored document in a tab as one undoable, unsaved edit."""
        tab.undo_stack.push(ReplaceContent(tab.doc, wf))
        self.w.retitle(tab)
        tab.view.frame(selection_only=False)
