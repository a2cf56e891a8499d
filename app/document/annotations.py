"""Groups and notes (SPEC §2 ``annotations``): their undo commands, and what copy and paste do with them.

Like every edit, each is a small QUndoCommand that changes only the document; the scene follows its signals.
A drag of a group (it and its nodes) or of a note is one MoveAnnotation pushed on release; deleting and
ungrouping go through :class:`~app.document.commands.RemoveItems`, which also lets groups go of deleted nodes.
"""

from __future__ import annotations

import copy

from PySide6.QtGui import QUndoCommand

from engine.model import Annotation

from .model import EditorDocument, new_id

__all__ = ["AddAnnotation", "UpdateAnnotation", "MoveAnnotation", "clipped_annotations", "pasted_annotations"]


class AddAnnotation(QUndoCommand):
    def __init__(self, doc: EditorDocument, annotation: Annotation, text: str | None = None):
        super().__init__(text or f"Add {annotation.kind}")
        self.doc, self.annotation = doc, annotation

    def redo(self) -> None:
        self.doc.add_annotation(self.annotation.model_copy(deep=True))

    def undo(self) -> None:
        self.doc.remove_annotation(self.annotation.id)


class UpdateAnnotation(QUndoCommand):
    """Change whole fields of a group or note (title, text, size, color, nodes) with their old values kept."""

    def __init__(self, doc: EditorDocument, annotation_id: str, what: str, **fields):
        super().__init__(what)  # (the command's words; ``text`` is a field of a note)
        self.doc, self.annotation_id = doc, annotation_id
        annotation = doc.annotations[annotation_id]
        self.old = {k: copy.deepcopy(getattr(annotation, k)) for k in fields}
        self.new = copy.deepcopy(fields)

    def redo(self) -> None:
        self.doc.update_annotation(self.annotation_id, **self.new)

    def undo(self) -> None:
        self.doc.update_annotation(self.annotation_id, **self.old)


class MoveAnnotation(QUndoCommand):
    """A group (with its nodes) or a note moved by a drag: positions before and after. The items moved live; the
    first redo only records."""

    def __init__(self, doc: EditorDocument, annotation_id: str, old: tuple, new: tuple,
                 nodes_old: dict[str, tuple] | None = None, nodes_new: dict[str, tuple] | None = None):
        super().__init__(f"Move {doc.annotations[annotation_id].kind}")
        self.doc, self.annotation_id = doc, annotation_id
        self.old, self.new = tuple(old), tuple(new)
        self.nodes_old, self.nodes_new = dict(nodes_old or {}), dict(nodes_new or {})

    def redo(self) -> None:
        self._put(self.new, self.nodes_new)

    def undo(self) -> None:
        self._put(self.old, self.nodes_old)

    def _put(self, position: tuple, nodes: dict[str, tuple]) -> None:
        for nid, pos in nodes.items():
            if nid in self.doc.nodes:
                self.doc.move_node(nid, pos)
        self.doc.update_annotation(self.annotation_id, position=position)


def clipped_annotations(doc: EditorDocument, node_ids: set[str], chosen: set[str] = frozenset()) -> list[dict]:
    """The groups and notes a copy of ``node_ids`` takes along (as JSON): the ``chosen`` ones, and every group
    whose nodes are all copied; each group keeps only the copied nodes."""
    out = []
    for annotation in doc.annotations.values():
        whole = annotation.kind == "group" and annotation.nodes and set(annotation.nodes) <= node_ids
        if annotation.id in chosen or whole:
            data = annotation.model_dump(mode="json")
            data["nodes"] = [n for n in annotation.nodes if n in node_ids]
            out.append(data)
    return out


def pasted_annotations(doc: EditorDocument, raws: list[Annotation], renamed: dict[str, str], dx: float,
                       dy: float) -> list[Annotation]:
    """Copied groups and notes made new: new ids, shifted as their nodes are, framing the pasted nodes."""
    taken = set(doc.annotations)
    out = []
    for raw in raws:
        aid = new_id(raw.kind, taken)
        taken.add(aid)
        out.append(raw.model_copy(update={"id": aid, "position": (raw.position[0] + dx, raw.position[1] + dy),
                                          "nodes": [renamed[n] for n in raw.nodes if n in renamed]}))
    return out
