"""Every edit is a small QUndoCommand that changes only the document; the scene follows by signals.

Deletes are composite (a node with its links is one step); a drag of several nodes is one MoveNodes, pushed
once on release; pasting is one macro.
"""

from __future__ import annotations

import copy

from PySide6.QtGui import QUndoCommand

from engine.model import Annotation, Edge, Node

from .model import EditorDocument

__all__ = ["block_title", "AddNode", "RemoveItems", "MoveNodes", "Connect", "UpdateNode", "AddItems", "SetProperties",
           "ReplaceContent"]


def block_title(doc: EditorDocument, block_type: str) -> str:
    """A block's name for people, for a command's text ("Add Image Blur"); its type when it is unknown."""
    cls = doc.registry.get(block_type)
    return cls.display_title() if cls is not None else block_type


class AddNode(QUndoCommand):
    def __init__(self, doc: EditorDocument, node: Node):
        super().__init__(f"Add {block_title(doc, node.type)}")
        self.doc, self.node = doc, node

    def redo(self) -> None:
        self.doc.add_node(self.node.model_copy(deep=True))

    def undo(self) -> None:
        self.doc.remove_node(self.node.id)


class AddItems(QUndoCommand):
    """Several nodes and edges at once (paste, duplicate), with the groups and notes that came along."""

    def __init__(self, doc: EditorDocument, nodes: list[Node], edges: list[Edge], text: str = "Paste",
                 annotations: list[Annotation] = ()):
        super().__init__(text)
        self.doc, self.nodes, self.edges, self.annotations = doc, nodes, edges, list(annotations)

    def redo(self) -> None:
        for n in self.nodes:
            self.doc.add_node(n.model_copy(deep=True))
        for e in self.edges:
            self.doc.add_edge(e.model_copy(deep=True))
        for a in self.annotations:
            self.doc.add_annotation(a.model_copy(deep=True))

    def undo(self) -> None:
        for a in self.annotations:
            self.doc.remove_annotation(a.id)
        for e in self.edges:
            self.doc.remove_edge(e.id)
        for n in self.nodes:
            self.doc.remove_node(n.id)


class RemoveItems(QUndoCommand):
    """Delete nodes (with every link they have), links, groups and notes, as one step; the groups that keep
    framing others of the nodes let go of the deleted ones."""

    def __init__(self, doc: EditorDocument, node_ids: list[str], edge_ids: list[str] = (),
                 annotation_ids: list[str] = ()):
        super().__init__("Delete")
        self.doc = doc
        self.node_ids = [n for n in node_ids if n in doc.nodes]
        edges = set(edge_ids) | {e for n in self.node_ids for e in doc.edges_of(n)}
        self.edge_ids = [e for e in doc.edges if e in edges]
        self.annotation_ids = [a for a in doc.annotations if a in set(annotation_ids)]
        gone = set(self.node_ids)
        self.trimmed = {g: (list(doc.annotations[g].nodes), [n for n in doc.annotations[g].nodes if n not in gone])
                        for g in doc.groups_of(gone) if g not in self.annotation_ids}
        self.saved_nodes: list[Node] = []
        self.saved_edges: list[Edge] = []
        self.saved_annotations: list[Annotation] = []

    def redo(self) -> None:
        self.saved_annotations = [self.doc.remove_annotation(a) for a in self.annotation_ids]
        for gid, (_old, new) in self.trimmed.items():
            self.doc.update_annotation(gid, nodes=new)
        self.saved_edges = [self.doc.remove_edge(e) for e in self.edge_ids]
        self.saved_nodes = [self.doc.remove_node(n) for n in self.node_ids]

    def undo(self) -> None:
        for n in self.saved_nodes:
            self.doc.add_node(n)
        for e in self.saved_edges:
            self.doc.add_edge(e)
        for gid, (old, _new) in self.trimmed.items():
            self.doc.update_annotation(gid, nodes=old)
        for a in self.saved_annotations:
            self.doc.add_annotation(a)


