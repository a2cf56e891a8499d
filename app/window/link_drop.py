"""A link dropped into empty space (as in ComfyUI): the add-block popup opens where it was released, offering only
the blocks with a port that fits the one the drag began on (typed as SPEC §3 says: ``engine.types.can_feed``);
the block chosen is placed there and wired to that port, one undo step. From an output, the new node's first
input that takes its type; from an input (backwards), the new node's first output that feeds it — replacing
the input's present link, in the same step. Esc closes the popup: nothing changed."""

from __future__ import annotations

from PySide6.QtCore import QPointF

from engine.blocks.base import ERROR_PORT
from engine.model import Edge, Node
from engine.types import can_feed

from ..canvas.node_item import node_width
from ..canvas.placement import place_new
from ..document.commands import AddNode, Connect, RemoveItems
from ..document.model import new_id
from ..look import HEADER, ROW

__all__ = ["LinkDrops", "fitting_port"]


def fitting_port(cls, node_id: str, kind: str, port_type: str) -> tuple[str, int] | None:
    """The port (name, its row) of a new ``cls`` node that a link from our port fits: for a drag from an output
    (``kind`` "out") its first input taking ``port_type``, from an input its first output feeding it (never the
    ``error`` port every node has). None when it has none."""
    try:
        model = cls.Config.model_validate(cls.starter_config(node_id))
    except Exception:  # noqa: BLE001 - the starter config may need filling in; ports then from the class
        model = None
    if kind == "out":
        ports = [p for p in cls.input_ports(model)]
        fits = [i for i, p in enumerate(ports) if can_feed(port_type, p.type)]
    else:
        ports = [p for p in cls.output_ports(model) if p.name != ERROR_PORT]
        fits = [i for i, p in enumerate(ports) if can_feed(p.type, port_type)]
    return (ports[fits[0]].name, fits[0]) if fits else None


class LinkDrops:
    def __init__(self, window):
        self.w = window

    def fitting_blocks(self, tab, node_id: str, kind: str, port: str) -> set[str]:
        port_type = tab.scene.node_items[node_id].port_type(kind, port)
        return {cls.type for cls in tab.doc.registry if fitting_port(cls, f"{cls.type}_1", kind, port_type)}

    def open(self, tab, node_id: str, kind: str, port: str, pos: QPointF) -> None:
        """The popup at ``pos`` (scene), offering what fits ``node_id``'s port."""
        if tab.doc.read_only or node_id not in tab.doc.nodes:
            return
        view = tab.view
        self.w.popup.show_at(view.mapToGlobal(view.mapFromScene(pos)), pos,
                             lambda block_type, at: self.add_wired(tab, node_id, kind, port, block_type, at),
                             only=self.fitting_blocks(tab, node_id, kind, port),
                             hint=f"A block to link {'from' if kind == 'out' else 'to'} {node_id}.{port}…")

    def add_wired(self, tab, node_id: str, kind: str, port: str, block_type: str, pos: QPointF) -> str | None:
        """A new ``block_type`` node at ``pos`` linked to ``node_id``'s port: one undo step."""
        doc = tab.doc
        cls = doc.registry.get(block_type)
        item = tab.scene.node_items.get(node_id)
        if cls is None or item is None or doc.read_only:
            return None
        nid = new_id(f"{block_type}_", doc.nodes)
        found = fitting_port(cls, nid, kind, item.port_type(kind, port))
        if found is None:
            tab.view.say(f"{cls.display_title()} has no port that fits {node_id}.{port}")
            return None
        theirs, row = found
        dy = HEADER + ROW * row + ROW / 2 + 2  # (where NodeItem draws that port)
        x = pos.x() if kind == "out" else pos.x() - node_width(cls.display_title())
        node = Node(id=nid, type=block_type, config=cls.starter_config(nid), position=(round(x), round(pos.y() - dy)))
        if kind == "out":
            edge = Edge(id=new_id("e", doc.edges), source=node_id, source_port=port, target=nid, target_port=theirs)
            replaced = None
        else:
            edge = Edge(id=new_id("e", doc.edges), source=nid, source_port=theirs, target=node_id, target_port=port)
            replaced = doc.link_into(node_id, port)
        stack = tab.undo_stack
        add = AddNode(doc, node)
        stack.beginMacro(add.text())
        if replaced is not None:
            stack.push(RemoveItems(doc, [], [replaced]))
        stack.push(add)
        place_new(tab.view, [nid])  # (where it would cover a node or be under the minimap: the nearest free spot)
        stack.push(Connect(doc, edge))
        stack.endMacro()
        tab.scene.clearSelection()
        tab.scene.node_items[nid].setSelected(True)
        tab.view.say(f"Added {cls.display_title()}, linked {edge.source}.{edge.source_port} → "
                     f"{edge.target}.{edge.target_port}" + (" (the old link replaced)" if replaced else ""))
        return nid
