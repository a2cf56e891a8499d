"""Arranging the selected nodes: align their left edges, centres, right edges, tops, middles or bottoms;
distribute them so the gaps between them are equal (the outermost two stay) — each one MoveNodes undo step —
and View ▸ Snap to grid: a moved node lands on the canvas's dot grid when it is released (the scene snaps it;
the choice is remembered in the window's QSettings "snapToGrid")."""

from __future__ import annotations

from ..canvas.view import GRID
from ..document.commands import MoveNodes
from .editor_tab import EditorTab

__all__ = ["align", "distribute", "set_snap", "snap_on", "adopt", "ALIGN_WORDS"]

ALIGN_WORDS = {"left": "left", "centre": "centres", "right": "right", "top": "tops", "middle": "middles",
               "bottom": "bottoms"}


def _selected(tab: EditorTab, at_least: int, verb: str) -> dict | None:
    """The selected nodes' drawn rectangles by id, or None (and why, on the status bar)."""
    if tab.doc.read_only:
        tab.view.say("This version is read-only: nothing moved")
        return None
    items = tab.scene.node_items
    ids = tab.scene.selected_node_ids()
    if len(ids) < at_least:
        tab.view.say(f"Select {at_least} or more nodes to {verb} them")
        return None
    return {nid: items[nid].body_rect().translated(items[nid].pos()) for nid in ids}


def _move(tab: EditorTab, new: dict[str, tuple[float, float]], text: str) -> None:
    old = {nid: tuple(tab.doc.nodes[nid].position) for nid in new}
    changed = {nid: pos for nid, pos in new.items() if tuple(old[nid]) != pos}
    if changed:
        command = MoveNodes(tab.doc, {nid: old[nid] for nid in changed}, changed)
        command.setText(text)
        tab.undo_stack.push(command)


def align(tab: EditorTab, how: str) -> None:
    """Line the selected nodes up on ``how`` (left, centre, right, top, middle, bottom) of all of them together."""
    rects = _selected(tab, 2, "align")
    if rects is None:
        return
    left, right = min(r.left() for r in rects.values()), max(r.right() for r in rects.values())
    top, bottom = min(r.top() for r in rects.values()), max(r.bottom() for r in rects.values())
    new = {}
    for nid, r in rects.items():
        x, y = r.left(), r.top()
        if how == "left":
            x = left
        elif how == "centre":
            x = (left + right) / 2 - r.width() / 2
        elif how == "right":
            x = right - r.width()
        elif how == "top":
            y = top
        elif how == "middle":
            y = (top + bottom) / 2 - r.height() / 2
        elif how == "bottom":
            y = bottom - r.height()
        new[nid] = (x, y)
    _move(tab, new, f"Align {len(rects)} nodes {ALIGN_WORDS[how]}")


def distribute(tab: EditorTab, horizontally: bool) -> None:
    """Equal gaps between the selected nodes, in their order along the axis; the first and last stay."""
    rects = _selected(tab, 3, "distribute")
    if rects is None:
        return
    start = (lambda r: r.left()) if horizontally else (lambda r: r.top())
    length = (lambda r: r.width()) if horizontally else (lambda r: r.height())
    order = sorted(rects, key=lambda nid: (start(rects[nid]), nid))
    first, last = rects[order[0]], rects[order[-1]]
    span = start(last) + length(last) - start(first)
    gap = (span - sum(length(r) for r in rects.values())) / (len(order) - 1)
    new, at = {}, start(first)
    for nid in order:
        r = rects[nid]
        new[nid] = (at, r.top()) if horizontally else (r.left(), at)
        at += length(r) + gap
    new[order[-1]] = (last.left(), last.top())  # (exactly where it was, whatever the rounding on the way)
    _move(tab, new, f"Distribute {len(rects)} nodes {'horizontally' if horizontally else 'vertically'}")


def snap_on(window) -> bool:
    return str(window.settings.value("snapToGrid", "false")).lower() == "true"


def adopt(window, tab: EditorTab) -> None:
    """A new tab snaps its moves when the window does."""
    tab.scene.snap = GRID if window.actionSnapGrid.isChecked() else 0


def set_snap(window, on: bool) -> None:
    """View ▸ Snap to grid: every tab, this session and the next."""
    window.settings.setValue("snapToGrid", on)
    window.settings.sync()
    for tab in window.editor_tabs():
        tab.scene.snap = GRID if on else 0
