"""Problems found before a run (an invalid graph): each marked on its node and listed in the run log."""

from __future__ import annotations

from ..canvas.live import mark_problems
from ..panels.run_panel import ENDED
from .outputs import label_of

__all__ = ["show_problems"]


def show_problems(w, tab, invalid) -> None:
    """Problems found before a run: each marked on its node (hover for the message) and listed in the log
    (click a line to select its node)."""
    from types import SimpleNamespace

    by_node: dict[str, list[str]] = {}
    for issue in invalid.issues:
        if issue.node_id:
            by_node.setdefault(issue.node_id, []).append(issue.message)
    count = len(invalid.issues)
    w.run_panel.log(f"{ENDED} not run: {count} problem{'s' if count != 1 else ''} to fix first", tab=tab)
    for issue in invalid.issues:
        where = label_of(tab.doc, issue.node_id) if issue.node_id else (
            f"link {issue.edge_id}" if issue.edge_id else "workflow")
        w.run_panel.log(f"  {where}: {issue.message}", SimpleNamespace(
            node_id=issue.node_id, error=issue.message, traceback=None), tab=tab)
    mark_problems(tab.scene, by_node)
    first = invalid.issues[0]
    where = f"{label_of(tab.doc, first.node_id)}: " if first.node_id else ""
    w.statusBar().showMessage(f"Not run: {where}{first.message}" + (
        f" (and {count - 1} more in the run log)" if count > 1 else ""), 10000)
    w.run_dock.show()
    w.run_dock.raise_()
