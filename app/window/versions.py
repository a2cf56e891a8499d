"""The version history of the current tab's workflow: compare two versions on the canvas, restore one."""

from __future__ import annotations

from ..document.model import EditorDocument
from .editor_tab import EditorTab

__all__ = ["VersionsController"]


class VersionsController:
    def __init__(self, window):
        self.w = window

    def refresh(self) -> None:
        w = self.w
        tab = w.current_tab()
        wid = tab.doc.workflow_id if tab else None
        w.history.show_versions(wid, tab.doc.name if tab else "", w.store.workflows.versions(wid) if wid else [])

    def compare(self, workflow_id: str, a: int, b: int) -> EditorTab:
        """Open version b read-only with what changed since version a highlighted on the canvas."""
        w = self.w
        diff = w.store.workflows.diff(workflow_id, a, b)
        old = w.store.workflows.document(workflow_id, a)
        new = w.store.workflows.document(workflow_id, b)
        ghosts = [n for n in old.nodes if n.id in diff.nodes_removed]
        shown = new.model_copy(update={"nodes": [*new.nodes, *ghosts]})
        doc = EditorDocument(shown, workflow_id=workflow_id, version=b, read_only=True, registry=w.registry)
        tab = w.add_tab(doc)
        tab.diff_of = (a, b)
        w.retitle(tab)
        states = {n: "added" for n in diff.nodes_added}
        states.update({n: "moved" for n in diff.nodes_moved})
        states.update({c.node_id: "changed" for c in diff.nodes_changed})
        states.update({n: "removed" for n in diff.nodes_removed})
        tab.scene.set_diff(states, {e: "added" for e in diff.edges_added})
        w.history.show_diff(a, b, diff, old, new)
        return tab

    def restore(self, workflow_id: str, number: int) -> int:
        w = self.w
        result = w.store.workflows.rollback(workflow_id, number)
        for tab in w.editor_tabs():
            if tab.doc.workflow_id == workflow_id and not tab.doc.read_only and not tab.dirty:
                w.closing.close(tab)
        w.workflows.open(workflow_id)
        self.refresh()
        w.statusBar().showMessage(f"Restored version {number} as version {result.version}", 5000)
        return result.version
