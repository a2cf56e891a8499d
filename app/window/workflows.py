"""Workflows in the editor: new, open, new from template, save (with a message), import, sub-workflows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from engine import NotFound
from engine.model import Workflow

from ..document.model import EditorDocument
from .editor_tab import EditorTab
from .recent import recent_ids

__all__ = ["WorkflowsController"]


def _file_name(name: str) -> str:
    """A workflow name as a file name: letters, digits, space, dot, dash and underscore kept."""
    kept = "".join(c if c.isalnum() or c in " ._-" else "_" for c in name).strip(" .")
    return kept[:100] or "workflow"


class WorkflowsController:
    def __init__(self, window):
        self.w = window
        self.save_dialog: QInputDialog | None = None
        self.overwrite_box: QMessageBox | None = None
        self.import_refused: QMessageBox | None = None
        self.properties_dialog = None
        self.delete_box: QMessageBox | None = None
        self.deleted_box: QMessageBox | None = None

    def new(self) -> EditorTab:
        w = self.w
        return w.add_tab(EditorDocument(Workflow(name="Untitled"), registry=w.registry))

    def open(self, workflow_id: str, version: int | None = None, read_only: bool = False) -> EditorTab:
        w = self.w
        if not read_only:
            for tab in w.editor_tabs():
                if tab.doc.workflow_id == workflow_id and not tab.doc.read_only:
                    w.tabs.setCurrentWidget(tab)
                    return tab
        info = w.store.workflows.get(workflow_id)
        number = version or info.current_version
        doc = EditorDocument(w.store.workflows.document(workflow_id, number), workflow_id=workflow_id,
                             version=number, read_only=read_only or info.is_template, registry=w.registry)
        self.remember(workflow_id)
        tab = w.add_tab(doc, snapshot=read_only)  # an old version asked for read-only: it never shows live runs
        return tab

    def new_from_template(self, template_id: str) -> EditorTab:
        info = self.w.store.workflows.new_from_template(template_id)
        self.w.browser.refresh()
        return self.open(info.id)

    def save(self, message: str | None = None, tag: str | None = None, *, tab: EditorTab | None = None,
             force: bool = False, then=None) -> int | None:
        """Store ``tab`` (default: the current one); a new version when it changed. Returns the version number.

        When a newer version was saved since the tab's (by another window or process), it asks first — save
        anyway (the other version stays in the history) or not — and returns None; ``then(version or None)`` is
        called once it is saved or not (at once when nothing was asked)."""
        w = self.w
        tab = tab or w.current_tab()
        if tab is None or tab.doc.read_only:
            if tab is not None:
                w.statusBar().showMessage("This tab is read-only: nothing to save (a template: make a workflow from "
                                          "it on the welcome page; an old version: Restore it in History)", 8000)
            return then(None) if then else None
        doc = tab.doc
        if not force and doc.workflow_id and doc.version is not None:
            try:
                newest = w.store.workflows.get(doc.workflow_id).current_version
            except NotFound:
                newest = None
            if newest is not None and newest > doc.version:
                self._ask_overwrite(tab, newest, message, tag, then)
                return None
        try:
            version = self._store(tab, message, tag)
        except NotFound:  # deleted elsewhere (another window, `nodeloom delete`, HTTP DELETE) since it was opened
            self._ask_save_as_new(tab, message, tag, then)
            return None
        return then(version) if then else version

    def _ask_save_as_new(self, tab: EditorTab, message, tag, then) -> QMessageBox:
        """The tab's workflow was deleted elsewhere: save its document as a new workflow (the tab then points to
        it), or not (asked without blocking)."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Deleted elsewhere",
                          f"This workflow was deleted elsewhere: “{tab.doc.name}” was deleted in another window or "
                          "process after this tab opened it.", QMessageBox.StandardButton.Cancel, self.w)
        box.setInformativeText("Save your edits as a new workflow? The deleted one stays in the welcome page's trash, "
                               "as it was.")
        box.setObjectName("deletedElsewhere")
        new = box.addButton("Save as new workflow", QMessageBox.ButtonRole.AcceptRole)
        new.setObjectName("saveAsNew")
        box.setDefaultButton(new)

        def answered(_code) -> None:
            self.w.activateWindow()
            box.deleteLater()
            version = None
            if box.clickedButton() is new and not tab.closing:
                version = self._store(tab, message, tag, as_new=True)
            if then is not None:
                then(version)

        box.finished.connect(answered)
        self.deleted_box = box
        box.open()
        return box

    def _ask_overwrite(self, tab: EditorTab, newest: int, message, tag, then) -> QMessageBox:
        """A newer version was saved elsewhere since this tab's: save anyway, or not (asked without blocking)."""
        doc = tab.doc
        box = QMessageBox(QMessageBox.Icon.Warning, "Saved elsewhere",
                          f"“{doc.name}” was saved as version {newest} (in another window or process) since this "
                          f"tab opened version {doc.version}.\n\nSave your edits as version {newest + 1} anyway? "
                          f"Version {newest} stays in the history (compare the two there).",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel, self.w)
        box.setObjectName("savedElsewhere")
        box.button(QMessageBox.StandardButton.Save).setText("Save anyway")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered(_code) -> None:
            self.w.activateWindow()
            box.deleteLater()
            if box.clickedButton() is box.button(QMessageBox.StandardButton.Save) and not tab.closing:
                self.save(message, tag, tab=tab, force=True, then=then)
            elif then is not None:
                then(None)

        box.finished.connect(answered)
        self.overwrite_box = box
        box.open()
        return box

    def reload(self, tab: EditorTab, number: int) -> None:
        """A tab with no unsaved edits follows a version saved elsewhere (one undo step back to what it showed)."""
        from ..document.commands import ReplaceContent

        try:
            wf = self.w.store.workflows.document(tab.doc.workflow_id, number)
        except NotFound:
            return
        tab.undo_stack.push(ReplaceContent(tab.doc, wf, f"Load version {number}"))
        tab.doc.version, tab.behind = number, None
        tab.undo_stack.setClean()
        self.w.journal.drop(tab.journal_key)  # (nothing of it is unsaved)
        self.w.retitle(tab)
        self.w.versions.refresh()
        self.w.statusBar().showMessage(f"{tab.doc.name}: version {number} was saved elsewhere and is shown now", 8000)

    def _store(self, tab: EditorTab, message: str | None, tag: str | None, *, as_new: bool = False) -> int:
        """Save the tab: a new version of its workflow, or a new workflow (a draft, or ``as_new``)."""
        w = self.w
        doc = tab.doc
        wf = doc.workflow()
        if doc.workflow_id is None or as_new:
            info = w.store.workflows.create(wf, message=message, tag=tag)
            before, doc.workflow_id, doc.version = doc.workflow_id, info.id, info.current_version
            if before is None:
                w.store.runs.adopt(tab.journal_key, info.id)  # its runs so far are the workflow's past runs
            w.run_panel.inputs.adopt(tab, before)         # and its inputs the workflow's
        else:
            result = w.store.workflows.save(doc.workflow_id, wf, message=message, tag=tag)
            doc.version = result.version
        tab.behind = None
        tab.undo_stack.setClean()
        w.journal.drop(tab.journal_key)
        self.remember(doc.workflow_id)
        w.retitle(tab)
        w.versions.refresh()
        w.triggers.refresh()
        w.statusBar().showMessage(f"Saved {doc.name} as version {doc.version}", 5000)
        return doc.version

    def save_action(self) -> None:
        """File ▸ Save: a new workflow still called "Untitled" is first given a name (asked, not blocking)."""
        tab = self.w.current_tab()
        if tab is None or tab.doc.read_only:
            self.save(tab=tab)  # (says why nothing is saved)
            return
        if tab.doc.workflow_id is None and tab.doc.name.strip() in ("", "Untitled"):
            self.properties(first_save=True)
        else:
            self.save()

    def properties(self, first_save: bool = False) -> None:
        """File ▸ Workflow properties…: name, description and tags, one undoable edit (then saved, on a first
        save)."""
        from ..document.commands import SetProperties
        from ..dialogs.properties import PropertiesDialog

        tab = self.w.current_tab()
        if tab is None or tab.doc.read_only:
            return

        def submitted(changes: dict) -> None:
            if changes:
                tab.undo_stack.push(SetProperties(tab.doc, **changes))
            if first_save and self.w.current_tab() is tab:
                self.save()

        extra = None
        if tab.doc.workflow_id and not first_save:
            from ..dialogs.server import HookBox

            wid = tab.doc.workflow_id
            url, secret = self.w.server.hook(wid)
            extra = HookBox(url, secret, lambda: self.w.store.hooks.regenerate(wid))
        dialog = PropertiesDialog(tab.doc, self.w, first_save=first_save, extra=extra)
        dialog.submitted.connect(submitted)
        self.properties_dialog = dialog
        dialog.open()

    def export(self) -> None:
        """File ▸ Export…: the current tab's workflow (as it is in the tab) to a JSON file."""
        tab = self.w.current_tab()
        if tab is None:
            return
        suggested = str(Path.home() / f"{_file_name(tab.doc.name)}.json")
        path, _ = QFileDialog.getSaveFileName(self.w, "Export workflow", suggested, "Workflows (*.json)")
        if path:
            self.export_to(tab, path)

    def export_to(self, tab: EditorTab, path: str) -> Path | None:
        from engine import save_workflow

        try:
            target = Path(path)
            if target.is_dir():
                raise OSError(f"{target} is a folder; give a file name")
            save_workflow(tab.doc.workflow(), target)
        except (OSError, ValueError) as e:
            self.w.statusBar().showMessage(f"Not exported: {e}", 8000)
            return None
        self.w.statusBar().showMessage(f"Exported {tab.doc.name} to {target}", 6000)
        return target

    def duplicate(self) -> EditorTab | None:
        """File ▸ Duplicate: a stored copy ("… (copy)") of the tab's workflow as it is now, opened."""
        w = self.w
        tab = w.current_tab()
        if tab is None:
            return None
        wf = tab.doc.workflow()
        wf = wf.model_copy(update={"name": f"{wf.name} (copy)"})
        source = w.store.workflows.get(tab.doc.workflow_id).source if tab.doc.workflow_id else None
        info = w.store.workflows.create(wf, message=f"duplicate of {tab.doc.name}", source=source or None)
        w.browser.refresh()
        return self.open(info.id)

    def delete(self) -> None:
        """File ▸ Delete: the tab's stored workflow goes to the welcome page's trash (asked first, not blocking)."""
        w = self.w
        tab = w.current_tab()
        if tab is None or not tab.doc.workflow_id:
            w.statusBar().showMessage("Only a saved workflow can be deleted (close this tab to drop it)", 6000)
            return
        info = w.store.workflows.get(tab.doc.workflow_id)
        box = QMessageBox(QMessageBox.Icon.Question, "Delete workflow?",
                          f"Move “{info.name}” to the trash? It can be restored from the welcome page.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, w)
        box.setObjectName("deleteConfirm")
        yes = box.button(QMessageBox.StandardButton.Yes)
        box.finished.connect(lambda _code: box.clickedButton() is yes and self.delete_now(info.id))
        self.delete_box = box
        box.open()

    def delete_now(self, workflow_id: str) -> None:
        w = self.w
        info = w.store.workflows.get(workflow_id)
        w.store.workflows.delete(workflow_id)
        for tab in w.editor_tabs():
            if tab.doc.workflow_id == workflow_id:
                w.closing.close(tab)  # nothing of it is kept as unsaved work
        w.browser.refresh()
        w.statusBar().showMessage(f"Deleted “{info.name}” — restore it from the welcome page's trash", 8000)

    def restore(self, workflow_id: str) -> EditorTab:
        info = self.w.store.workflows.restore(workflow_id)
        self.w.browser.refresh()
        self.w.statusBar().showMessage(f"Restored “{info.name}”", 5000)
        return self.open(workflow_id)

    def ask_save_message(self) -> None:
        """Save with a message and optional tag ("message #tag"), asked for without blocking the loop."""
        w = self.w
        if w.current_tab() is None or w.current_tab().doc.read_only:
            return
        dialog = QInputDialog(w)
        dialog.setObjectName("saveMessage")
        dialog.setWindowTitle("Save")
        dialog.setLabelText("What changed? (end with #tag to tag the version)")
        dialog.textValueSelected.connect(self._save_with_text)
        self.save_dialog = dialog
        dialog.open()

    def _save_with_text(self, text: str) -> None:
        message, _, tag = text.partition("#")
        self.save(message.strip() or None, tag.strip() or None)

    def import_files(self, paths: list[str]) -> list[EditorTab]:
        """Each file becomes a new stored workflow, opened in a tab; a refused one says why. A workflow is never
        renamed on import, but one whose name another workflow has is said so in the status bar."""
        w = self.w
        tabs, said = [], []
        for path in paths:
            try:
                info = w.store.workflows.import_file(path, w.registry)
            except Exception as e:  # noqa: BLE001 - every problem is shown, nothing is written
                box = QMessageBox(QMessageBox.Icon.Warning, "Import refused", f"{Path(path).name}:\n{e}",
                                  QMessageBox.StandardButton.Ok, w)
                box.setObjectName("importRefused")
                box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
                box.open()  # not exec(): the event loop (and any run) keeps going
                self.import_refused = box
                continue
            if any(i.name == info.name and i.id != info.id
                   for i in w.store.workflows.list(search=info.name, limit=500).items):
                said.append(f"Imported as a new workflow '{info.name}' — another workflow has that name")
            else:
                said.append(f"Imported '{info.name}'")
            tabs.append(self.open(info.id))
        if said:
            w.statusBar().showMessage("; ".join(said), 10000)
        w.browser.refresh()
        return tabs

    def import_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self.w, "Import workflows", str(Path.home()), "Workflows (*.json)")
        self.import_files(paths)

    def open_sub_workflow(self, tab: EditorTab, node_id: str) -> EditorTab | None:
        """Double-clicking a sub_workflow node opens the workflow it calls (at its version, if it names one)."""
        node = tab.doc.nodes.get(node_id)
        if node is None or node.type != "sub_workflow" or not str(node.config.get("workflow") or "").strip():
            return None
        try:
            info = self.w.store.workflows.resolve(str(node.config["workflow"]).strip())
        except NotFound as e:
            self.w.statusBar().showMessage(str(e), 6000)
            return None
        version = node.config.get("version")
        return self.open(info.id, version=version, read_only=version is not None)

    def remember(self, workflow_id: str | None) -> None:
        if not workflow_id:
            return
        settings = self.w.settings
        recent = [r for r in recent_ids(settings) if r != workflow_id]
        settings.setValue("recent", [workflow_id, *recent][:20])
