"""The inspector: a form generated from the selected node's config JSON schema, its settings and label.

The screen never lies (SPEC §8): every editor shows the node's config as a run reads it — the stored value, else
the Config's default (``schema.as_run_reads``) — when the node is shown and after every edit, undo and redo,
fields the edit did not touch included. Every change is an undoable UpdateNode; a value the block's Config
refuses is not applied: the field keeps the text, is marked, and says why in a sentence under it until the text
is fixed, reverted, or the stored value changes (undo). Fields follow the node as it changes (undo, redo,
another panel) without being rebuilt. A number a spin box had to bring into its range says so. Tab goes from
editor to editor (the ƒx switches are no stops); editors are in field_editors.py.

Stable names (objectName) of the editors, for tests and automation:

- ``field.label`` — the node's label;
- ``field.<config key>`` — each config field's editor (``field.width``); for a field holding an expression,
  the line edit holding its text (its switch is ``exprSwitch_<key>``, its preview ``exprValue_<key>``);
- ``field.settings.attempts``, ``field.settings.timeout_s``, ``field.settings.on_error`` — the node settings;
- ``field.bypass`` — the node's bypass (SPEC §2), a checkbox (disabled, saying why, on a loop's foreach or collect);
- ``problem-<key>`` — the sentence under a field saying what is wrong with what was typed.

``Inspector.fields`` holds the same editors by those keys (without the ``field.`` prefix).
"""

from __future__ import annotations

import html
import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFormLayout, QGroupBox, QLabel, QLineEdit, QPlainTextEdit, QScrollArea, QVBoxLayout,
                               QWidget)
from pydantic import ValidationError

from engine.values import loads_finite

from ..document.bypass import refusal, set_bypass
from ..document.commands import UpdateNode
from .expr_field import expression_field, expression_fields, expression_problem, is_expr, with_switch
from .field_editors import in_row, make_editor, settings_box
from .schema import as_run_reads, sentence
from .schema import resolve as _resolve

__all__ = ["Inspector"]

_INVALID = "border: 2px solid #f85149;"
_MISSING = object()


