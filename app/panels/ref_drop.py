"""Drag to map (SPEC §5a, as in n8n): a value dragged from the preview's JSON tree onto an inspector field makes
the field read it. Dropped on a fixed field, the field becomes ``{{ <reference> }}``; dropped on an expression
field, the placeholder goes in where it was dropped. One undoable edit either way. The dragged data is a path,
checked before use: never code, and a node's own output (a cycle) or a code field is refused."""

from __future__ import annotations

import json

from PySide6.QtCore import QEvent, QMimeData, QObject
from PySide6.QtWidgets import QLineEdit, QWidget

from engine.expr.fields import EXPR, is_expr, ref_text
from engine.graph.refs import takes_expressions

from ..look.drops import refuse, take_copy

__all__ = ["MIME", "ref_mime", "parts_of", "accept_refs", "drop_value"]

MIME = "application/x-nodeloom-ref"
MAX_PARTS = 64
MAX_BYTES = 16_384


def ref_mime(parts: tuple) -> QMimeData:
    """What a drag of ``parts`` carries: the path, and the placeholder as text for other applications."""
    data = QMimeData()
    data.setData(MIME, json.dumps(list(parts), ensure_ascii=False).encode())
    data.setText("{{ " + ref_text(tuple(parts)) + " }}")
    return data


def parts_of(mime: QMimeData) -> tuple | None:
    """The reference a drag carries, or None when it carries none or not a well-formed one."""
    if not mime.hasFormat(MIME):
        return None
    raw = bytes(mime.data(MIME))
    if len(raw) > MAX_BYTES:
        return None
    try:
        parts = json.loads(raw)
    except ValueError:
        return None
    if (not isinstance(parts, list) or not 3 <= len(parts) <= MAX_PARTS or parts[0] != "nodes"
            or not all(isinstance(p, str) for p in parts[1:3])
            or not all(type(p) in (str, int) for p in parts)):
        return None
    return tuple(parts)


def drop_value(current, parts: tuple, text: str | None = None, at: int | None = None) -> dict:
    """The field's new value: the placeholder put into the expression's ``text`` at ``at`` (the field holds an
    expression), or the field reading just that."""
    placeholder = "{{ " + ref_text(parts) + " }}"
    if is_expr(current) and text is not None:
        at = len(text) if at is None else max(0, min(at, len(text)))
        return {EXPR: text[:at] + placeholder + text[at:]}
    return {EXPR: placeholder}


class _Drops(QObject):
    """Drag and drop of references onto one field's widgets (an event filter: runs before the widget's own)."""

    def __init__(self, inspector, name: str, parent: QWidget, code: bool):
        super().__init__(parent)
        self.inspector, self.name, self.code = inspector, name, code

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return False
        parts = parts_of(event.mimeData())
        if parts is None:
            return False  # not ours: the widget does what it does with text
        if self.code or parts[1] == self.inspector.node_id:
            refuse(event)  # code is not a template; a node cannot read its own output
            return True
        if not take_copy(event):
            return True
        if kind == QEvent.Type.Drop:
            self.drop(watched, parts, event.position().toPoint())
        return True

    def drop(self, widget, parts: tuple, pos) -> None:
        inspector = self.inspector
        node = inspector.doc.nodes.get(inspector.node_id) if inspector.doc else None
        if node is None or inspector.doc.read_only:
            return
        current = node.config.get(self.name)
        text = at = None
        if isinstance(widget, QLineEdit) and widget.objectName() == f"field.{self.name}":
            text, at = widget.text(), widget.cursorPositionAt(pos)
        inspector._set_config(self.name, drop_value(current, parts, text, at))


def accept_refs(inspector, name: str, widget: QWidget, cls) -> None:
    """``widget`` (and everything in it) takes dropped references for field ``name``; code fields, and the fields
    of a block that cannot hold expressions, refuse them."""
    refused = cls is not None and (name in getattr(cls, "code_fields", ()) or not takes_expressions(cls))
    drops = _Drops(inspector, name, widget, refused)
    for w in (widget, *widget.findChildren(QWidget)):
        w.setAcceptDrops(True)
        w.installEventFilter(drops)
