"""Workflows in the editor: new, open, new from template, save (with a message), import, sub-workflows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from engine import NotFound
from engine.model import Workflow

from ..document import EditorDocument
from ..editor_tab import EditorTab

__all__ = ["WorkflowsController"]


class WorkflowsController:
    def __init__(self, window):
        self.w = window
        self.save_dialog: QInputDialog | None = None
        self.import_refused: QMessageBox | None = None

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
        return w.add_tab(doc)

    def new_from_template(self, template_id: str) -> EditorTab:
        info = self.w.store.workflows.new_from_template(template_id)
        self.w.browser.refresh()
        return self.open(info.id)

    def save(self, message: str | None = None, tag: str | None = None) -> int | None:
        """Store the current tab; a new version when it changed. Returns the version number."""
        w = self.w
        tab = w.current_tab()
        if tab is None or tab.doc.read_only:
            return None
        doc = tab.doc
        wf = doc.workflow()
        if doc.workflow_id is None:
            info = w.store.workflows.create(wf, message=message, tag=tag)
            doc.workflow_id, doc.version = info.id, info.current_version
            w.store.runs.adopt(tab.journal_key, info.id)  # its runs so far are the workflow's past runs
            w.run_panel.inputs.adopt(tab)                 # and its inputs the workflow's
        else:
            result = w.store.workflows.save(doc.workflow_id, wf, message=message, tag=tag)
            doc.version = result.version
        tab.undo_stack.setClean()
        w.journal.drop(tab.journal_key)
        self.remember(doc.workflow_id)
        w.retitle(tab)
        w.versions.refresh()
        w.statusBar().showMessage(f"Saved {doc.name} as version {doc.version}", 5000)
        return doc.version

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
        w = self.w
        tabs = []
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
            tabs.append(self.open(info.id))
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
        recent = [r for r in (settings.value("recent") or []) if r != workflow_id]
        settings.setValue("recent", [workflow_id, *recent][:20])
