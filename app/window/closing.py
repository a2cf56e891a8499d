"""Closing tabs and the window without losing work (SPEC §8): one code path asks about unsaved changes, whether a
tab is closed by its ×, Ctrl+W or File ▸ Close, or the window is quit — Save / Discard / Cancel (Save all for
several tabs), asked without blocking the loop.

What the crash journal holds follows from it: a tab whose edits were saved or discarded leaves nothing behind;
only a session that ends without being asked (a crash, logging out, SIGTERM: ``window.leaving == "keep"``) leaves
its unsaved tabs' journals, to be offered at the next start.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QMessageBox

from .editor_tab import EditorTab

__all__ = ["ClosingController"]

Button = QMessageBox.StandardButton


class ClosingController:
    def __init__(self, window):
        self.w = window
        self.box: QMessageBox | None = None  # the question on show, if any

    def modified(self, tabs: list[EditorTab] | None = None) -> list[EditorTab]:
        """The tabs (of ``tabs``, default all) whose edits are not saved: they are what closing asks about."""
        return [t for t in (self.w.editor_tabs() if tabs is None else tabs) if t.dirty and not t.doc.read_only]

    # -- a tab ----------------------------------------------------------------------------------------------

    def request(self, tab: EditorTab) -> None:
        """×, Ctrl+W, File ▸ Close: a modified tab is asked about first; any other closes at once."""
        if self.modified([tab]):
            self.ask([tab], lambda answer: answer != "cancel" and self.close(tab))
        else:
            self.close(tab)

    def close(self, tab: EditorTab, *, keep_journal: bool = False) -> None:
        """Remove the tab. Its journal goes too unless ``keep_journal`` (the session ends unasked) — callers
        have saved or discarded its edits first."""
        w = self.w
        index = w.tabs.indexOf(tab)
        if index < 0:
            return
        if not keep_journal:
            w.journal.drop(tab.journal_key)
        tab.closing = True
        tab.undo_stack.blockSignals(True)  # its destructor clears it, emitting into a half-deleted tab
        w.undo_group.removeStack(tab.undo_stack)
        w.tabs.removeTab(index)
        w.run_panel.forget(id(tab))
        w.outputs.forget(tab)
        w.runs.forget(tab)
        w.live.forget(tab)
        w.recovery.forget(tab)
        w.watch.forget(tab)
        tab.deleteLater()

    def discard(self, tab: EditorTab) -> None:
        """Close without saving: its unsaved edits are gone, and not offered at the next start."""
        self.close(tab)

    # -- the question -----------------------------------------------------------------------------------------

    def ask(self, tabs: list[EditorTab], then: Callable[[str], object]) -> QMessageBox:
        """Save / Discard / Cancel for ``tabs`` (Save all when there are several). ``then`` gets "saved",
        "discarded" or "cancel" once answered; a save that fails is said and counts as "cancel"."""
        several = len(tabs) > 1
        if several:
            text = "Save the changes to:\n" + "\n".join(f"• {t.doc.name}" for t in tabs)
            buttons = Button.SaveAll | Button.Discard | Button.Cancel
        else:
            text = f"Save the changes to “{tabs[0].doc.name}” before closing it?"
            buttons = Button.Save | Button.Discard | Button.Cancel
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes", text, buttons, self.w)
        box.setObjectName("unsavedChanges")
        box.setInformativeText("Discarded changes are gone for good.")
        box.setDefaultButton(Button.SaveAll if several else Button.Save)

        def answered(_code) -> None:
            clicked = box.clickedButton()
            button = box.standardButton(clicked) if clicked is not None else Button.Cancel
            self.box = None
            box.deleteLater()
            self.w.activateWindow()  # the keys go back to the window (without a window manager too)
            if button in (Button.Save, Button.SaveAll):
                self._save(list(tabs), lambda ok: then("saved" if ok else "cancel"))
            elif button == Button.Discard:
                for tab in tabs:
                    self.w.journal.drop(tab.journal_key)
                then("discarded")
            else:
                then("cancel")

        box.finished.connect(answered)
        if self.box is not None:  # one question at a time: a new one replaces an earlier one left open
            self.box.close()
        self.box = box
        box.open()
        return box

    def _save(self, tabs: list[EditorTab], done: Callable[[bool], object]) -> None:
        """Save each tab in turn (one saved elsewhere meanwhile asks first); ``done(True)`` once all are saved,
        ``done(False)`` as soon as one is not."""
        if not tabs:
            done(True)
            return
        tab = tabs[0]

        def saved(version) -> None:
            if version is None:
                done(False)
            else:
                self._save(tabs[1:], done)

        try:
            self.w.workflows.save(tab=tab, then=saved)
        except Exception as e:  # noqa: BLE001 - the tab stays open with its edits; the reason is said
            self.w.statusBar().showMessage(f"Not saved: {tab.doc.name}: {e}", 10000)
            done(False)

    # -- the window ---------------------------------------------------------------------------------------------

    def quitting(self) -> bool:
        """The window is being closed: True when it may close now. With unsaved tabs and nobody asked yet, the
        question is shown and the window closes again once it is answered (not on Cancel)."""
        w = self.w
        modified = self.modified()
        if not modified or w.leaving is not None:
            return True

        def then(answer: str) -> None:
            if answer != "cancel":
                w.leaving = answer
                w.close()

        self.ask(modified, then)
        return False
