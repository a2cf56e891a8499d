"""The inspector: a form generated from the selected node's config JSON schema, its settings and label.

Every change is an undoable UpdateNode; a value the block's Config refuses is not applied: the field keeps the
text, is marked, and says why in a sentence under it until the text is fixed, reverted, or the stored value
changes (undo). Fields follow the node as it changes (undo, redo, another panel) without being rebuilt. A
number a spin box had to bring into its range says so.
"""

from __future__ import annotations

import html
import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QValidator
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QLineEdit,
                               QPlainTextEdit, QScrollArea, QSpinBox, QVBoxLayout, QWidget)
from pydantic import ValidationError
from shiboken6 import isValid

from ..document.commands import UpdateNode
from .expr_field import expression_field, expression_fields, expression_problem, is_expr, with_switch
from .schema import resolve as _resolve
from .schema import sentence

__all__ = ["Inspector"]

_INVALID = "border: 2px solid #f85149;"
_MISSING = object()


class _TextEdit(QPlainTextEdit):
    """A multi-line field that applies when it loses focus."""

    def __init__(self, apply, parent=None):
        super().__init__(parent)
        self._apply = apply

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self._apply()


class _Lenient:
    """A spin box that lets a number outside its range be typed (Qt refuses the keystroke silently); it is
    brought into range when editing finishes, and the inspector says so."""

    def validate(self, text, pos):
        state, text, pos = super().validate(text, pos)
        if state == QValidator.State.Invalid:
            try:
                float(text.replace(self.suffix(), "").replace(",", ".").strip())
                state = QValidator.State.Intermediate
            except ValueError:
                pass
        return state, text, pos

    def fixup(self, text):
        try:
            number = float(text.replace(self.suffix(), "").replace(",", ".").strip())
        except ValueError:
            return super().fixup(text)
        return self.textFromValue(min(self.maximum(), max(self.minimum(), type(self.value())(number))))


class SpinBox(_Lenient, QSpinBox):
    pass


class DoubleSpinBox(_Lenient, QDoubleSpinBox):
    pass


