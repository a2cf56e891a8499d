"""A config field holding an expression (SPEC §5a) in the inspector: the template's text, edited as text and
stored back as ``{"$expr": text}`` (one undoable edit). The Fixed / Expression switch, completion and the
live resolved value are issue 14's editor part, still to come."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from engine.errors import ExpressionError
from engine.expr.fields import EXPR, compile_template, find_exprs, is_expr

__all__ = ["expression_field", "is_expr", "expression_fields", "expression_problem"]


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


def expression_field(inspector, name: str, value: dict) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    mark = QLabel("ƒx")
    mark.setToolTip("An expression: {{ }} placeholders read nodes.<node>.<port>, in.<port>, run.inputs.<name>, "
                    "run.id and loop.*")
    edit = QLineEdit(value[EXPR] if isinstance(value.get(EXPR), str) else "", objectName=f"expr_{name}")
    row.addWidget(mark)
    row.addWidget(edit)

    def changed() -> None:
        inspector._set_config(name, {EXPR: edit.text()})

    edit.editingFinished.connect(changed)
    inspector._show[name] = lambda v: edit.setText(v[EXPR] if is_expr(v) and isinstance(v[EXPR], str) else
                                                   ("" if v is None else str(v)))
    return box
