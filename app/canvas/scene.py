"""The scene mirrors an EditorDocument: it builds items for its nodes and links and follows its signals.

Node items never know edge items; the scene keeps the references and re-routes links when nodes move. A drag
moves items live and, on release, pushes one MoveNodes command with the positions before and after (on the dot
grid, when ``snap`` is set).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtGui import QColor, QUndoStack
from PySide6.QtWidgets import QGraphicsScene, QToolTip

from engine.blocks.base import ERROR_PORT
from engine.expr.fields import find_exprs

from ..document.commands import MoveNodes
from ..document.model import EditorDocument
from .annotation_item import AnnotationItem, InlineText
from .edge_item import EdgeItem
from .group_item import GroupItem
from .node_item import NodeItem
from .note_item import NoteItem
from .ref_item import RefItem, references
from .removed_link import RemovedLinkItem

__all__ = ["WorkflowScene"]


class WorkflowScene(QGraphicsScene):
    message = Signal(str)
    #: what the graph looks like changed (nodes, links, statuses, thumbnails, the theme). The minimap follows
    #: this, not QGraphicsScene.changed: a connection to that one makes the scene track every updated
    #: rectangle of every frame (a drag) and hand the list to Python.
    looksChanged = Signal()
    snap = 0  # a moved node lands on this grid when released (scene units; 0: where it was dropped)

    def __init__(self, doc: EditorDocument, undo_stack: QUndoStack, parent=None):
        super().__init__(parent)
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.undo_stack = undo_stack
        self.doc: EditorDocument | None = None
        self.node_items: dict[str, NodeItem] = {}
        self.edge_items: dict[str, EdgeItem] = {}
        self.ref_items: dict[tuple[str, str, str], RefItem] = {}  # (source, port, reader) → its dashed line
        self.removed_links: list[RemovedLinkItem] = []  # while showing a diff: the older version's links gone
        self.annotation_items: dict[str, AnnotationItem] = {}  # groups and notes by id
        self.apply_palette()
        self._adjacent: dict[str, set[str]] = {}
        self._press_positions: dict[str, tuple] = {}
        self._selected_edges: set[str] = set()
        self.selectionChanged.connect(self._edge_selection)
        self.selectionChanged.connect(self.looksChanged)  # (the minimap outlines the selection)
        self.set_document(doc)

    def apply_palette(self) -> None:
        """The canvas background follows the application's light or dark palette."""
        from PySide6.QtGui import QPalette
        from PySide6.QtWidgets import QApplication

        window = QApplication.palette().color(QPalette.ColorRole.Window)
        self.light = window.lightness() >= 128
        self.setBackgroundBrush(QColor(226, 228, 232) if self.light else QColor(30, 31, 34))
        for edge in self.edge_items.values():
            edge.set_theme(self.light)
        for ref in getattr(self, "ref_items", {}).values():
            ref.set_theme(self.light)
        for node in self.node_items.values():
            node.set_light(self.light)
        for note in self.annotation_items.values():
            note.set_light(self.light)
        self.looksChanged.emit()

    # -- building -------------------------------------------------------------------------------------------

    def set_document(self, doc: EditorDocument) -> None:
        if self.doc is not None:
            for sig, slot in self._connections():
                sig.disconnect(slot)
            for sig in self._look_signals(self.doc):
                sig.disconnect(self.looksChanged)
        self.clear()
        self.node_items.clear()
        self.edge_items.clear()
        self.ref_items.clear()
        self.annotation_items.clear()
        self.removed_links = []
        self._adjacent.clear()
        self.doc = doc
        connected: dict[str, set[str]] = {}
        error_linked: set[str] = set()
        for e in doc.edges.values():
            connected.setdefault(e.target, set()).add(e.target_port)
            if e.source_port == ERROR_PORT:
                error_linked.add(e.source)
        ports: dict[tuple, tuple[list, list]] = {}  # the port lists of nodes alike, worked out once
        for nid, node in doc.nodes.items():
            cls = doc.block(nid)
            mine = connected.get(nid, set())
            key = (node.type, frozenset(mine) if cls is not None and cls.dynamic_inputs else None,
                   nid in error_linked or node.settings.on_error == "continue")
            if cls is not None and not doc.static_ports(cls):
                key = None  # ports that follow the node's config
            both = ports.get(key) if key is not None else None
            if both is None:
                both = (doc.inputs(nid, mine), doc.outputs(nid, nid in error_linked))
                if key is not None:
                    ports[key] = both
            self._add_node(nid, ports=both)
        self._build_edges()
        for nid in doc.nodes:
            self._sync_refs(nid)
        for aid in doc.annotations:
            self._add_annotation(aid)
        for sig, slot in self._connections():
            sig.connect(slot)
        for sig in self._look_signals(doc):
            sig.connect(self.looksChanged)
        self.setSceneRect(self._extent())
        self.looksChanged.emit()

    def _extent(self) -> QRectF:
        """Room around the nodes, from their positions (asking every item its bounding rect is slow)."""
        points = [n.position for n in self.doc.nodes.values()]
        for a in self.doc.annotations.values():  # (groups and notes: both corners)
            points += [a.position, (a.position[0] + a.size[0], a.position[1] + a.size[1])]
        xs = [p[0] for p in points] or [0.0]
        ys = [p[1] for p in points] or [0.0]
        return QRectF(min(xs) - 2000, min(ys) - 2000, max(xs) - min(xs) + 4400, max(ys) - min(ys) + 4600)

    @staticmethod
    def _look_signals(doc):
        return (doc.nodeAdded, doc.nodeRemoved, doc.nodeMoved, doc.nodeChanged, doc.edgeAdded, doc.edgeRemoved,
                doc.annotationAdded, doc.annotationRemoved, doc.annotationChanged)

    def _connections(self):
        d = self.doc
        return ((d.nodeAdded, self._node_added), (d.nodeRemoved, self._remove_node), (d.nodeMoved, self._node_moved),
                (d.nodeChanged, self._node_changed), (d.edgeAdded, self._add_edge), (d.edgeRemoved, self._remove_edge),
                (d.annotationAdded, self._add_annotation), (d.annotationRemoved, self._remove_annotation),
                (d.annotationChanged, self._annotation_changed))

    def _title(self, nid: str) -> str:
        return self.doc.title_of(nid)

    def _add_node(self, nid: str, ports: tuple[list, list] | None = None) -> None:
        node = self.doc.nodes[nid]
        cls = self.doc.block(nid)
        inputs, outputs = ports if ports is not None else (self.doc.inputs(nid), self.doc.outputs(nid, False))
        item = NodeItem(nid, self._title(nid), cls.category if cls else "unknown", inputs, outputs, self.light)
        item.setPos(*node.position)
        if node.pinned is not None:
            item.set_pinned(True)
        if node.bypass:
            item.set_bypassed(True)
        if self.doc.read_only:
            item.setFlag(NodeItem.GraphicsItemFlag.ItemIsMovable, False)
        self.node_items[nid] = item
        self._adjacent.setdefault(nid, set())
        self.addItem(item)

    def _node_added(self, nid: str) -> None:
        self._add_node(nid)
        for other, node in self.doc.nodes.items():  # (an undone delete: the nodes that read it draw it again)
            if other == nid or any(True for _ in find_exprs(node.config)):
                self._sync_refs(other)

    def _remove_node(self, nid: str) -> None:
        item = self.node_items.pop(nid)
        self._adjacent.pop(nid, None)
        self.removeItem(item)
        for key in [k for k in self.ref_items if nid in (k[0], k[2])]:
            self.removeItem(self.ref_items.pop(key))

    def _node_changed(self, nid: str) -> None:
        item = self.node_items[nid]
        item.set_ports(self._title(nid), self.doc.inputs(nid), self.doc.outputs(nid))
        item.set_pinned(self.doc.nodes[nid].pinned is not None)
        item.set_bypassed(self.doc.nodes[nid].bypass)
        for eid in self._adjacent.get(nid, ()):
            self._route(eid)
        self._sync_refs(nid)
        for (source, _port, reader), ref in self.ref_items.items():  # (its width may have changed)
            if source == nid:
                ref.route(item, self.node_items.get(reader))

    def _sync_refs(self, nid: str) -> None:
        """The dashed lines into ``nid``: one for each node output its field expressions read."""
        wanted = {(s, p, nid) for s, p in references(self.doc, nid)} if self.doc.nodes[nid].config else set()
        for key in [k for k in self.ref_items if k[2] == nid and k not in wanted]:
            self.removeItem(self.ref_items.pop(key))
        for key in wanted - self.ref_items.keys():
            item = self.ref_items[key] = RefItem(*key, self.light)
            item.route(self.node_items.get(key[0]), self.node_items.get(nid))
            self.addItem(item)

    def _node_moved(self, nid: str) -> None:
        item = self.node_items[nid]
        pos = QPointF(*self.doc.nodes[nid].position)
        if item.pos() != pos:
            item.setPos(pos)
            self._moved_live(nid)

    def _moved_live(self, nid: str) -> None:
        edges = self.edge_items
        for eid in self._adjacent.get(nid, ()):
            item = edges.get(eid)
            if item is not None and item.ends is not None:
                item.reroute()  # its ends are known: only the positions changed
        if self.ref_items:
            nodes = self.node_items
            for (source, port, reader), ref in self.ref_items.items():
                if nid in (source, reader):
                    ref.route(nodes.get(source), nodes.get(reader))
        for removed in self.removed_links:
            if removed.joins(nid):
                removed.reroute()

    def _add_annotation(self, aid: str) -> None:
        annotation = self.doc.annotations[aid]
        kind = GroupItem if annotation.kind == "group" else NoteItem
        item = self.annotation_items[aid] = kind(annotation, self.light, editable=not self.doc.read_only)
        self.addItem(item)

    def _remove_annotation(self, aid: str) -> None:
        self.removeItem(self.annotation_items.pop(aid))

    def _annotation_changed(self, aid: str) -> None:
        self.annotation_items[aid].sync(self.doc.annotations[aid])

    def _build_edges(self) -> None:
        for eid, e in self.doc.edges.items():
            self.addItem(self._edge_item(eid, e))

    def _edge_item(self, eid: str, e) -> EdgeItem:
        """A link's item, joined to its nodes' items and routed before it is indexed (the index sees its final
        shape once)."""
        src, tgt = self.node_items.get(e.source), self.node_items.get(e.target)
        out = src._ports.get(("out", e.source_port)) if src is not None else None
        item = EdgeItem(eid, out[1] if out else "any", self.light)
        item.source_end = (e.source, e.source_port)
        self.edge_items[eid] = item
        self._adjacent.setdefault(e.source, set()).add(eid)
        self._adjacent.setdefault(e.target, set()).add(eid)
        item.attach(src, e.source_port, tgt, e.target_port)
        return item

    def _add_edge(self, eid: str) -> None:
        e = self.doc.edges[eid]
        src = self.node_items.get(e.source)
        if src is not None and e.source_port == ERROR_PORT and src.port_type("out", ERROR_PORT) == "any":
            self._node_changed(e.source)  # (a pasted or restored link from a hidden error port shows it)
        self.addItem(self._edge_item(eid, e))

    def _remove_edge(self, eid: str) -> None:
        item = self.edge_items.pop(eid)
        for ends in self._adjacent.values():
            ends.discard(eid)
        self.removeItem(item)
        source, port = item.source_end
        if port == ERROR_PORT and source in self.node_items:
            self._node_changed(source)  # its error port hides again unless on_error is continue

    def _route(self, eid: str) -> None:
        e = self.doc.edges.get(eid)
        item = self.edge_items.get(eid)
        if e is None or item is None:
            return
        items = self.node_items
        src, tgt = items.get(e.source), items.get(e.target)
        item.attach(src, e.source_port, tgt, e.target_port)

    def _edge_selection(self) -> None:
        now = set(self.selected_edge_ids())
        for eid in now ^ self._selected_edges:
            item = self.edge_items.get(eid)
            if item is not None:
                item.show_selected(eid in now)
        self._selected_edges = now

    # -- queries ---------------------------------------------------------------------------------------------

    def node_at(self, pos: QPointF) -> NodeItem | None:
        for item in self.items(pos):
            if isinstance(item, NodeItem):
                return item
        return None

    def port_at(self, pos: QPointF) -> tuple[NodeItem, str, str] | None:
        for item in self.items(QRectF(pos.x() - 10, pos.y() - 10, 20, 20)):
            if isinstance(item, NodeItem):
                hit = item.port_at(item.mapFromScene(pos))
                if hit:
                    return item, hit[0], hit[1]
        return None

    def selected_node_ids(self) -> list[str]:
        return [i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)]

    def selected_edge_ids(self) -> list[str]:
        return [i.edge_id for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def selected_annotation_ids(self) -> list[str]:
        return [i.annotation_id for i in self.selectedItems() if isinstance(i, AnnotationItem)]

    def annotation_at(self, pos: QPointF) -> AnnotationItem | None:
        """The group (by its title bar or corner) or note under ``pos``."""
        return next((i for i in self.items(pos) if isinstance(i, AnnotationItem)), None)

    def editing_text(self) -> bool:
        """Whether keys go to a group's title or a note being typed in."""
        focus = self.focusItem()
        return isinstance(focus, InlineText) and focus.editing

    def set_diff(self, states: dict[str, str], edge_states: dict[str, str] | None = None,
                 removed_links=()) -> None:
        """Show a diff: each node's and link's state by id, and ``removed_links`` (engine.store.Link, named by
        their endpoints) drawn dashed between the nodes they joined, outside the document."""
        for nid, item in self.node_items.items():
            item.set_diff_state(states.get(nid))
        for eid, item in self.edge_items.items():
            item.set_diff_state((edge_states or {}).get(eid))
        for item in self.removed_links:
            self.removeItem(item)
        self.removed_links = [RemovedLinkItem(link) for link in removed_links]
        for item in self.removed_links:
            item.attach(self.node_items.get(item.link.source), self.node_items.get(item.link.target))
            self.addItem(item)
        self.looksChanged.emit()

    # -- a drag is one undo step -----------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:
        super().mousePressEvent(event)
        self._press_positions = {nid: tuple(self.doc.nodes[nid].position) for nid in self.selected_node_ids()}

    def helpEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """A node's tooltip is made when it is asked for (NodeItem.toolTip); other items have theirs set."""
        top = next(iter(self.items(event.scenePos())), None)
        if not isinstance(top, NodeItem):
            super().helpEvent(event)
            return
        QToolTip.showText(event.screenPos(), top.toolTip(), event.widget())
        event.setAccepted(True)

    def mouseDoubleClickEvent(self, event) -> None:
        """A press soon after a click comes as a double-click, and may begin a drag like any press."""
        super().mouseDoubleClickEvent(event)
        self._press_positions = {nid: tuple(self.doc.nodes[nid].position) for nid in self.selected_node_ids()}

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)  # moves the selected items; their links follow
        for nid in self._press_positions:
            self._moved_live(nid)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        moved_old, moved_new = {}, {}
        for nid, old in self._press_positions.items():
            item = self.node_items.get(nid)
            if item is None:
                continue
            new = (item.pos().x(), item.pos().y())
            if new != tuple(old) and self.snap:
                new = (float(round(new[0] / self.snap) * self.snap), float(round(new[1] / self.snap) * self.snap))
                if new == tuple(old):  # snapped back where it was: no move
                    item.setPos(*new)
                    self._moved_live(nid)
            if new != tuple(old):
                moved_old[nid], moved_new[nid] = tuple(old), new
        self._press_positions = {}
        if moved_new and not self.doc.read_only:
            self.undo_stack.push(MoveNodes(self.doc, moved_old, moved_new))
