"""The version history of the current tab's workflow: compare two versions on the canvas, restore one.

What each version changed against the one before it is read off the GUI thread (one reader thread; a long
history is read newest first, in batches) and kept for the session by (workflow, number): versions never
change, so a summary is worked out once however often the tabs change.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal

from engine import NotFound

from ..document.model import EditorDocument
from ..panels.diff_legend import DiffLegend
from .editor_tab import EditorTab

__all__ = ["VersionsController"]

log = logging.getLogger(__name__)
BATCH = 40  # versions summarized per read: the newest (the top of the list) show first


class _Reader(QObject):
    read = Signal(str, object)  # workflow id, {number: summary}; emitted from the reader thread


class VersionsController:
    def __init__(self, window):
        self.w = window
        self.summaries: dict[tuple[str, int], str] = {}
        self._reading: set[str] = set()       # workflows with a read under way
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(1)
        self._reader = _Reader()
        self._reader.read.connect(self._summaries_read, Qt.ConnectionType.QueuedConnection)

    def refresh(self) -> None:
        w = self.w
        tab = w.current_tab()
        wid = tab.doc.workflow_id if tab else None
        versions = w.store.workflows.versions(wid) if wid else []
        known = {v.number: self.summaries[(wid, v.number)] for v in versions if (wid, v.number) in self.summaries}
        w.history.show_versions(wid, tab.doc.name if tab else "", versions, known)
        if tab is not None and wid and tab.diff_of:  # a compare tab: the details say what it shows
            self._show_diff(wid, *tab.diff_of)
        self._read_missing(wid, [v.number for v in versions])

    def _show_diff(self, wid: str, a: int, b: int) -> None:
        workflows = self.w.store.workflows
        try:
            diff = workflows.diff(wid, a, b)
            old, new = workflows.document(wid, a), workflows.document(wid, b)
        except NotFound:  # deleted elsewhere meanwhile
            self.w.history.clear_details()
            return
        self.w.history.show_diff(a, b, diff, old, new, self.w.registry)

    def _read_missing(self, wid: str | None, numbers: list[int]) -> None:
        missing = sorted((n for n in numbers if (wid, n) not in self.summaries), reverse=True)
        if not wid or not missing or wid in self._reading:
            return
        self._reading.add(wid)
        workflows, reader = self.w.store.workflows, self._reader

        def read() -> None:
            for start in range(0, len(missing), BATCH):
                try:
                    found = workflows.change_summaries(wid, missing[start:start + BATCH])
                except Exception:  # noqa: BLE001 - the store closed under it, or the workflow is gone
                    log.debug("version summaries of %s not read", wid, exc_info=True)
                    found = {}
                try:
                    reader.read.emit(wid, found)
                except RuntimeError:  # the window is gone
                    return
                if not found:
                    return
            try:
                reader.read.emit(wid, None)  # done
            except RuntimeError:
                pass

        self._pool.start(read)

    def _summaries_read(self, wid: str, found: dict | None) -> None:
        if found is None or not found:
            self._reading.discard(wid)
            history = self.w.history
            if found is None and history.workflow_id == wid:  # versions saved meanwhile: read those too
                numbers = [history.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(history.list.count())]
                self._read_missing(wid, numbers)
            return
        self.summaries.update({(wid, n): text for n, text in found.items()})
        self.w.history.set_summaries(wid, found)

    def close(self) -> None:
        """Drop reads not started and wait for the one under way (before the store closes)."""
        self._pool.clear()
        self._pool.waitForDone()

    def compare(self, workflow_id: str, a: int, b: int) -> EditorTab:
        """Open version b read-only with what changed since version a highlighted on the canvas: nodes by
        state, removed nodes as ghosts, and removed links dashed between the nodes they joined (drawn by the
        scene from the diff's endpoints, outside the document, so never run)."""
        w = self.w
        diff = w.store.workflows.diff(workflow_id, a, b)
        old = w.store.workflows.document(workflow_id, a)
        new = w.store.workflows.document(workflow_id, b)
        ghosts = [n for n in old.nodes if n.id in diff.nodes_removed]
        shown = new.model_copy(update={"nodes": [*new.nodes, *ghosts]})
        doc = EditorDocument(shown, workflow_id=workflow_id, version=b, read_only=True, registry=w.registry)
        tab = w.add_tab(doc, diff_of=(a, b))
        legend = DiffLegend(a, b, diff.summary(), tab)
        tab.layout().insertWidget(0, legend)
        legend.show()
        w.retitle(tab)
        states = {n: "added" for n in diff.nodes_added}
        states.update({n: "moved" for n in diff.nodes_moved})
        states.update({r.node_id: "renamed" for r in diff.nodes_renamed})  # (moved too: its name is what shows)
        states.update({c.node_id: "changed" for c in diff.nodes_changed})
        states.update({n: "removed" for n in diff.nodes_removed})
        tab.scene.set_diff(states, {link.id: "added" for link in diff.edges_added}, diff.edges_removed)
        w.history.show_diff(a, b, diff, old, new, w.registry)
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
