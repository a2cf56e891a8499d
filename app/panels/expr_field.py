"""Config fields and expressions (SPEC §5a) in the inspector: each field's Fixed / Expression switch (ƒx, as
in n8n: a fixed value becomes the expression giving it, and back), and a field holding an expression shown
as its template's text, stored back as ``{"$expr": text}`` — every change one undoable edit. Completion and
the live resolved value are still to come."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QToolButton, QWidget

from engine.errors import ExpressionError
from engine.expr.fields import EXPR, compile_template, find_exprs, is_expr

__all__ = ["expression_field", "is_expr", "expression_fields", "expression_problem", "with_switch", "switched"]


def expression_fields(config: dict) -> set[str]:
    """The top-level fields of a config that hold an expression (or one inside them)."""
    return {path[0] for path, _ in find_exprs(config)}


def expression_problem(value, cls, name: str) -> str | None:
    """Why the expression(s) in a field's value cannot be used, in a sentence, or None."""
    if cls is not None and name in getattr(cls, "code_fields", ()):
        return "This field is itself code: it cannot hold an expression."
    for _, source in find_exprs(value):
        try:
            compile_template(source)
        except ExpressionError as e:
            return f"{str(e)[:1].upper()}{str(e)[1:]}."
    return None


def to_expression(value) -> dict:
    """A fixed value as an expression giving the same value (the switch's first step, as in n8n)."""
    return {EXPR: "{{ " + json.dumps(value, ensure_ascii=False) + " }}"}


def switched(config: dict, name: str, on: bool, default) -> dict | None:
    """The config with ``name`` switched to an expression (``on``) or back to a fixed value; None when it
    already is so."""
    current = config.get(name, default)
    if on == is_expr(current):
        return None
    out = dict(config)
    new = to_expression(current) if on else to_fixed(current)
    if new is _DEFAULT:
        out.pop(name, None)
    else:
        out[name] = new
    return out


def to_fixed(value):
    """An expression back to a fixed value: the literal when it is one (``{{ 5 }}``), else the field's default
    (``_DEFAULT``)."""
    source = value.get(EXPR) if is_expr(value) else None
    if isinstance(source, str):
        inner = source.strip()
        if inner.startswith("{{") and inner.endswith("}}") and inner.count("{{") == 1:
            try:
                return json.loads(inner[2:-2].strip())
            except ValueError:
                pass
    return _DEFAULT


_DEFAULT = object()


def with_switch(inspector, name: str, widget: QWidget, value, cls) -> QWidget:
    """The field with its Fixed / Expression switch (ƒx) beside it; code fields have none."""
    if cls is not None and name in getattr(cls, "code_fields", ()):
        return widget
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(widget, 1)
    switch = QToolButton(objectName=f"exprSwitch_{name}", text="ƒx", checkable=True)
    switch.setChecked(is_expr(value))
    switch.setToolTip("Expression: compute this field from other nodes' values ({{ nodes.<node>.<port> }}, "
                      "in.<port>, run.inputs.<name>, loop.*). Off: a fixed value.")
    switch.toggled.connect(lambda on: inspector._switch_expression(name, on))
    row.addWidget(switch)
    return box


def expression_field(inspector, name: str, value: dict) -> QWidget:
    edit = QLineEdit(value[EXPR] if isinstance(value.get(EXPR), str) else "", objectName=f"expr_{name}")
    edit.setPlaceholderText("text with {{ nodes.<node>.<port> }} placeholders")
    box = edit
    def changed() -> None:
        inspector._set_config(name, {EXPR: edit.text()})

    edit.editingFinished.connect(changed)
    inspector._show[name] = lambda v: edit.setText(v[EXPR] if is_expr(v) and isinstance(v[EXPR], str) else
                                                   ("" if v is None else str(v)))
    return box
