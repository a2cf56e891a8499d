"""A link the older version of a diff had and the shown one has not: dashed, in the diff's "removed" colour,
between the nodes it joined (still there, or shown as ghosts).

It belongs to the scene only, never to the document: not selectable, not an EdgeItem (so no link menu, no
selection, no delete acts on it, and whatever edge the shown version has under the same id is another item),
and never part of a run.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsPathItem

from ..look import DIFF_COLORS, NODE_WIDTH
from .edge_item import cubic_xy

__all__ = ["RemovedLinkItem"]


class RemovedLinkItem(QGraphicsPathItem):
    def __init__(self, link):
        super().__init__()
        self.link = link  # engine.store.Link: its id and endpoints in the older version
        pen = QPen(DIFF_COLORS["removed"], 3)
        pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        self.setToolTip(f"removed link {link.source}.{link.source_port} → {link.target}.{link.target_port}")
        self.ends = None

    def attach(self, source, target) -> None:
        """Join the two node items (either missing: the link is not drawn)."""
        link = self.link
        if source is None or target is None:
            self.ends = None
            self.setVisible(False)
            return
        self.ends = (source, source.port_dy("out", link.source_port), target, target.port_dy("in", link.target_port))
        self.setVisible(True)
        self.reroute()

    def reroute(self) -> None:
        if self.ends is None:
            return
        source, sy, target, ty = self.ends
        a, b = source.pos(), target.pos()
        self.setPath(cubic_xy(a.x() + NODE_WIDTH, a.y() + sy, b.x(), b.y() + ty))

    def joins(self, node_id: str) -> bool:
        return node_id in (self.link.source, self.link.target)
