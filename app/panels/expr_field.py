"""Config fields and expressions (SPEC §5a) in the inspector: each field's Fixed / Expression switch (ƒx, as
in n8n: a fixed value becomes the expression giving it, and back), and a field holding an expression shown
as its template's text, stored back as ``{"$expr": text}`` — every change one undoable edit — with the value it
would resolve to now, from the last run's outputs (never running anything). Completion: expr_complete.py."""

from __future__ import annotations

import asyncio
import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget
from pydantic import ValidationError
from shiboken6 import isValid

from engine.runs import NOT_READ, in_memory
from engine.errors import ExpressionError
from engine.expr.budget import Budget
from engine.expr.fields import EXPR, compile_template, find_exprs, is_expr
from engine.graph.refs import takes_expressions

from .expr_complete import ExprLineEdit, attach_completer
from .ref_drop import accept_refs

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


def _switch(inspector, name: str, on: bool) -> None:
    """The field's Fixed / Expression switch: one undoable edit."""
    from ..document.commands import UpdateNode

    node = inspector.doc.nodes.get(inspector.node_id) if inspector.doc else None
    config = switched(node.config, name, on, inspector.values().get(name)) if node is not None else None
    if config is not None:
        inspector.pending.pop((id(inspector.doc), inspector.node_id, name), None)
        inspector.stack.push(UpdateNode(inspector.doc, inspector.node_id,
                                        f"{'Expression' if on else 'Fixed value'} for {name}", config=config))


def with_switch(inspector, name: str, widget: QWidget, value, cls) -> QWidget:
    """The field with its Fixed / Expression switch (ƒx) beside it, taking references dropped on it from the
    preview's JSON tree. Code fields have no switch and refuse drops; neither has a block whose fields cannot
    hold expressions (an input, an output, a loop's ends: SPEC §5a)."""
    if cls is not None and (name in getattr(cls, "code_fields", ()) or not takes_expressions(cls)):
        accept_refs(inspector, name, widget, cls)
        return widget
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(widget, 1)
    switch = QToolButton(objectName=f"exprSwitch_{name}", text="ƒx", checkable=True)
    switch.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from field to field, not through the switches
    switch.setChecked(is_expr(value))
    switch.setToolTip("Expression: compute this field from other nodes' values ({{ nodes.<node>.<port> }}, "
                      "in.<port>, run.inputs.<name>, loop.*). Off: a fixed value.")
    switch.toggled.connect(lambda on: _switch(inspector, name, on))
    row.addWidget(switch)
    accept_refs(inspector, name, box, cls)
    return box


PREVIEW_STEPS = 100_000  # a preview is computed on the GUI thread: a small budget


def preview(inspector, source: str, name: str | None = None) -> tuple[str, list]:
    """What the template would give now, from the last run's outputs kept by the window (never runs anything),
    and the stored values it waits for (read off the GUI thread, then the preview is worked out again)."""
    doc, nid = inspector.doc, inspector.node_id
    try:
        template = compile_template(source)
    except ExpressionError as e:
        return f"⚠ {e}", []
    roots = {r.parts[0] for r in template.refs}
    if "loop" in roots or ("run", "id") in {r.parts[:2] for r in template.refs}:
        return "= (known when it runs: it reads the loop or the run)", []
    nodes: dict = {}
    for ref in template.refs:
        if ref.parts[0] == "nodes":
            outputs = inspector.outputs_of(ref.parts[1])
            if outputs is None:
                return f"= (run {ref.parts[1]} once to see the value)", []
            nodes[ref.parts[1]] = outputs
    own = {}
    for edge in doc.edges.values() if "in" in roots else ():
        if edge.target == nid:
            outputs = inspector.outputs_of(edge.source) or {}
            own[edge.target_port] = outputs.get(edge.source_port)
    stored = [v for outs in (*nodes.values(), own) for v in outs.values() if in_memory(v) is NOT_READ]
    if stored:
        return "= … (reading the stored value)", stored
    nodes = {n: {p: in_memory(v) for p, v in outs.items()} for n, outs in nodes.items()}
    own = {p: in_memory(v) for p, v in own.items()}
    run_inputs = {n: None for n in inspector.run_inputs()} if "run" in roots else {}
    try:
        result = template.render({"nodes": nodes, "in_": own, "run": {"id": "", "inputs": run_inputs}},
                                 Budget(PREVIEW_STEPS))
    except ExpressionError as e:
        return f"⚠ {e}", []
    from engine.values import summarize

    shown = "= " + summarize(result, 120)
    problem = _unfit(doc, nid, name, result)
    return (f"⚠ {shown[2:]} — but {problem}" if problem else shown), []


def _unfit(doc, nid: str, name: str | None, value) -> str | None:
    """Why the field could not take ``value`` when the node runs (as the engine checks it), or None."""
    cls = doc.block(nid) if name else None
    if cls is None:
        return None
    fixed = {k: v for k, v in doc.nodes[nid].config.items() if k != name and not find_exprs(v)}
    for candidate in (value, *((json.dumps(value),) if isinstance(value, (int, float, bool)) else ())):
        try:  # (a number or a boolean given to a text field becomes its JSON text, as in a run)
            cls.Config.model_validate({**fixed, name: candidate})
            return None
        except ValidationError as e:
            mine = [err["msg"].removeprefix("Value error, ") for err in e.errors() if err["loc"][:1] == (name,)]
            if not mine:
                return None
            why = mine[0]
    return f"the field cannot take it: {why[:1].lower()}{why[1:]}"


def show_preview(inspector, label: QLabel, source: str, name: str | None = None) -> None:
    """The preview in ``label``; stored values it needs are read on the window's worker threads first."""
    text, stored = preview(inspector, source, name)
    label.setText(text)
    if not stored:
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop runs (a script, or a test between its runs): the preview stays as it is
        return

    async def read_then_show() -> None:
        try:
            for value in stored:
                await inspector.read_value(value)
        except Exception as e:  # noqa: BLE001 - an evicted or damaged entry: the preview says so
            if isValid(label):
                label.setText(f"= (the stored value cannot be read: {e}; run again)")
            return
        if isValid(label) and inspector.node_id is not None:
            show_preview(inspector, label, source, name)

    asyncio.ensure_future(read_then_show())


def expression_field(inspector, name: str, value: dict) -> QWidget:
    text = value[EXPR] if isinstance(value.get(EXPR), str) else ""
    edit = ExprLineEdit(text, objectName=f"field.{name}")
    edit.setPlaceholderText("text with {{ nodes.<node>.<port> }} placeholders")
    attach_completer(inspector, edit)
    shown = QLabel(objectName=f"exprValue_{name}", wordWrap=True)
    show_preview(inspector, shown, text, name)
    shown.setStyleSheet("color: #8b949e;")
    box = QWidget(objectName=f"exprField_{name}")
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(edit)
    column.addWidget(shown)
    edit.editingFinished.connect(lambda: show_preview(inspector, shown, edit.text(), name))
    def changed() -> None:
        inspector._set_config(name, {EXPR: edit.text()})

    edit.editingFinished.connect(changed)

    def show(v) -> None:
        edit.setText(v[EXPR] if is_expr(v) and isinstance(v[EXPR], str) else ("" if v is None else str(v)))
        show_preview(inspector, shown, edit.text(), name)

    inspector._show[name] = show
    return box