class MoveNodes(QUndoCommand):
    """Positions before and after a whole drag. The items already moved live; the first redo only records."""

    def __init__(self, doc: EditorDocument, old: dict[str, tuple], new: dict[str, tuple]):
        super().__init__("Move" if len(new) == 1 else f"Move {len(new)} nodes")
        self.doc, self.old, self.new = doc, old, new

    def redo(self) -> None:
        for nid, pos in self.new.items():
            self.doc.move_node(nid, pos)

    def undo(self) -> None:
        for nid, pos in self.old.items():
            self.doc.move_node(nid, pos)


class Connect(QUndoCommand):
    def __init__(self, doc: EditorDocument, edge: Edge):
        super().__init__(f"Connect {edge.source}.{edge.source_port} → {edge.target}.{edge.target_port}")
        self.doc, self.edge = doc, edge

    def redo(self) -> None:
        self.doc.add_edge(self.edge.model_copy(deep=True))

    def undo(self) -> None:
        self.doc.remove_edge(self.edge.id)


class UpdateNode(QUndoCommand):
    """Change whole fields of a node (config, settings, label, pinned, bypass) with their old values kept.

    With ``typing`` (a config field's name: live preview commits a field as it is typed), consecutive changes of
    that field of that node merge into one step while the step is ``open``: the field's editor closes it when its
    edit ends (Return, focus out). A merge that brings the field back to its old value leaves no step at all."""

    MERGE_ID = 27  # (QUndoStack merges a pushed command into the top one only when their ids are equal)

    def __init__(self, doc: EditorDocument, node_id: str, text: str, *, typing: str | None = None, **fields):
        super().__init__(text)
        self.doc, self.node_id = doc, node_id
        node = doc.nodes[node_id]
        self.old = {k: copy.deepcopy(getattr(node, k)) for k in fields}
        self.new = copy.deepcopy(fields)
        self.typing = typing
        self.open = typing is not None

    def redo(self) -> None:
        self.doc.update_node(self.node_id, **self.new)

    def undo(self) -> None:
        self.doc.update_node(self.node_id, **self.old)

    def id(self) -> int:  # noqa: A003 - Qt's name
        return self.MERGE_ID if self.typing is not None else -1

    def mergeWith(self, other) -> bool:  # noqa: N802 - Qt's name
        if not (self.open and isinstance(other, UpdateNode) and other.typing == self.typing
                and other.doc is self.doc and other.node_id == self.node_id and other.new.keys() == self.new.keys()):
            return False
        self.new = other.new
        self.setObsolete(self.new == self.old)
        return True


class SetProperties(QUndoCommand):
    """The workflow's name, description or tags."""

    def __init__(self, doc: EditorDocument, **props):
        super().__init__("Workflow properties")
        self.doc = doc
        self.old = {k: copy.deepcopy(doc.props[k]) for k in props}
        self.new = copy.deepcopy(props)

    def redo(self) -> None:
        self.doc.set_properties(**self.new)

    def undo(self) -> None:
        self.doc.set_properties(**self.old)


class ReplaceContent(QUndoCommand):
    """The whole graph and the workflow's properties at once (a restored draft): one step, undone back to what
    the document held before."""

    def __init__(self, doc: EditorDocument, workflow, text: str = "Restore unsaved work"):
        super().__init__(text)
        self.doc = doc
        self.old, self.new = doc.workflow(), workflow.model_copy(deep=True)

    def redo(self) -> None:
        self._put(self.new)

    def undo(self) -> None:
        self._put(self.old)

    def _put(self, wf) -> None:
        doc = self.doc
        for aid in list(doc.annotations):
            doc.remove_annotation(aid)
        for eid in list(doc.edges):
            doc.remove_edge(eid)
        for nid in list(doc.nodes):
            doc.remove_node(nid)
        doc.set_properties(**{k: getattr(wf, k) for k in ("name", "description", "tags", "max_concurrency", "meta")})
        for node in wf.nodes:
            doc.add_node(node.model_copy(deep=True))
        for edge in wf.edges:
            doc.add_edge(edge.model_copy(deep=True))
        for annotation in wf.annotations:
            doc.add_annotation(annotation.model_copy(deep=True))
