"""The inspector: a form generated from the selected node's config JSON schema, its settings and label.

Every change is an undoable UpdateNode; a value the block's Config refuses is marked at its field and not
applied.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QLineEdit,
                               QPlainTextEdit, QScrollArea, QSpinBox, QVBoxLayout, QWidget)
from pydantic import ValidationError

from ..commands import UpdateNode

__all__ = ["Inspector"]

_INVALID = "border: 2px solid #f85149;"


def _resolve(schema: dict, prop: dict) -> dict:
    """Follow $ref and pick the non-null branch of an Optional."""
    if "$ref" in prop:
        prop = schema.get("$defs", {}).get(prop["$ref"].split("/")[-1], prop)
    if "anyOf" in prop:
        branches = [b for b in prop["anyOf"] if b.get("type") != "null"]
        merged = {**prop, **(branches[0] if branches else {})}
        merged["nullable"] = len(branches) < len(prop["anyOf"])
        merged.pop("anyOf", None)
        return merged
    return prop


class _TextEdit(QPlainTextEdit):
    """A multi-line field that applies when it loses focus."""

    def __init__(self, apply, parent=None):
        super().__init__(parent)
        self._apply = apply

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self._apply()


class Inspector(QScrollArea):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.doc = self.stack = None
        self.node_id: str | None = None
        self.fields: dict[str, QWidget] = {}
        self.workflow_names = lambda: []  # the stored workflows a sub_workflow may call (set by the window)
        self._show_empty()

    def _show_empty(self, text: str = "Select a node to edit it") -> None:
        label = QLabel(text, alignment=Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        self.setWidget(label)
        self.fields = {}

    def show_node(self, doc, stack, node_id: str | None) -> None:
        self.doc, self.stack, self.node_id = doc, stack, node_id
        if doc is None or node_id is None or node_id not in doc.nodes:
            self._show_empty()
            return
        node = doc.nodes[node_id]
        cls = doc.block(node_id)
        body = QWidget()
        outer = QVBoxLayout(body)
        title = QLabel(f"<b>{node.label or node.id}</b> · {node.type}" + (f"<br><small>{cls.describe()['description'].replace('``', '')}</small>" if cls else ""))
        title.setWordWrap(True)
        outer.addWidget(title)
        general = QFormLayout()
        label = QLineEdit(node.label or "", placeholderText=node.id)
        label.editingFinished.connect(lambda: self._set_label(label.text()))
        self.fields["label"] = label
        general.addRow("Label", label)
        outer.addLayout(general)
        if cls is not None:
            box = QGroupBox("Config")
            form = QFormLayout(box)
            schema = cls.config_schema()
            for name, prop in schema.get("properties", {}).items():
                widget = self._field(name, _resolve(schema, prop), node.config.get(name, prop.get("default")))
                widget.setToolTip(prop.get("description", ""))
                self.fields[name] = widget
                form.addRow(prop.get("title", name), widget)
            outer.addWidget(box)
        outer.addWidget(self._settings_box(node))
        outer.addStretch(1)
        self.setWidget(body)
        for name in list(node.config):
            self._mark(name, None)

    # -- fields ---------------------------------------------------------------------------------------------

    def _field(self, name: str, prop: dict, value: Any) -> QWidget:
        kind = prop.get("type")
        if "enum" in prop:
            w = QComboBox()
            w.addItems([str(v) for v in prop["enum"]])
            if value is not None:
                w.setCurrentText(str(value))
            w.currentTextChanged.connect(lambda text: self._set_config(name, text))
            return w
        if kind == "boolean":
            w = QCheckBox()
            w.setChecked(bool(value))
            w.toggled.connect(lambda on: self._set_config(name, on))
            return w
        if kind in ("integer", "number"):
            w = QSpinBox() if kind == "integer" else QDoubleSpinBox()
            if kind == "number":
                w.setDecimals(3)
            lo = prop.get("minimum", prop.get("exclusiveMinimum", -1e9 if kind == "number" else -2**31 + 1))
            hi = prop.get("maximum", prop.get("exclusiveMaximum", 1e9 if kind == "number" else 2**31 - 1))
            if prop.get("nullable"):  # one step below the minimum means "not set" (shown as —)
                lo -= 1
                w.setSpecialValueText("—")
            w.setRange(lo, hi)
            w.setValue(lo if value is None else value)
            w.editingFinished.connect(lambda: self._set_config(
                name, None if prop.get("nullable") and w.value() == lo else w.value()))
            return w
        if kind == "string" and prop.get("format") == "workflow":
            w = QComboBox(editable=True)
            w.addItems(sorted(set(self.workflow_names())))
            w.setCurrentText("" if value is None else str(value))
            w.lineEdit().editingFinished.connect(lambda: self._set_config(name, w.currentText()))
            w.activated.connect(lambda _i: self._set_config(name, w.currentText()))
            return w
        if kind == "string" and prop.get("format") in ("expression", "multiline", "python"):
            w = _TextEdit(lambda: self._set_config(name, w.toPlainText()))
            w.setPlainText(value or "")
            w.setFont(QFont("monospace"))
            w.setMinimumHeight(200 if prop["format"] == "python" else 0)
            w.setMaximumHeight(320 if prop["format"] == "python" else 90)
            return w
        if kind == "string":
            w = QLineEdit("" if value is None else str(value))
            w.editingFinished.connect(lambda: self._set_config(name, w.text()))
            return w
        w = QLineEdit(json.dumps(value) if value is not None else "", placeholderText="JSON")
        w.editingFinished.connect(lambda: self._set_json(name, w.text()))
        return w

    def _settings_box(self, node) -> QGroupBox:
        box = QGroupBox("Settings")
        form = QFormLayout(box)
        s = node.settings
        attempts = QSpinBox()
        attempts.setRange(1, 100)
        attempts.setValue(s.retry.max_attempts if s.retry else 1)
        attempts.editingFinished.connect(lambda: self._set_settings(retry={"max_attempts": attempts.value()}
                                                                    if attempts.value() > 1 else None))
        timeout = QDoubleSpinBox()
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
        return box

    # -- applying -----------------------------------------------------------------------------------------

    def _mark(self, name: str, error: str | None) -> None:
        w = self.fields.get(name)
        if w is not None:
            w.setStyleSheet(_INVALID if error else "")
            w.setProperty("invalid", bool(error))
            if error:
                w.setToolTip(error)

    def _set_config(self, name: str, value: Any) -> None:
        if self.doc is None or self.node_id not in self.doc.nodes:
            return
        node = self.doc.nodes[self.node_id]
        if node.config.get(name, object()) == value:
            return
        config = {**node.config, name: value}
        cls = self.doc.block(self.node_id)
        if cls is not None:
            try:
                cls.Config.model_validate(config)
            except ValidationError as e:
                mine = [err["msg"] for err in e.errors() if err["loc"] and err["loc"][0] == name]
                if mine:
                    self._mark(name, "; ".join(mine))
                    return
        self._mark(name, None)
        self.stack.push(UpdateNode(self.doc, self.node_id, f"Set {name}", config=config))

    def _set_json(self, name: str, text: str) -> None:
        try:
            value = json.loads(text) if text.strip() else None
        except ValueError as e:
            self._mark(name, f"not valid JSON: {e}")
            return
        self._set_config(name, value)

    def _set_label(self, text: str) -> None:
        node = self.doc.nodes.get(self.node_id) if self.doc else None
        if node is not None and (node.label or "") != text:
            self.stack.push(UpdateNode(self.doc, self.node_id, "Rename", label=text or None))

    def _set_settings(self, **changes: Any) -> None:
        node = self.doc.nodes.get(self.node_id) if self.doc else None
        if node is None:
            return
        settings = node.settings.model_copy(update=changes)
        if settings != node.settings:
            from engine.model import NodeSettings

            self.stack.push(UpdateNode(self.doc, self.node_id, "Change settings",
                                       settings=NodeSettings.model_validate(settings.model_dump())))
