"""A reference: a dashed line from a node's output to a node whose config field reads it with an expression
(``{{ nodes.<id>.<port> }}``, SPEC §5a) — a dependency without a link, drawn so it is seen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsPathItem

from engine.errors import ExpressionError
from engine.expr.fields import compile_template, find_exprs

from ..look import HEADER
from .edge_item import cubic_xy

__all__ = ["RefItem", "references"]


def references(doc, nid: str) -> set[tuple[str, str]]:
    """The (node, port) pairs the node's field expressions read (run inputs: their input node's value)."""
    node = doc.nodes.get(nid)
    found: set[tuple[str, str]] = set()
    if node is None:
        return found
    for _, source in find_exprs(node.config):
        try:
            refs = compile_template(source).refs
        except ExpressionError:
            continue
        for ref in refs:
            if ref.parts[0] == "nodes" and ref.parts[1] in doc.nodes and ref.parts[1] != nid:
                found.add((ref.parts[1], ref.parts[2]))
            elif ref.parts[:2] == ("run", "inputs"):
                for other, n in doc.nodes.items():
                    if n.type == "input" and n.config.get("name") == ref.parts[2]:
                        found.add((other, "value"))
    return found


class RefItem(QGraphicsPathItem):
    def __init__(self, source: str, port: str, target: str, light: bool):
        super().__init__()
        self.key = (source, port, target)
        self.setZValue(-2)  # under links and nodes
        self.setToolTip(f"{target} reads nodes.{source}.{port} in a config field")
        self.set_theme(light)

    def set_theme(self, light: bool) -> None:
        pen = QPen(QColor("#7d5bbe") if light else QColor("#b9a2ee"), 1.5, Qt.PenStyle.DashLine)
        self.setPen(pen)

    def route(self, source_item, target_item) -> None:
        if source_item is None or target_item is None:
            self.setVisible(False)
            return
        self.setVisible(True)
        a, b = source_item.pos(), target_item.pos()
        port = self.key[1]
        self.setPath(cubic_xy(a.x() + source_item.width, a.y() + source_item.port_dy("out", port), b.x(),
                             b.y() + HEADER / 2))
