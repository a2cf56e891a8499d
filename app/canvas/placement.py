"""Where a new node goes (issue 26): where it was asked for when that spot is free, else the nearest free spot —
clear of the other nodes and notes by a margin, never under the minimap, in sight when a spot in sight is free.
Nodes made from dropped files, by the add-block popup (Tab, double-click, the canvas menu, a palette drop), by a
link dropped on empty canvas and by inserting a node into a link are all placed so. A nudge moves by whole cells of
the dot grid: a node keeps its place on the grid."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF

from ..document.commands import MoveNodes
from .node_item import NodeItem
from .note_item import NoteItem

__all__ = ["free_spot", "place_new"]

MARGIN = 12.0  # scene units kept free around a new node
STEP = 24      # a nudge is whole cells of the dot grid (view.GRID)
REACH = 40     # cells: how far from the spot asked for it looks
#: the nudges tried, nearest first (then the smaller sideways, then down before up)
_NUDGES = sorted(((dx, dy) for dx in range(-REACH, REACH + 1) for dy in range(-REACH, REACH + 1)),
                 key=lambda d: (d[0] * d[0] + d[1] * d[1], abs(d[0]), -d[1]))


def free_spot(view, box: QRectF, skip=(), extra=()) -> QPointF:
    """How far to move ``box`` (a new node's rectangle in the scene) so it covers no node or note (but those in
    ``skip``, node ids; ``extra``: more rectangles to keep clear of) and is not under the minimap: (0, 0) when it
    is clear where it is, or when no spot within reach is."""
    scene = view.scene()
    reach = REACH * STEP + MARGIN
    taken = [r for r in extra]
    for item in scene.items(box.adjusted(-reach, -reach, reach, reach)):
        if isinstance(item, NodeItem) and item.node_id not in skip or isinstance(item, NoteItem):
            taken.append(item.sceneBoundingRect())
    taken = [r.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN) for r in taken]
    minimap = view.minimap.scene_rect()  # (where it is drawn, or will be once the canvas has a node)
    if minimap is not None:
        gap = MARGIN / max(view.transform().m11(), 1e-3)
        taken.append(minimap.adjusted(-gap, -gap, gap, gap))

    def clear(at: QRectF) -> bool:
        return not any(at.intersects(r) for r in taken)

    if clear(box):
        return QPointF()
    seen = view.mapToScene(view.viewport().rect()).boundingRect()
    for in_sight in (True, False):
        for dx, dy in _NUDGES:
            at = box.translated(dx * STEP, dy * STEP)
            if (not in_sight or seen.contains(at)) and clear(at):
                return QPointF(dx * STEP, dy * STEP)
    return QPointF()


def place_new(view, node_ids: list[str]) -> None:
    """Move the nodes just added (``node_ids``, in this order) each to a free spot: one MoveNodes command, pushed
    inside the caller's macro (the add and the nudge are one undo step); none when all are clear."""
    scene = view.scene()
    doc = scene.doc
    old, new, placed = {}, {}, []
    for nid in node_ids:
        box = scene.node_items[nid].sceneBoundingRect()
        shift = free_spot(view, box, skip=set(node_ids), extra=placed)
        placed.append(box.translated(shift))
        if not shift.isNull():
            x, y = doc.nodes[nid].position
            old[nid], new[nid] = (x, y), (round(x + shift.x()), round(y + shift.y()))
    if new:
        scene.undo_stack.push(MoveNodes(doc, old, new))
