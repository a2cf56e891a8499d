"""Gestures on the canvas as small handler objects: connecting ports and panning."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsSimpleTextItem

from engine.model import Edge

from ..document.commands import Connect, RemoveItems
from ..document.model import new_id
from .edge_item import cubic
from .node_item import NodeItem

__all__ = ["ConnectInteraction", "PanInteraction", "MinimapInteraction"]


class ConnectInteraction:
    """Drag from a port: a live link follows the pointer, checked against the engine's rules as it moves.
    Released on a fitting port it becomes one Connect command (on an input that has a link already: one step
    that replaces it, as in ComfyUI); a refused link changes nothing and says why. Released on empty canvas, the
    view asks for a block to put there, linked to our port (``linkDropped``)."""

    def __init__(self, view, item: NodeItem, kind: str, port: str):
        self.view, self.scene = view, view.scene()
        self.item, self.kind, self.port = item, kind, port
        self.anchor = item.port_scene_pos(kind, port)
        self.line = QGraphicsPathItem()
        self.line.setZValue(10)
        self.label = QGraphicsSimpleTextItem()
        self.label.setZValue(11)
        self.label.setBrush(QColor("#f85149"))
        self.scene.addItem(self.line)
        self.scene.addItem(self.label)
        self.reason: str | None = None
        self.target: tuple | None = None
        self.said = False  # a refusal is in the status bar
        self.move(self.anchor)

    def _ends(self, node: NodeItem, kind: str, port: str):
        """(source, source_port, target, target_port) for a link between our port and that one."""
        if self.kind == "out" and kind == "in":
            return self.item.node_id, self.port, node.node_id, port
        if self.kind == "in" and kind == "out":
            return node.node_id, port, self.item.node_id, self.port
        return None

    def move(self, pos: QPointF) -> None:
        self.target, self.reason, self.replaces = None, None, None
        doc = self.scene.doc
        hit = self.scene.port_at(pos)
        if hit and hit[0] is not self.item:
            ends = self._ends(*hit)
            if ends is None:
                self.reason = "connect an output to an input"
            else:
                self.reason = doc.check_connection(*ends, replacing=True)
                if self.reason is None:
                    self.target = ends
                    self.replaces = doc.link_into(ends[2], ends[3])  # dropped there, the new link replaces it
        elif hit and (hit[1], hit[2]) != (self.kind, self.port):  # (still over the port the drag began on: fine)
            self.reason = "a node cannot feed itself"
        ok = self.target is not None
        color = QColor("#3fb950") if ok else (QColor("#f85149") if self.reason else QColor("#bbbbbb"))
        pen = QPen(color, 2, Qt.PenStyle.SolidLine if ok else Qt.PenStyle.DashLine)
        self.line.setPen(pen)
        a, b = (self.anchor, pos) if self.kind == "out" else (pos, self.anchor)
        self.line.setPath(cubic(a, b))
        if self.replaces is not None:
            old = doc.edges[self.replaces]
            self.label.setBrush(QColor("#d29922"))
            self.label.setText(f"replaces the link from {old.source}.{old.source_port}")
        else:
            self.label.setBrush(QColor("#f85149"))
            self.label.setText(self.reason or "")
        self.label.setPos(pos + QPointF(12, 12))
        if self.reason:
            self.view.say(f"Cannot connect: {self.reason}")
        elif self.said:  # off the refused port: the refusal no longer holds
            self.view.say("")
        self.said = bool(self.reason)

    def release(self, pos: QPointF) -> None:
        self.move(pos)
        self.scene.removeItem(self.line)
        self.scene.removeItem(self.label)
        if self.target is not None:
            s, sp, t, tp = self.target
            doc, stack = self.scene.doc, self.scene.undo_stack
            edge = Edge(id=new_id("e", doc.edges), source=s, source_port=sp, target=t, target_port=tp)
            if self.replaces is not None:  # one undo step: the old link out, the new one in
                stack.beginMacro(f"Replace the link into {t}.{tp}")
                stack.push(RemoveItems(doc, [], [self.replaces]))
                stack.push(Connect(doc, edge))
                stack.endMacro()
            else:
                stack.push(Connect(doc, edge))
            self.view.last_refusal = None
            self.view.say(f"Connected {s}.{sp} → {t}.{tp}" + (" (the old link replaced)" if self.replaces else ""))
        elif self.reason:
            self.view.last_refusal = self.reason
            self.view.say(f"Not connected: {self.reason}")
        elif self.scene.port_at(pos) is None and self.scene.node_at(pos) is None:  # empty canvas
            self.view.linkDropped.emit(self.item.node_id, self.kind, self.port, pos)


class PanInteraction:
    """Middle-button drag, or Space + left drag: move the view."""

    def __init__(self, view, pos):
        self.view, self.last = view, pos

    def move(self, pos) -> None:
        delta = pos - self.last
        self.last = pos
        h, v = self.view.horizontalScrollBar(), self.view.verticalScrollBar()
        h.setValue(h.value() - int(delta.x()))
        v.setValue(v.value() - int(delta.y()))

    def release(self, pos) -> None:
        pass


class MinimapInteraction:
    """Press or drag in the minimap: the view centres on the point under the pointer."""

    def __init__(self, minimap, pos):
        self.minimap = minimap
        minimap.go(pos)

    def move(self, pos) -> None:
        self.minimap.go(pos)

    def release(self, pos) -> None:
        pass
