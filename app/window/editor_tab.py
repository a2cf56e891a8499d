"""One open workflow: its document, undo stack, scene and view, and the edits that act on the selection."""

from __future__ import annotations

import json
from typing import Callable

import networkx as nx
from PySide6.QtCore import QPointF, Signal
from PySide6.QtGui import QGuiApplication, QUndoStack
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pydantic import ValidationError

from engine.model import FORMAT, Annotation, Edge, Node  # (FORMAT: an exported workflow pastes its nodes too)

from ..canvas.scene import WorkflowScene
from ..canvas.view import CanvasView
from ..canvas.group_item import frame_around
from ..canvas.placement import place_new
from ..document.annotations import AddAnnotation, clipped_annotations, pasted_annotations
from ..document.commands import AddItems, AddNode, MoveNodes, RemoveItems
from ..document.model import EditorDocument, new_id

__all__ = ["EditorTab", "CLIPBOARD_KEY"]

CLIPBOARD_KEY = "nodeloom.clipboard"
LAYOUT_GAP_X, LAYOUT_GAP_Y = 70.0, 36.0  # between layers, between nodes of one layer


class EditorTab(QWidget):
    titleChanged = Signal()

    def __init__(self, doc: EditorDocument, journal_key: str, parent=None):
        super().__init__(parent)
        self.doc = doc
        self.journal_key = journal_key  # its unsaved edits' file in the crash journal; a draft's id for its runs
        self.undo_stack = QUndoStack(self)
        self.scene = WorkflowScene(doc, self.undo_stack, self)
        self.view = CanvasView(self.scene, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.view.blockDropped.connect(self.add_block)
        self.undo_stack.cleanChanged.connect(lambda _: self.titleChanged.emit())
        doc.propertiesChanged.connect(self.titleChanged.emit)  # a rename shows on the tab at once
        self.diff_of: tuple[int, int] | None = None  # a compare tab: the two versions it shows
        self.snapshot = False  # an old version opened read-only from the history
        self.behind: int | None = None  # a restored draft based on an older version: the newest version then
        self.closing = False

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def shows_runs(self) -> bool:
        """Whether live runs show here: not on a compare tab or an old version opened read-only."""
        return not self.diff_of and not self.snapshot

    def title(self, shorten: Callable[[str], str] | None = None) -> str:
        """What the tab says: the workflow's name (through ``shorten`` when given: a long one is elided on the
        tab), what it shows of the history, and " *" when it has unsaved edits."""
        doc = self.doc
        text = shorten(doc.name) if shorten is not None else doc.name
        if doc.read_only and doc.version:
            text += f" (v{doc.version}, read-only)" if not self.diff_of else f" (v{self.diff_of[0]} → v{self.diff_of[1]})"
        elif self.behind and self.dirty:
            text += f" (edits on v{doc.version}; newest v{self.behind})"
        return text + (" *" if self.dirty else "")

    # -- edits ------------------------------------------------------------------------------------------

    def add_block(self, block_type: str, pos: QPointF | None = None) -> str | None:
        if self.doc.read_only or self.doc.registry.get(block_type) is None:
            return None
        if pos is None:
            pos = self.view.mapToScene(self.view.viewport().rect().center())
        nid = new_id(f"{block_type}_", self.doc.nodes)
        node = Node(id=nid, type=block_type, position=(round(pos.x()), round(pos.y())),
                    config=self.doc.registry.get(block_type).starter_config(nid))
        add = AddNode(self.doc, node)
        self.undo_stack.beginMacro(add.text())  # one step, with the nudge to a free spot when there is one
        self.undo_stack.push(add)
        place_new(self.view, [nid])
        self.undo_stack.endMacro()
        self.scene.clearSelection()
        self.scene.node_items[nid].setSelected(True)
        return nid

    def delete_selection(self) -> None:
        nodes, edges = self.scene.selected_node_ids(), self.scene.selected_edge_ids()
        notes = self.scene.selected_annotation_ids()
        if (nodes or edges or notes) and not self.doc.read_only:
            self.undo_stack.push(RemoveItems(self.doc, nodes, edges, notes))

    def _clip(self) -> dict:
        """The selection as clipboard JSON: nodes, the links between them, the groups and notes going along."""
        ids = set(self.scene.selected_node_ids())
        return {CLIPBOARD_KEY: 1,
                "nodes": [self.doc.nodes[n].model_dump(mode="json") for n in self.doc.nodes if n in ids],
                "edges": [e.model_dump(mode="json") for e in self.doc.edges.values() if e.source in ids and e.target in ids],
                "annotations": clipped_annotations(self.doc, ids, set(self.scene.selected_annotation_ids()))}

    def copy_selection(self) -> str:
        text = json.dumps(self._clip())
        QGuiApplication.clipboard().setText(text)
        return text

    def paste(self, text: str | None = None, offset: float = 40.0, at: QPointF | None = None) -> list[str]:
        """Paste nodes copied from any tab or window (the clipboard holds JSON: nodes copied in Nodeloom, or a
        whole exported workflow); new ids, shifted a little (or with their top-left corner ``at`` a scene
        position). Anything else on the clipboard changes nothing and the status bar says so."""
        if self.doc.read_only:
            self.view.say("This version is read-only: nothing pasted")
            return []
        try:
            data = json.loads(text if text is not None else QGuiApplication.clipboard().text())
        except ValueError:
            data = None
        if not isinstance(data, dict) or not (CLIPBOARD_KEY in data or data.get("format") == FORMAT):
            self.view.say("The clipboard holds no Nodeloom nodes: copy nodes (Ctrl+C) or a workflow's JSON first")
            return []
        try:
            raws = [Node.model_validate(raw) for raw in data.get("nodes", [])]
            raw_edges = [Edge.model_validate(raw) for raw in data.get("edges", [])]
            raw_notes = [Annotation.model_validate(raw) for raw in data.get("annotations", [])]
        except (ValidationError, TypeError) as e:
            self.view.say(f"The clipboard's Nodeloom nodes could not be read: {str(e).splitlines()[0]}")
            return []
        renamed: dict[str, str] = {}
        taken = set(self.doc.nodes)
        nodes = []
        dx = dy = offset
        if at is not None and (raws or raw_notes):
            dx = at.x() - min(n.position[0] for n in [*raws, *raw_notes])
            dy = at.y() - min(n.position[1] for n in [*raws, *raw_notes])
        for node in raws:
            nid = new_id(f"{node.type}_", taken)
            taken.add(nid)
            renamed[node.id] = nid
            nodes.append(node.model_copy(update={"id": nid, "position": (node.position[0] + dx,
                                                                           node.position[1] + dy)}))
        edge_taken = set(self.doc.edges)
        edges = []
        for e in raw_edges:
            if e.source not in renamed or e.target not in renamed:
                continue  # a link to a node that was not copied
            eid = new_id("e", edge_taken)
            edge_taken.add(eid)
            edges.append(e.model_copy(update={"id": eid, "source": renamed[e.source], "target": renamed[e.target]}))
        notes = pasted_annotations(self.doc, raw_notes, renamed, dx, dy)
        if nodes or notes:
            self.undo_stack.push(AddItems(self.doc, nodes, edges, "Paste" if text is None else "Duplicate", notes))
            self.scene.clearSelection()
            for n in nodes:
                self.scene.node_items[n.id].setSelected(True)
            for a in notes:
                self.scene.annotation_items[a.id].setSelected(True)
        return [n.id for n in nodes]

    def duplicate(self) -> list[str]:
        return self.paste(json.dumps(self._clip()))

    # -- groups and notes -----------------------------------------------------------------------------------

    def group_selection(self) -> str | None:
        """A group framing the selected nodes (Ctrl+G), as one undo step."""
        ids = self.scene.selected_node_ids()
        if self.doc.read_only or not ids:
            self.view.say("Select the nodes to group first" if ids == [] else "This version is read-only")
            return None
        box = self.scene.node_items[ids[0]].sceneBoundingRect()
        for nid in ids[1:]:
            box = box.united(self.scene.node_items[nid].sceneBoundingRect())
        position, size = frame_around(box)
        gid = new_id("group", self.doc.annotations)
        group = Annotation(id=gid, kind="group", position=position, size=size, title="Group",
                           nodes=[n for n in self.doc.nodes if n in set(ids)])
        self.undo_stack.push(AddAnnotation(self.doc, group, f"Group {len(ids)} node{'s' if len(ids) != 1 else ''}"))
        return gid

    def add_note(self, pos: QPointF | None = None) -> str | None:
        """A note at ``pos`` (the middle of the view when none), ready for typing."""
        if self.doc.read_only:
            return None
        if pos is None:
            pos = self.view.mapToScene(self.view.viewport().rect().center())
        nid = new_id("note", self.doc.annotations)
        self.undo_stack.push(AddAnnotation(self.doc, Annotation(id=nid, kind="note", size=(240.0, 120.0),
                                                                position=(round(pos.x()), round(pos.y())))))
        item = self.scene.annotation_items[nid]
        self.scene.clearSelection()
        item.setSelected(True)
        item.start_edit()
        return nid

    def auto_layout(self) -> None:
        """Layers from the graph's topological generations, left to right, each node as tall as it is drawn
        (ports, thumbnail): nothing overlaps; one undo step."""
        if self.doc.read_only or not self.doc.nodes:
            return
        graph = nx.DiGraph()
        graph.add_nodes_from(self.doc.nodes)
        graph.add_edges_from((e.source, e.target) for e in self.doc.edges.values())
        if not nx.is_directed_acyclic_graph(graph):
            return
        items = self.scene.node_items
        new, x = {}, 0.0
        for generation in nx.topological_generations(graph):
            ordered = sorted(generation, key=lambda n: self.doc.nodes[n].position[1])
            heights = [items[n].boundingRect().height() for n in ordered]
            y = -(sum(heights) + LAYOUT_GAP_Y * (len(ordered) - 1)) / 2
            for nid, height in zip(ordered, heights):
                new[nid] = (x, round(y))
                y += height + LAYOUT_GAP_Y
            x += max(items[n].boundingRect().width() for n in ordered) + LAYOUT_GAP_X
        old = {nid: tuple(self.doc.nodes[nid].position) for nid in new}
        changed = {n: p for n, p in new.items() if tuple(old[n]) != p}
        if changed:
            self.undo_stack.push(MoveNodes(self.doc, {n: old[n] for n in changed}, changed))
            self.view.frame(selection_only=False)