class Inspector(QScrollArea):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.doc = self.stack = None
        self.node_id: str | None = None
        self.fields: dict[str, QWidget] = {}     # key → its editor (named field.<key>)
        self.problems: dict[str, QLabel] = {}    # field → the sentence under it saying what is wrong
        self._show: dict[str, Any] = {}           # field → puts the value a run reads in its editor
        #: refused text per (document, node, field): (the text, why, the stored value it did not replace)
        self.pending: dict[tuple[int, str, str], tuple[str, str, Any]] = {}
        self.workflow_names = lambda: []  # the stored workflows a sub_workflow may call (set by the window)
        self.model_library = lambda: None  # the data folder's model library, for a model block (set by the window)
        self.outputs_of = lambda node_id: None  # a node's outputs from the last run on this tab (set by the window)
        self.run_inputs = lambda: []            # the workflow's input names
        self.read_value = None                  # async: the value behind a stored output (set by the window)
        self.scene_refs = lambda: ()            # the canvas's references: (source, port, target)
        self.workflow_folder = lambda: None     # where the shown workflow's relative paths resolve (set by the window)
        self.settings = None                    # the window's QSettings (a path field's last folder)
        #: whether fields commit as they are typed (live preview is on for the shown tab: set by the window)
        self.live_typing = lambda: False
        self._typing: UpdateNode | None = None  # the open step that what is typed in a field merges into
        self._show_empty()

    def _show_empty(self, text: str = "Select a node to edit it") -> None:
        label = QLabel(text, alignment=Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        self.setWidget(label)
        self.fields, self.problems, self._show, self._config_keys, self._exprs = {}, {}, {}, (), set()

    def values(self) -> dict[str, Any]:
        """What each editor shows: the shown node's config as a run reads it (a required field nobody filled
        in is absent), its label and its settings, by the editors' keys."""
        node = self.doc.nodes.get(self.node_id) if self.doc is not None and self.node_id else None
        if node is None:
            return {}
        cls = self.doc.block(node.id)
        s = node.settings
        return {**(as_run_reads(cls, node.config) if cls is not None else node.config), "label": node.label,
                "settings.attempts": s.retry.max_attempts if s.retry else 1, "settings.timeout_s": s.timeout_s,
                "settings.on_error": s.on_error, "bypass": node.bypass}

    def show_node(self, doc, stack, node_id: str | None) -> None:
        if self.doc is not None and self.doc is not doc:
            try:
                self.doc.nodeChanged.disconnect(self._node_changed)
            except (RuntimeError, TypeError):
                pass
        if doc is not None and doc is not self.doc:
            doc.nodeChanged.connect(self._node_changed)
        self.doc, self.stack, self.node_id = doc, stack, node_id
        self._end_typing()
        if doc is None or node_id is None or node_id not in doc.nodes:
            self._show_empty()
            return
        node = doc.nodes[node_id]
        cls = doc.block(node_id)
        values = self.values()
        self.fields, self.problems, self._show, self._config_keys = {}, {}, {}, ()
        self._exprs = {n for n, v in node.config.items() if is_expr(v)}  # fields that are expressions now
        body = QWidget()
        outer = QVBoxLayout(body)
        about = f"<br><small>{cls.describe()['description'].replace('``', '')}</small>" if cls else ""
        self._heading = lambda: f"<b>{html.escape(doc.title_of(node_id))}</b> · {node_id} ({node.type}){about}"
        self.heading = QLabel(self._heading(), wordWrap=True)  # named as the canvas names it, kept in step
        outer.addWidget(self.heading)
        general = QFormLayout()
        label = QLineEdit(placeholderText=doc.default_title(node_id))  # (what shows without one)
        label.editingFinished.connect(lambda: self._set_label(label.text()))
        label.setToolTip(f"node id: {node.id}")
        self._register("label", label, lambda v: label.setText(v or ""))
        general.addRow("Label", label)
        outer.addLayout(general)
        if cls is not None and cls.config_schema().get("properties"):  # (no empty box for a block without config)
            box = QGroupBox("Config")
            form = QFormLayout(box)
            schema = cls.config_schema()
            self._config_keys = tuple(schema["properties"])
            for name, prop in schema["properties"].items():
                value, card = values.get(name), None
                if is_expr(value):
                    row = expression_field(self, name, value)
                    self.fields[name] = row.findChild(QLineEdit, f"field.{name}")
                else:
                    row, show = make_editor(self, name, _resolve(schema, prop), value)
                    self._register(name, row, show)
                    card = getattr(row, "card", None)  # (a model: its card under it)
                    row = in_row(row)  # (a path: with its Browse… button)
                row.setToolTip(prop.get("description", ""))
                form.addRow(prop.get("title", name), with_switch(self, name, row, value, cls))
                if card is not None:
                    form.addRow("", card)
                form.addRow("", self._problem_label(name))
            outer.addWidget(box)
        outer.addWidget(settings_box(self))
        why = refusal(doc, node_id)
        if why:
            self.fields["bypass"].setEnabled(False)
            self.fields["bypass"].setToolTip(why)
        outer.addStretch(1)
        self.setWidget(body)
        for name, show in self._show.items():
            if name not in self._exprs:  # (an expression field was made showing its text)
                show(values.get(name))
        for (doc_key, nid, name), (text, error, _base) in list(self.pending.items()):
            if doc_key == id(doc) and nid == node_id and name in self.fields:
                self._set_text(self.fields[name], text)
                self._mark(name, error)

    def _register(self, key: str, editor: QWidget, show) -> None:
        """``editor`` edits ``key`` (named ``field.<key>``); ``show`` puts a value in it without it reporting
        a change."""
        editor.setObjectName(f"field.{key}")
        self.fields[key] = editor

        def quiet(value) -> None:
            editor.blockSignals(True)
            try:
                show(value)
            finally:
                editor.blockSignals(False)
        self._show[key] = quiet

    def reread(self) -> None:
        """What the fields show read again from what they name outside the document (a model's card)."""
        for name, show in self._show.items():
            editor = self.fields.get(name)
            if getattr(editor, "card", None) is not None and name not in self._exprs:
                show(self.values().get(name))

    def _problem_label(self, name: str) -> QLabel:
        label = QLabel(objectName=f"problem-{name}", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        label.setStyleSheet("color: #f85149;")
        label.hide()
        label.linkActivated.connect(lambda _link: self.revert(name))
        self.problems[name] = label
        return label

    @staticmethod
    def _set_text(widget, text: str) -> None:
        widget.blockSignals(True)
        if isinstance(widget, QPlainTextEdit):
            widget.setPlainText(text)
        elif isinstance(widget, QLineEdit):
            widget.setText(text)
        widget.blockSignals(False)

    def _node_changed(self, node_id: str) -> None:
        """The node changed (an edit here, undo, redo): every editor shows the value a run reads; refused text
        stays unless the stored value it did not replace has changed since."""
        if node_id != self.node_id or self.doc is None or node_id not in self.doc.nodes:
            return
        node = self.doc.nodes[node_id]
        if any(is_expr(node.config.get(n)) != (n in self._exprs) for n in self._config_keys):
            return self.show_node(self.doc, self.stack, node_id)  # a field switched kind: its editor changes
        self.heading.setText(self._heading())
        self.fields["label"].setPlaceholderText(self.doc.default_title(node_id))
        values = self.values()
        for name, show in self._show.items():
            key = (id(self.doc), node_id, name)
            if key in self.pending:
                if self.pending[key][2] == node.config.get(name, _MISSING):
                    continue
                self.pending.pop(key)
                self._mark(name, None)
            show(values.get(name))

    def revert(self, name: str) -> None:
        """Give up the refused text of ``name``: the field shows the value a run reads again."""
        self.pending.pop((id(self.doc), self.node_id, name), None)
        self._mark(name, None)
        if name in self._show:
            self._show[name](self.values().get(name))

    # -- applying -----------------------------------------------------------------------------------------

    def _mark(self, name: str, error: str | None) -> None:
        w = self.fields.get(name)
        if w is not None:
            w.setStyleSheet(_INVALID if error else "")
            w.setProperty("invalid", bool(error))
        label = self.problems.get(name)
        if label is not None:
            label.setStyleSheet("color: #f85149;")
            label.setText(f"{error} <a href='revert'>Revert</a>" if error else "")
            label.setVisible(bool(error))

    def _note(self, name: str, text: str) -> None:
        """Something the field did that the user should know (not an error)."""
        label = self.problems.get(name)
        if label is not None:
            label.setStyleSheet("color: #d29922;")
            label.setText(text)
            label.show()

    def _typed(self, name: str, value: Any) -> None:
        """A field changed as it is typed (or a spin box stepped): applied at once while live preview is on (one
        undo step per field until its edit ends), else left for its edit to end (Return, focus out)."""
        if self.live_typing():
            self._set_config(name, value, typing=True)

    def _typed_json(self, name: str, text: str) -> None:
        if self.live_typing():
            try:
                value = loads_finite(text) if text.strip() else None
            except (ValueError, RecursionError):
                return  # (half typed: said when the edit ends)
            self._set_config(name, value, typing=True)

    def _end_typing(self) -> None:
        """The field's edit ended (or another began): what is typed next is a step of its own."""
        if self._typing is not None:
            self._typing.open = False
            self._typing = None

    def _push_typed(self, name: str, command: UpdateNode) -> None:
        """Push a typed change: it merges into the open step of this field when that is still the last step."""
        stack = self.stack
        top = stack.command(stack.index() - 1) if stack.index() > 0 else None
        if self._typing is not None and (top is not self._typing or self._typing.typing != name):
            self._end_typing()
        before = stack.index()
        stack.push(command)
        if stack.index() > before:  # a step of its own: the next keystrokes merge into it
            self._end_typing()
            self._typing = command
        elif stack.index() < before:  # merged back to where the field started: no step left
            self._typing = None

    def _set_config(self, name: str, value: Any, typing: bool = False) -> None:
        if self.doc is None or self.node_id not in self.doc.nodes:
            return
        if not typing:
            self._end_typing()
        node = self.doc.nodes[self.node_id]
        if self.values().get(name, _MISSING) == value:  # what a run reads already: nothing to store
            self.pending.pop((id(self.doc), self.node_id, name), None)
            self._mark(name, None)
            return
        config = {**node.config, name: value}
        cls = self.doc.block(self.node_id)
        exprs = expression_fields(config)
        if name in exprs:
            problem = expression_problem(value, cls, name)
            if problem:
                typing or self._refuse(name, value, problem)  # (half typed: said when the edit ends)
                return
        if cls is not None:
            try:
                cls.Config.model_validate({k: v for k, v in config.items() if k not in exprs} if exprs else config)
            except ValidationError as e:
                mine = [sentence(err["msg"]) for err in e.errors()
                        if err["loc"] and err["loc"][0] == name and name not in exprs]
                if mine:
                    typing or self._refuse(name, value, " ".join(mine))
                    return
        self.pending.pop((id(self.doc), self.node_id, name), None)
        self._mark(name, None)
        if typing:
            self._push_typed(name, UpdateNode(self.doc, self.node_id, f"Set {name}", typing=name, config=config))
        else:
            self.stack.push(UpdateNode(self.doc, self.node_id, f"Set {name}", config=config))

    def _set_json(self, name: str, text: str) -> None:
        try:
            value = loads_finite(text) if text.strip() else None
        except (ValueError, RecursionError) as e:
            self._refuse(name, text, f"This is not valid JSON: {e}.")
            return
        self._set_config(name, value)

    def _refuse(self, name: str, value: Any, why: str) -> None:
        node = self.doc.nodes[self.node_id]
        text = value if isinstance(value, str) else json.dumps(value)
        self.pending[(id(self.doc), self.node_id, name)] = (text, why, node.config.get(name, _MISSING))
        self._mark(name, why)

    def _set_label(self, text: str) -> None:
        node = self.doc.nodes.get(self.node_id) if self.doc else None
        if node is not None and (node.label or "") != text:
            self.stack.push(UpdateNode(self.doc, self.node_id, "Rename", label=text or None))

    def _set_bypass(self, on: bool) -> None:
        if self.doc is not None and self.node_id in self.doc.nodes and not self.doc.read_only:
            set_bypass(self.doc, self.stack, [self.node_id], on)

    def _set_settings(self, attempts: int | None = None, **changes: Any) -> None:
        """Change node settings; a number of attempts keeps the retry details it does not touch."""
        node = self.doc.nodes.get(self.node_id) if self.doc else None
        if node is None:
            return
        from engine.model import NodeSettings

        retry = node.settings.retry
        if attempts is not None and (retry is not None or attempts > 1):
            changes["retry"] = {**(retry.model_dump() if retry else {}), "max_attempts": attempts}
        settings = NodeSettings.model_validate({**node.settings.model_dump(), **changes})
        if settings != node.settings:
            self.stack.push(UpdateNode(self.doc, self.node_id, "Change settings", settings=settings))