class Inspector(QScrollArea):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.doc = self.stack = None
        self.node_id: str | None = None
        self.fields: dict[str, QWidget] = {}
        self.problems: dict[str, QLabel] = {}    # field → the sentence under it saying what is wrong
        self._show: dict[str, Any] = {}           # field → puts a stored value in its widget
        #: refused text per (document, node, field): (the text, why, the stored value it did not replace)
        self.pending: dict[tuple[int, str, str], tuple[str, str, Any]] = {}
        self.workflow_names = lambda: []  # the stored workflows a sub_workflow may call (set by the window)
        self.outputs_of = lambda node_id: None  # a node's outputs from the last run on this tab (set by the window)
        self.run_inputs = lambda: []            # the workflow's input names
        self.read_value = None                  # async: the value behind a stored output (set by the window)
        self.scene_refs = lambda: ()            # the canvas's references: (source, port, target)
        self._show_empty()

    def _show_empty(self, text: str = "Select a node to edit it") -> None:
        label = QLabel(text, alignment=Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        self.setWidget(label)
        self.fields, self.problems, self._show, self._defaults, self._exprs = {}, {}, {}, {}, set()

    def show_node(self, doc, stack, node_id: str | None) -> None:
        if self.doc is not None and self.doc is not doc:
            try:
                self.doc.nodeChanged.disconnect(self._node_changed)
            except (RuntimeError, TypeError):
                pass
        if doc is not None and doc is not self.doc:
            doc.nodeChanged.connect(self._node_changed)
        self.doc, self.stack, self.node_id = doc, stack, node_id
        if doc is None or node_id is None or node_id not in doc.nodes:
            self._show_empty()
            return
        node = doc.nodes[node_id]
        cls = doc.block(node_id)
        self.fields, self.problems, self._show, self._defaults = {}, {}, {}, {}
        self._exprs = {n for n, v in node.config.items() if is_expr(v)}  # fields that are expressions now
        body = QWidget()
        outer = QVBoxLayout(body)
        about = f"<br><small>{cls.describe()['description'].replace('``', '')}</small>" if cls else ""
        self._heading = lambda: f"<b>{html.escape(doc.title_of(node_id))}</b> · {node_id} ({node.type}){about}"
        self.heading = QLabel(self._heading(), wordWrap=True)  # named as the canvas names it, kept in step
        outer.addWidget(self.heading)
        general = QFormLayout()
        label = QLineEdit(node.label or "", placeholderText=doc.default_title(node_id))  # (what shows without one)
        label.editingFinished.connect(lambda: self._set_label(label.text()))
        label.setToolTip(f"node id: {node.id}")
        self.fields["label"] = label
        self._show["label"] = lambda v: label.setText(v or "")
        general.addRow("Label", label)
        outer.addLayout(general)
        if cls is not None and cls.config_schema().get("properties"):  # (no empty box for a block without config)
            box = QGroupBox("Config")
            form = QFormLayout(box)
            schema = cls.config_schema()
            for name, prop in schema.get("properties", {}).items():
                value = node.config.get(name, prop.get("default"))
                widget = self._field(name, _resolve(schema, prop), value)
                widget.setToolTip(prop.get("description", ""))
                self.fields[name] = widget
                form.addRow(prop.get("title", name), with_switch(self, name, widget, value, cls))
                self._defaults[name] = prop.get("default")
                form.addRow("", self._problem_label(name))
            outer.addWidget(box)
        outer.addWidget(self._settings_box(node))
        outer.addStretch(1)
        self.setWidget(body)
        for (doc_key, nid, name), (text, error, _base) in list(self.pending.items()):
            if doc_key == id(doc) and nid == node_id and name in self.fields:
                self._set_text(self.fields[name], text)
                self._mark(name, error)

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
        """The node changed (an edit here, undo, redo): fields show what is stored; refused text stays unless
        the stored value it did not replace has changed since."""
        if node_id != self.node_id or self.doc is None or node_id not in self.doc.nodes:
            return
        node = self.doc.nodes[node_id]
        if any(is_expr(node.config.get(n)) != (n in self._exprs) for n in self._defaults):
            return self.show_node(self.doc, self.stack, node_id)  # a field switched kind: its widget changes
        self.heading.setText(self._heading())
        self.fields["label"].setPlaceholderText(self.doc.default_title(node_id))
        for name, show in self._show.items():
            if name == "label":
                value = node.label
            elif name.startswith("settings."):
                continue
            else:
                value = node.config.get(name, _MISSING)
            key = (id(self.doc), node_id, name)
            if key in self.pending:
                if self.pending[key][2] == value:
                    continue
                self.pending.pop(key)
                self._mark(name, None)
            show(None if value is _MISSING else value)

    def revert(self, name: str) -> None:
        """Give up the refused text of ``name``: the field shows the stored value again."""
        self.pending.pop((id(self.doc), self.node_id, name), None)
        self._mark(name, None)
        node = self.doc.nodes.get(self.node_id) if self.doc else None
        if node is not None and name in self._show:
            value = node.config.get(name)
            self._show[name](value)

    # -- fields ---------------------------------------------------------------------------------------------

    def _field(self, name: str, prop: dict, value: Any) -> QWidget:
        w = self._make_field(name, prop, value)
        shower = self._show.get(name)
        if shower is not None:
            def quiet(v, w=w, shower=shower):
                w.blockSignals(True)
                try:
                    shower(v)
                finally:
                    w.blockSignals(False)
            self._show[name] = quiet
        return w

    def _make_field(self, name: str, prop: dict, value: Any) -> QWidget:
        if is_expr(value):
            return expression_field(self, name, value)
        kind = prop.get("type")
        if "enum" in prop:
            w = QComboBox()
            w.addItems([str(v) for v in prop["enum"]])
            if value is not None:
                w.setCurrentText(str(value))
            w.currentTextChanged.connect(lambda text: self._set_config(name, text))
            self._show[name] = lambda v: w.setCurrentText("" if v is None else str(v))
            return w
        if kind == "boolean":
            w = QCheckBox()
            w.setChecked(bool(value))
            w.toggled.connect(lambda on: self._set_config(name, on))
            self._show[name] = lambda v: w.setChecked(bool(v))
            return w
        if kind in ("integer", "number"):
            w = SpinBox() if kind == "integer" else DoubleSpinBox()
            if kind == "number":
                w.setDecimals(3)
            lo = prop.get("minimum", prop.get("exclusiveMinimum", -1e9 if kind == "number" else -2**31 + 1))
            hi = prop.get("maximum", prop.get("exclusiveMaximum", 1e9 if kind == "number" else 2**31 - 1))
            if prop.get("nullable"):  # one step below the minimum means "not set" (shown as —)
                lo -= 1
                w.setSpecialValueText("—")
            w.setRange(lo, hi)
            w.setValue(lo if value is None else value)
            self._say_clamps(name, w)
            w.editingFinished.connect(lambda: self._set_config(
                name, None if prop.get("nullable") and w.value() == lo else w.value()))
            self._show[name] = lambda v: w.setValue(lo if v is None else v)
            return w
        if kind == "string" and prop.get("format") == "workflow":
            w = QComboBox(editable=True)
            w.addItems(sorted(set(self.workflow_names())))
            w.setCurrentText("" if value is None else str(value))
            w.lineEdit().editingFinished.connect(lambda: self._set_config(name, w.currentText()))
            w.activated.connect(lambda _i: self._set_config(name, w.currentText()))
            self._show[name] = lambda v: w.setCurrentText("" if v is None else str(v))
            return w
        if kind == "string" and prop.get("format") in ("expression", "multiline", "python"):
            w = _TextEdit(lambda: self._set_config(name, w.toPlainText()))
            w.setPlainText(value or "")
            w.setFont(QFont("monospace"))
            w.setMinimumHeight(200 if prop["format"] == "python" else 0)
            w.setMaximumHeight(320 if prop["format"] == "python" else 90)
            self._show[name] = lambda v: w.toPlainText() != (v or "") and w.setPlainText(v or "")
            return w
        if kind == "string":
            w = QLineEdit("" if value is None else str(value))
            w.editingFinished.connect(lambda: self._set_config(name, w.text()))
            self._show[name] = lambda v: w.setText("" if v is None else str(v))
            return w
        w = QLineEdit(json.dumps(value) if value is not None else "", placeholderText="JSON")
        w.editingFinished.connect(lambda: self._set_json(name, w.text()))
        self._show[name] = lambda v: w.setText(json.dumps(v) if v is not None else "")
        return w

    def _say_clamps(self, name: str, box) -> None:
        """A number typed outside the box's range is brought into it, and the field says so."""
        box.setCorrectionMode(box.CorrectionMode.CorrectToNearestValue)
        typed: list[str] = []
        box.lineEdit().textEdited.connect(lambda text: typed.__setitem__(slice(None), [text]))

        def finished() -> None:
            if not typed or not isValid(box):  # (emitted as a rebuilt form deletes it)
                return
            text = typed.pop().strip().replace(",", ".")
            try:
                wanted = float(text)
            except ValueError:
                return
            if wanted > box.maximum() or wanted < box.minimum():
                which = "largest" if wanted > box.maximum() else "smallest"
                self._note(name, f"{text} is outside the allowed range: set to the {which} value, {box.text()}.")
        box.editingFinished.connect(finished)

    def _settings_box(self, node) -> QGroupBox:
        box = QGroupBox("Settings")
        form = QFormLayout(box)
        s = node.settings
        attempts = SpinBox()
        attempts.setRange(1, 100)
        attempts.setValue(s.retry.max_attempts if s.retry else 1)
        attempts.editingFinished.connect(lambda: self._set_settings(retry={"max_attempts": attempts.value()}
                                                                    if attempts.value() > 1 else None))
        timeout = DoubleSpinBox()
        timeout.setRange(0, 86400)
        timeout.setSpecialValueText("none")
        timeout.setValue(s.timeout_s or 0)
        timeout.editingFinished.connect(lambda: self._set_settings(timeout_s=timeout.value() or None))
        on_error = QComboBox()
        on_error.addItems(["fail", "continue"])
        on_error.setCurrentText(s.on_error)
        on_error.currentTextChanged.connect(lambda v: self._set_settings(on_error=v))
        for label, w in (("Attempts", attempts), ("Timeout (s)", timeout), ("On error", on_error)):
            self.fields[f"settings.{label}"] = w
            form.addRow(label, w)
            if w is not on_error:
                form.addRow("", self._problem_label(f"settings.{label}"))
                self._say_clamps(f"settings.{label}", w)
        return box

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

    def _set_config(self, name: str, value: Any) -> None:
        if self.doc is None or self.node_id not in self.doc.nodes:
            return
        node = self.doc.nodes[self.node_id]
        if node.config.get(name, object()) == value:
            return
        config = {**node.config, name: value}
        cls = self.doc.block(self.node_id)
        exprs = expression_fields(config)
        if name in exprs:
            problem = expression_problem(value, cls, name)
            if problem:
                self._refuse(name, value, problem)
                return
        if cls is not None:
            try:
                cls.Config.model_validate({k: v for k, v in config.items() if k not in exprs} if exprs else config)
            except ValidationError as e:
                mine = [sentence(err["msg"]) for err in e.errors()
                        if err["loc"] and err["loc"][0] == name and name not in exprs]
                if mine:
                    self._refuse(name, value, " ".join(mine))
                    return
        self.pending.pop((id(self.doc), self.node_id, name), None)
        self._mark(name, None)
        self.stack.push(UpdateNode(self.doc, self.node_id, f"Set {name}", config=config))

    def _set_json(self, name: str, text: str) -> None:
        try:
            value = json.loads(text) if text.strip() else None
        except ValueError as e:
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

    def _set_settings(self, **changes: Any) -> None:
        node = self.doc.nodes.get(self.node_id) if self.doc else None
        if node is None:
            return
        from engine.model import NodeSettings

        settings = NodeSettings.model_validate({**node.settings.model_dump(), **changes})
        if settings != node.settings:
            self.stack.push(UpdateNode(self.doc, self.node_id, "Change settings", settings=settings))
