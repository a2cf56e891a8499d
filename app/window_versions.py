"""The main window's version history: compare two versions on the canvas, restore one."""

from __future__ import annotations

from .document import EditorDocument
from .editor_tab import EditorTab

__all__ = ["VersionsMixin"]


class VersionsMixin:
    def refresh_history(self) -> None:
        tab = self.current_tab()
        wid = tab.doc.workflow_id if tab else None
        self.history.show_versions(wid, tab.doc.name if tab else "", self.store.workflows.versions(wid) if wid else [])

    def compare_versions(self, workflow_id: str, a: int, b: int) -> EditorTab:
        """Open version b read-only with what changed since version a highlighted on the canvas."""
        diff = self.store.workflows.diff(workflow_id, a, b)
        old = self.store.workflows.document(workflow_id, a)
        new = self.store.workflows.document(workflow_id, b)
        ghosts = [n for n in old.nodes if n.id in diff.nodes_removed]
        shown = new.model_copy(update={"nodes": [*new.nodes, *ghosts]})
        doc = EditorDocument(shown, workflow_id=workflow_id, version=b, read_only=True, registry=self.registry)
        tab = self.add_tab(doc)
        tab.diff_of = (a, b)
        self._retitle(tab)
        states = {n: "added" for n in diff.nodes_added}
        states.update({n: "moved" for n in diff.nodes_moved})
        states.update({c.node_id: "changed" for c in diff.nodes_changed})
        states.update({n: "removed" for n in diff.nodes_removed})
        tab.scene.set_diff(states, {e: "added" for e in diff.edges_added})
        self.history.show_diff(a, b, diff)
        return tab

    def restore_version(self, workflow_id: str, number: int) -> int:
        result = self.store.workflows.rollback(workflow_id, number)
        for tab in self.editor_tabs():
            if tab.doc.workflow_id == workflow_id and not tab.doc.read_only and not tab.dirty:
                i = self.tabs.indexOf(tab)
                self.close_tab(i)
        self.open_workflow(workflow_id)
        self.refresh_history()
        self.statusBar().showMessage(f"Restored version {number} as version {result.version}", 5000)
        return result.version

