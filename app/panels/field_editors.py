"""The inspector's field editors, one per kind of config field (a choice, a switch, a number, a line or an area of
text, a workflow's name, a path — path_field.py —, JSON), and the node settings box. Each editor comes with the function that shows a
value in it: the inspector calls it with the value a run reads (SPEC §8: the screen never lies), so an editor
never guesses a value of its own.

Keys: Tab moves from editor to editor; in a text area too (it applies when it loses focus), except in code,
where Tab indents by four spaces and Shift+Tab or Ctrl+Tab moves on.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QValidator
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLineEdit,
                               QPlainTextEdit, QSpinBox, QWidget)
from shiboken6 import isValid

from .model_field import model_editor
from .path_field import PATH_FORMATS, PathEdit, path_editor

__all__ = ["SpinBox", "DoubleSpinBox", "TextArea", "CodeArea", "make_editor", "in_row", "settings_box", "say_clamps"]

Shower = Callable[[Any], Any]


class TextArea(QPlainTextEdit):
    """A multi-line field that applies when it loses focus; Tab moves on to the next field."""

    def __init__(self, apply, parent=None):
        super().__init__(parent)
        self._apply = apply
        self.setTabChangesFocus(True)

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self._apply()


class CodeArea(TextArea):
    """Code: Tab indents by four spaces (a tab character would mix with the spaces Python code is indented
    with); Shift+Tab and Ctrl+Tab (with Shift: back) move to another field."""

    def __init__(self, apply, parent=None):
        super().__init__(apply, parent)
        self.setTabChangesFocus(False)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if event.key() == Qt.Key.Key_Tab and mods == Qt.KeyboardModifier.NoModifier:
                self.insertPlainText("    ")
            else:  # (QWidget's: QPlainTextEdit's own declines while Tab is text)
                QWidget.focusNextPrevChild(self, event.key() == Qt.Key.Key_Tab
                                           and not mods & Qt.KeyboardModifier.ShiftModifier)
            event.accept()
            return True
        return super().event(event)


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


def _number(value) -> float | None:
    """A stored number as a spin box can show it; None for anything else (a value from a file the Config
    refuses: validation names it)."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def make_editor(inspector, name: str, prop: dict, value: Any) -> tuple[QWidget, Shower]:
    """The editor of a fixed-value field, showing ``value``, and the function that shows another value in it.
    Every change goes through ``inspector._set_config`` (or ``_set_json``)."""
    kind = prop.get("type")
    if "enum" in prop:
        w = QComboBox()
        w.addItems([str(v) for v in prop["enum"]])
        show = lambda v: w.setCurrentIndex(w.findText("" if v is None else str(v)))  # (-1: none)
        show(value)
        w.currentTextChanged.connect(lambda text: text and inspector._set_config(name, text))
        return w, show
    if kind == "boolean":
        w = QCheckBox()
        show = lambda v: w.setChecked(bool(v))
        show(value)
        w.toggled.connect(lambda on: inspector._set_config(name, on))
        return w, show
    if kind in ("integer", "number"):
        w = SpinBox() if kind == "integer" else DoubleSpinBox()
        if kind == "number":
            w.setDecimals(3)
        lo = prop.get("minimum", prop.get("exclusiveMinimum", -1e9 if kind == "number" else -2**31 + 1))
        hi = prop.get("maximum", prop.get("exclusiveMaximum", 1e9 if kind == "number" else 2**31 - 1))
        if prop.get("nullable"):  # one step below the minimum means "not set" (shown as —)
            lo -= 1
            w.setSpecialValueText("—")
        elif prop.get("zero") and lo == 0:  # (a field whose 0 means something: "auto")
            w.setSpecialValueText(prop["zero"])
        w.setRange(lo, hi)
        # (a value the box shows already is not set again: that would rewrite the text being typed, "5." → "5.000")
        show = lambda v: w.value() != (lo if _number(v) is None else v) and w.setValue(lo if _number(v) is None else v)
        show(value)
        say_clamps(inspector, name, w)
        read = lambda: None if prop.get("nullable") and w.value() == lo else w.value()
        w.valueChanged.connect(lambda _v: inspector._typed(name, read()))
        w.editingFinished.connect(lambda: inspector._set_config(name, read()))
        return w, show
    if kind == "string" and prop.get("format") == "model":
        return model_editor(inspector, name, prop.get("task"))
    if kind == "string" and prop.get("format") == "workflow":
        w = QComboBox(editable=True)
        w.addItems(sorted(set(inspector.workflow_names())))
        show = lambda v: w.setCurrentText("" if v is None else str(v))
        show(value)
        w.lineEdit().editingFinished.connect(lambda: inspector._set_config(name, w.currentText()))
        w.lineEdit().textEdited.connect(lambda text: inspector._typed(name, text))
        w.activated.connect(lambda _i: inspector._set_config(name, w.currentText()))
        return w, show
    if kind == "string" and prop.get("format") in ("expression", "multiline", "python"):
        w = (CodeArea if prop["format"] == "python" else TextArea)(lambda: inspector._set_config(name, w.toPlainText()))
        w.setFont(QFont("monospace"))
        w.setMinimumHeight(200 if prop["format"] == "python" else 0)
        w.setMaximumHeight(320 if prop["format"] == "python" else 90)
        show = lambda v: w.toPlainText() != (v or "") and w.setPlainText(v or "")
        show(value)
        w.textChanged.connect(lambda: inspector._typed(name, w.toPlainText()))
        return w, show
    if kind == "string" and prop.get("format") in PATH_FORMATS:
        w = path_editor(inspector, name, prop)
    elif kind == "string":
        w = QLineEdit()
    if kind == "string":  # (the text shown already is not set again: the cursor stays where it is typing)
        show = lambda v: w.text() != ("" if v is None else str(v)) and w.setText("" if v is None else str(v))
        show(value)
        w.editingFinished.connect(lambda: inspector._set_config(name, w.text()))
        w.textEdited.connect(lambda text: inspector._typed(name, text))
        return w, show
    w = QLineEdit(placeholderText="JSON")
    show = lambda v: w.setText(json.dumps(v) if v is not None else "")
    show(value)
    w.editingFinished.connect(lambda: inspector._set_json(name, w.text()))
    w.textEdited.connect(lambda text: inspector._typed_json(name, text))
    return w, show


