"""Completion in an expression field (SPEC §5a): inside ``{{ }}``, typing ``nodes.`` offers the nodes the field
may read (those not downstream of it), ``nodes.<id>.`` their output ports, then the keys of the value the last
run left there; ``in.`` this node's inputs, ``run.`` the run's names and the workflow's inputs, ``loop.`` the
loop's names. Ctrl+Space asks for it anywhere in a placeholder. Nothing is run to find them."""

from __future__ import annotations

import re

import networkx as nx
from PySide6.QtCore import QObject, QStringListModel, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QCompleter, QLineEdit

from engine.runs import in_memory
from engine.expr.fields import walk


__all__ = ["attach_completer", "candidates", "ExprLineEdit"]

_TOKEN = re.compile(r"([A-Za-z_][\w.-]*)$")
LOOP_NAMES = ("item", "index", "total", "first", "last")
MAX_KEYS = 200


def _open_placeholder(before: str) -> bool:
    return before.rfind("{{") > before.rfind("}}")


def _keys(value, keys: list[str]) -> list[str]:
    try:
        value = walk(in_memory(value, None), tuple(int(k) if k.isdigit() else k for k in keys))
    except Exception:  # noqa: BLE001 - nothing there (yet): nothing to offer
        return []
    return [str(k) for k in list(value)[:MAX_KEYS]] if isinstance(value, dict) else []


def _in_loop(doc, nid: str) -> bool:
    """Whether the node is in a ForEach body (worked out only for a workflow that has a ForEach)."""
    if not any(getattr(doc.registry.get(n.type), "role", None) == "foreach" for n in doc.nodes.values()):
        return False
    from engine.graph import analyze

    try:
        analysis, _ = analyze(doc.workflow(), doc.registry)
    except Exception:  # noqa: BLE001 - a document the engine cannot read yet: offer loop.* anyway
        return True
    return bool(analysis.scopes.get(nid))


def candidates(inspector, before: str, refs=()) -> tuple[str, list[str]] | None:
    """What may follow the path being typed at the end of ``before`` (the text left of the cursor): the part of
    the last name typed so far and the names, or None outside a placeholder."""
    if not _open_placeholder(before):
        return None
    match = _TOKEN.search(before)
    token = match.group(1) if match else ""
    if match and match.start() > 0 and before[match.start() - 1] in "\"'[":
        return None  # inside a string or a subscript
    *path, partial = token.split(".") if token else [""]
    doc, nid = inspector.doc, inspector.node_id
    if doc is None or nid not in doc.nodes:
        return None
    if not path:
        return partial, ["nodes", "in", "run"] + (["loop"] if _in_loop(doc, nid) else [])
    root, rest = path[0], path[1:]
    if root == "nodes":
        if not rest:
            graph = doc.dependency_graph(refs)
            below = nx.descendants(graph, nid) | {nid}
            above = nx.ancestors(graph, nid)
            free = [n for n in doc.nodes if n not in below]
            return partial, sorted(free, key=lambda n: (n not in above, n))
        source = rest[0]
        if source not in doc.nodes:
            return partial, []
        kept = inspector.outputs_of(source) or {}
        if len(rest) == 1:
            ports = [p.name for p in doc.outputs(source)]
            return partial, ports + [p for p in kept if p not in ports and p != "error"]
        return partial, _keys(kept.get(rest[1]), rest[2:])
    if root == "in":
        if not rest:
            return partial, [p.name for p in doc.inputs(nid)]
        into = [e for e in doc.edges.values() if e.target == nid and e.target_port == rest[0]]
        kept = (inspector.outputs_of(into[0].source) or {}).get(into[0].source_port) if into else None
        return partial, _keys(kept, rest[1:])
    if root == "run":
        if not rest:
            return partial, ["id", "inputs"]
        if rest == ["inputs"]:
            return partial, [n for n in inspector.run_inputs() if n]
        return partial, []
    if root == "loop" and not rest:
        return partial, list(LOOP_NAMES)
    return partial, []


def _insert(edit: QLineEdit, partial: str, name: str) -> None:
    """``name`` in place of the partial name before the cursor; a name that is not one (``my-node``) is
    subscripted instead."""
    text, cursor = edit.text(), edit.cursorPosition()
    start = cursor - len(partial)
    if not (name.isidentifier() and not name.startswith("_")):
        import json

        if start > 0 and text[start - 1] == ".":
            start -= 1
        name = "[" + json.dumps(name, ensure_ascii=False) + "]"
    edit.setText(text[:start] + name + text[cursor:])
    edit.setCursorPosition(start + len(name))


class ExprLineEdit(QLineEdit):
    """An expression's line edit: while the completion list is open, Return, Tab and Escape are the list's (they
    choose or close it) and do not also submit the half-typed text. (The completer hands keys to the widget's
    ``event()`` directly, past any event filter: only the widget itself can leave them alone.)"""

    completer_popup = None

    def keyPressEvent(self, event) -> None:
        popup = self.completer_popup
        if popup is not None and popup.isVisible() and event.key() in _LIST_KEYS:
            event.ignore()
            return
        super().keyPressEvent(event)


_LIST_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Escape)


class _Completion(QObject):
    def __init__(self, inspector, edit: QLineEdit):
        super().__init__(edit)
        self.inspector, self.edit = inspector, edit
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, edit)
        self.completer.setWidget(edit)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.activated.connect(self.chosen)
        if isinstance(edit, ExprLineEdit):
            edit.completer_popup = self.completer.popup()
        self.partial = ""
        edit.textEdited.connect(lambda _text: self.offer(typed=True))
        QShortcut(QKeySequence("Ctrl+Space"), edit, activated=lambda: self.offer(typed=False),
                  context=Qt.ShortcutContext.WidgetShortcut)

    def offer(self, typed: bool) -> None:
        before = self.edit.text()[: self.edit.cursorPosition()]
        scene = getattr(self.inspector, "scene_refs", lambda: ())()
        found = candidates(self.inspector, before, scene)
        popup = self.completer.popup()
        if not found or not found[1] or (typed and not found[0] and not before.rstrip().endswith((".", "{{"))):
            popup.hide()
            return
        self.partial, names = found
        self.model.setStringList(names)
        self.completer.setCompletionPrefix(self.partial)
        if self.completer.completionCount() == 0 or [self.partial] == names:
            popup.hide()
            return
        popup.setCurrentIndex(self.completer.completionModel().index(0, 0))
        rect = self.edit.cursorRect()
        rect.setWidth(max(220, popup.sizeHintForColumn(0) + 30))
        self.completer.complete(rect)

    def chosen(self, name: str) -> None:
        _insert(self.edit, self.completer.completionPrefix(), name)


def attach_completer(inspector, edit: QLineEdit) -> QCompleter:
    """Completion of reference paths in ``edit`` (kept alive by the line edit)."""
    return _Completion(inspector, edit).completer