def in_row(editor: QWidget) -> QWidget:
    """What the form shows for an editor: a path with its Browse… button, else the editor itself."""
    return editor.row if isinstance(editor, PathEdit) else editor


def say_clamps(inspector, name: str, box) -> None:
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
            inspector._note(name, f"{text} is outside the allowed range: set to the {which} value, {box.text()}.")
    box.editingFinished.connect(finished)


def settings_box(inspector) -> QGroupBox:
    """Attempts, timeout and what an error does: ``settings.attempts``, ``settings.timeout_s`` and
    ``settings.on_error`` in the inspector's fields; a change keeps the retry details it does not touch. And the
    node's ``bypass`` (a checkbox)."""
    box = QGroupBox("Settings")
    form = QFormLayout(box)
    attempts = SpinBox()
    attempts.setRange(1, 100)
    attempts.editingFinished.connect(lambda: inspector._set_settings(attempts=attempts.value()))
    timeout = DoubleSpinBox()
    timeout.setRange(0, 86400)
    timeout.setSpecialValueText("none")
    timeout.editingFinished.connect(lambda: inspector._set_settings(timeout_s=timeout.value() or None))
    on_error = QComboBox()
    on_error.addItems(["fail", "continue"])
    on_error.currentTextChanged.connect(lambda v: inspector._set_settings(on_error=v))
    for label, key, w, show in (
            ("Attempts", "attempts", attempts, lambda v: attempts.setValue(v)),
            ("Timeout (s)", "timeout_s", timeout, lambda v: timeout.setValue(v or 0)),
            ("On error", "on_error", on_error, lambda v: on_error.setCurrentText(v))):
        inspector._register(f"settings.{key}", w, show)
        form.addRow(label, w)
        if w is not on_error:
            form.addRow("", inspector._problem_label(f"settings.{key}"))
            say_clamps(inspector, f"settings.{key}", w)
    bypass = QCheckBox("Bypass (Ctrl+B)")  # SPEC §2: the node does not run; its outputs carry its inputs
    bypass.setToolTip("Switch the node off for runs: each output carries its first input of a fitting type")
    bypass.toggled.connect(inspector._set_bypass)
    inspector._register("bypass", bypass, lambda v: bypass.setChecked(bool(v)))
    form.addRow("", bypass)
    return box
