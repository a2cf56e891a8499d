"""The inspector never lies (SPEC §8): every field editor shows the node's config as a run reads it — the
stored value, else the Config's default, as ``cls.Config.model_validate(config)`` says — after every edit, undo
and redo, including fields the edit did not touch. Editors are found by their stable names ``field.<key>``;
keys are real key events in the real window."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QCheckBox, QComboBox, QLineEdit, QPlainTextEdit,
                               QToolButton, QWidget)
from pydantic import ValidationError

from app.panels.schema import resolve
from engine.blocks import default_registry

from .editor_helpers import drop_block

BLOCKS = [cls for cls in default_registry(plugins=False) if cls.Config.model_fields]
MISSING = object()
SETTINGS = ("settings.attempts", "settings.timeout_s", "settings.on_error")


@pytest.fixture
def active(window, qtbot):
    """The window, active, so focus and key events go where a person's would."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def editor(window, key: str) -> QWidget:
    found = window.findChildren(QWidget, f"field.{key}")
    assert len(found) == 1, f"{len(found)} editors named field.{key}"
    return found[0]


def select(tab, node_id: str) -> None:
    tab.scene.clearSelection()
    tab.scene.node_items[node_id].setSelected(True)


def is_expr(value) -> bool:
    return isinstance(value, dict) and set(value) == {"$expr"}


def truth(cls, config: dict) -> dict:
    """What a run reads for each field: the validated config; expressions as written. A config that does not
    validate yet (a required field not filled in): each field's stored value, else its default."""
    exprs = {k: v for k, v in config.items() if is_expr(v)}
    fixed = {k: v for k, v in config.items() if k not in exprs}
    try:
        values = cls.Config.model_validate(fixed).model_dump(mode="json")
    except ValidationError:
        values = {}
        for name, info in cls.Config.model_fields.items():
            default = MISSING if info.is_required() else info.get_default(call_default_factory=True)
            values[name] = fixed.get(name, default)
    return {**values, **exprs}


def props(cls) -> dict:
    schema = cls.config_schema()
    return {name: resolve(schema, prop) for name, prop in schema.get("properties", {}).items()}


def shown(widget: QWidget, prop: dict, expected):
    """What the editor shows, in the terms of ``expected``; None when it matches."""
    if is_expr(expected):
        text = widget.text() if isinstance(widget, QLineEdit) else None
        return None if text == expected["$expr"] else text
    if isinstance(widget, QCheckBox):
        return None if widget.isChecked() == expected else widget.isChecked()
    if isinstance(widget, QAbstractSpinBox):
        if expected is None or expected is MISSING:
            return None if widget.value() == widget.minimum() and widget.specialValueText() else widget.text()
        return None if abs(widget.value() - expected) < 1e-6 else widget.value()
    if isinstance(widget, QComboBox):
        want = "" if expected is MISSING or expected is None else str(expected)
        return None if widget.currentText() == want else widget.currentText()
    text = widget.toPlainText() if isinstance(widget, QPlainTextEdit) else widget.text()
    if prop.get("type") == "string":
        want = "" if expected is MISSING or expected is None else expected
        return None if text == want else text
    if expected is MISSING:
        return None if text == "" else text
    try:
        value = json.loads(text) if text.strip() else None
    except ValueError:
        return text
    return None if value == expected else text


def wrong_fields(window, tab, node_id: str) -> list[str]:
    """Each editor of the node that does not show what a run reads, with what it shows."""
    node = tab.doc.nodes[node_id]
    cls = tab.doc.block(node_id)
    want = truth(cls, node.config)
    wrong = []
    for name, prop in props(cls).items():
        got = shown(editor(window, name), prop, want[name])
        if got is not None:
            wrong.append(f"{node.type}.{name}: shows {got!r}, a run reads {want[name]!r} (config {node.config})")
    if editor(window, "label").text() != (node.label or ""):
        wrong.append(f"{node.type}.label: shows {editor(window, 'label').text()!r}, stored {node.label!r}")
    s = node.settings
    attempts, timeout, on_error = (editor(window, k) for k in SETTINGS)
    if attempts.value() != (s.retry.max_attempts if s.retry else 1):
        wrong.append(f"{node.type}.settings.attempts: shows {attempts.value()}, stored {s.retry}")
    if abs(timeout.value() - (s.timeout_s or 0)) > 1e-6:
        wrong.append(f"{node.type}.settings.timeout_s: shows {timeout.value()}, stored {s.timeout_s}")
    if on_error.currentText() != s.on_error:
        wrong.append(f"{node.type}.settings.on_error: shows {on_error.currentText()}, stored {s.on_error}")
    return wrong


def another_value(cls, config: dict, name: str, prop: dict):
    """A value for ``name`` that differs from what a run reads now and that the Config takes."""
    now = truth(cls, config)[name]
    if "enum" in prop:  # the next choice (one key press), or the one before the last
        options = list(prop["enum"])
        at = options.index(now) if now in options else -1
        candidates = options[at + 1:at + 2] or options[at - 1:at]
    elif prop.get("type") == "boolean":
        candidates = [not now]
    elif prop.get("type") in ("integer", "number"):
        base = prop.get("minimum", prop.get("exclusiveMinimum", 0)) if now in (None, MISSING) else now
        candidates = [base + 1, base - 1, base + 2]
    elif prop.get("type") == "string":
        candidates = ["data", "red", "abc", "Some workflow"]
    else:
        candidates = [{"a": "b"}, [1, 2], 7]
    fixed = {k: v for k, v in config.items() if not is_expr(v)}
    for value in candidates:
        if value == now:
            continue
        try:
            cls.Config.model_validate({**fixed, name: value})
        except ValidationError as e:
            if any(err["loc"][:1] == (name,) for err in e.errors()):
                continue
        return value
    raise AssertionError(f"no other value for {cls.type}.{name}")


def type_into(widget: QWidget, text: str) -> None:
    """Replace the editor's text by typing, then finish it as a person does (Return; a text area: a click in
    another field)."""
    widget.setFocus()
    if isinstance(widget, QPlainTextEdit):
        widget.selectAll()
        QTest.keyClicks(widget, text)
        QTest.mouseClick(widget.window().findChild(QLineEdit, "field.label"), Qt.MouseButton.LeftButton)
        return
    line = widget.lineEdit() if isinstance(widget, (QAbstractSpinBox, QComboBox)) else widget
    line.selectAll()
    QTest.keyClicks(line, text)
    QTest.keyClick(line, Qt.Key.Key_Return)


def edit(window, cls, tab, node_id: str, name: str, prop: dict) -> str | None:
    """Give field ``name`` another value through its editor, with real keys and clicks; what went wrong, if
    anything."""
    widget = editor(window, name)
    value = another_value(cls, tab.doc.nodes[node_id].config, name, prop)
    if isinstance(widget, QCheckBox):
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
    elif isinstance(widget, QComboBox) and not widget.isEditable():
        widget.setFocus()
        down = widget.findText(str(value)) > widget.currentIndex()
        QTest.keyClick(widget, Qt.Key.Key_Down if down else Qt.Key.Key_Up)
    elif isinstance(widget, QAbstractSpinBox):
        type_into(widget, str(value))
    elif prop.get("type") == "string":
        type_into(widget, value)
    else:
        type_into(widget, json.dumps(value))
    config = tab.doc.nodes[node_id].config
    if config.get(name, MISSING) != value:
        return f"{cls.type}.{name}: set to {value!r} through its editor, stored {config.get(name, '(nothing)')!r}"
    return None


def test_every_field_of_every_block_shows_what_the_run_reads_after_each_edit_undo_and_redo(active):
    window = active
    assert BLOCKS and {cls.type for cls in BLOCKS} <= {cls.type for cls in window.registry}
    tab = window.workflows.new()
    tab.view.resetTransform()
    stack = tab.undo_stack
    wrong: list[str] = []
    for i, cls in enumerate(BLOCKS):
        node_id = drop_block(window, tab, cls.type, QPoint(60 + 40 * (i % 8), 60 + 30 * (i // 8)))
        select(tab, node_id)
        assert window.inspector.node_id == node_id
        start = stack.index()
        wrong += wrong_fields(window, tab, node_id)  # a new node: the defaults
        fields = props(cls)
        required = [n for n, info in cls.Config.model_fields.items() if info.is_required()]
        for name in sorted(fields, key=lambda n: n not in required):  # required ones first, so the rest validate
            problem = edit(window, cls, tab, node_id, name, fields[name])
            wrong += [problem] if problem else wrong_fields(window, tab, node_id)
        switch = next((window.findChild(QToolButton, f"exprSwitch_{n}") for n in fields if n not in required
                       and window.findChild(QToolButton, f"exprSwitch_{n}") is not None), None)
        if switch is not None:  # a field becomes an expression: it and every other field still tell the truth
            switch.click()
            wrong += wrong_fields(window, tab, node_id)
        type_into(editor(window, "settings.attempts"), "3")
        assert tab.doc.nodes[node_id].settings.retry.max_attempts == 3
        wrong += wrong_fields(window, tab, node_id)
        steps = stack.index() - start
        for _ in range(steps):
            window.actionUndo.trigger()
            wrong += [f"after undo: {w}" for w in wrong_fields(window, tab, node_id)]
        if tab.doc.nodes[node_id].config != cls.starter_config(node_id) or stack.index() != start:
            wrong.append(f"{cls.type}: {steps} undos left {tab.doc.nodes[node_id].config}")
        for _ in range(steps):
            window.actionRedo.trigger()
            wrong += [f"after redo: {w}" for w in wrong_fields(window, tab, node_id)]
        select(tab, node_id)  # shown afresh: the same
        wrong += [f"reselected: {w}" for w in wrong_fields(window, tab, node_id)]
    assert not wrong, f"{len(wrong)} editors lie:\n" + "\n".join(wrong)


def test_a_new_image_resize_shows_256_and_keep_aspect_after_height_300_and_save_keeps_quality_90(active):
    window = active
    tab = window.workflows.new()
    resize = drop_block(window, tab, "image_resize", QPoint(120, 120))
    select(tab, resize)
    type_into(editor(window, "height"), "300")
    assert tab.doc.nodes[resize].config == {"height": 300}
    assert editor(window, "width").value() == 256 and editor(window, "width").text() == "256"
    assert editor(window, "keep_aspect").isChecked() and editor(window, "resample").currentText() == "lanczos"
    editor(window, "width").setFocus()  # passing through a field changes nothing
    editor(window, "label").setFocus()
    assert tab.doc.nodes[resize].config == {"height": 300}
    window.actionUndo.trigger()
    assert tab.doc.nodes[resize].config == {} and editor(window, "height").value() == 256
    assert editor(window, "width").value() == 256 and editor(window, "keep_aspect").isChecked()

    save = drop_block(window, tab, "image_save", QPoint(420, 120))
    select(tab, save)
    type_into(editor(window, "path"), "out.png")
    assert tab.doc.nodes[save].config == {"path": "out.png"}
    assert editor(window, "quality").value() == 90 and editor(window, "format").currentText() == "png"


def test_revert_of_a_refused_value_shows_the_value_a_run_reads(active):
    window = active
    tab = window.workflows.new()
    boxes = drop_block(window, tab, "image_draw_boxes", QPoint(120, 120))
    select(tab, boxes)
    type_into(editor(window, "color"), "no such colour")
    assert tab.doc.nodes[boxes].config == {} and editor(window, "color").property("invalid")
    problem = window.findChild(QWidget, "problem-color")
    assert problem.isVisible() and "Revert" in problem.text()
    problem.linkActivated.emit("revert")
    assert editor(window, "color").text() == "#ff3b30" and not editor(window, "color").property("invalid")
    assert tab.doc.nodes[boxes].config == {}
    assert editor(window, "width").value() == 0 and editor(window, "width").text() == "auto"  # (sized to the picture)


def test_settings_follow_undo_and_redo_and_keep_the_retry_details(active):
    from engine.model import NodeSettings

    window = active
    tab = window.workflows.new()
    node = drop_block(window, tab, "delay", QPoint(120, 120))
    tab.doc.update_node(node, settings=NodeSettings.model_validate({"retry": {"max_attempts": 2, "backoff_s": 0.5}}))
    select(tab, node)
    type_into(editor(window, "settings.attempts"), "4")
    retry = tab.doc.nodes[node].settings.retry
    assert (retry.max_attempts, retry.backoff_s) == (4, 0.5)  # the backoff nobody touched is kept
    type_into(editor(window, "settings.timeout_s"), "12")
    assert tab.doc.nodes[node].settings.timeout_s == 12
    on_error = editor(window, "settings.on_error")
    on_error.setFocus()
    QTest.keyClick(on_error, Qt.Key.Key_Down)
    assert tab.doc.nodes[node].settings.on_error == "continue"
    window.actionUndo.trigger()
    assert on_error.currentText() == "fail"
    window.actionUndo.trigger()
    assert editor(window, "settings.timeout_s").text() == "none"
    window.actionUndo.trigger()
    assert editor(window, "settings.attempts").value() == 2
    for _ in range(3):
        window.actionRedo.trigger()
    assert (editor(window, "settings.attempts").value(), editor(window, "settings.timeout_s").value(),
            editor(window, "settings.on_error").currentText()) == (4, 12, "continue")


def test_every_editor_has_its_stable_name(active):
    window = active
    tab = window.workflows.new()
    for i, cls in enumerate(BLOCKS):
        node_id = drop_block(window, tab, cls.type, QPoint(60 + 40 * (i % 8), 60 + 30 * (i // 8)))
        select(tab, node_id)
        for key in ("label", *cls.Config.model_fields, *SETTINGS):
            assert isinstance(editor(window, key), QWidget)
    resize = drop_block(window, tab, "image_resize", QPoint(400, 300))
    select(tab, resize)
    window.findChild(QToolButton, "exprSwitch_width").click()
    assert isinstance(editor(window, "width"), QLineEdit)  # an expression: the editor holding its text
    assert editor(window, "width").text() == "{{ 256 }}"


def focus_chain(window, start: QWidget, presses: int, key=Qt.Key.Key_Tab) -> list[str]:
    start.setFocus()
    names = [QApplication.focusWidget().objectName()]
    for _ in range(presses):
        QTest.keyClick(QApplication.focusWidget(), key)
        names.append(QApplication.focusWidget().objectName())
    return names


def test_tab_goes_from_field_to_field_and_never_stops_on_the_fx_switches(active):
    window = active
    tab = window.workflows.new()
    resize = drop_block(window, tab, "image_resize", QPoint(120, 120))
    select(tab, resize)
    order = ["field.label", "field.width", "field.height", "field.keep_aspect", "field.resample",
             "field.settings.attempts", "field.settings.timeout_s", "field.settings.on_error"]
    assert focus_chain(window, editor(window, "label"), len(order) - 1) == order
    assert focus_chain(window, editor(window, "settings.on_error"), len(order) - 1, Qt.Key.Key_Backtab) == order[::-1]
    assert tab.doc.nodes[resize].config == {}  # passing through the fields changed nothing
    for switch in window.inspector.findChildren(QToolButton):
        assert switch.focusPolicy() in (Qt.FocusPolicy.NoFocus, Qt.FocusPolicy.ClickFocus), switch.objectName()

    template = drop_block(window, tab, "template", QPoint(420, 120))  # a text area passes Tab on as well
    select(tab, template)
    chain = focus_chain(window, editor(window, "label"), 2)
    assert chain == ["field.label", "field.template", "field.settings.attempts"]
    assert "\t" not in editor(window, "template").toPlainText()

    code = drop_block(window, tab, "python", QPoint(420, 320))  # code: Tab indents, Ctrl+Tab goes on
    select(tab, code)
    field = editor(window, "code")
    field.setFocus()
    field.moveCursor(field.textCursor().MoveOperation.End)
    QTest.keyClick(field, Qt.Key.Key_Tab)
    assert field.toPlainText().endswith("    ") and QApplication.focusWidget() is field
    QTest.keyClick(field, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget().objectName() == "field.timeout_s"
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is field
    QTest.keyClick(field, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget().objectName() == "field.label"


def test_ctrl_a_in_a_field_selects_its_text_and_on_the_canvas_every_node(active):
    window = active
    tab = window.workflows.new()
    first = drop_block(window, tab, "constant", QPoint(120, 120))
    drop_block(window, tab, "template", QPoint(420, 120))
    resize = drop_block(window, tab, "image_resize", QPoint(120, 320))
    select(tab, resize)
    type_into(editor(window, "label"), "Resize")
    fields = [editor(window, k) for k in ("label", "width", "settings.timeout_s")]
    for field in fields:
        field.setFocus()
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        line = field.lineEdit() if isinstance(field, QAbstractSpinBox) else field
        assert line.hasSelectedText() and line.selectedText() == line.text(), field.objectName()
        assert tab.scene.selected_node_ids() == [resize]
    window.actionSelectAll.trigger()  # Edit ▸ Select all, from the menu, with a field focused: that field's text
    assert tab.scene.selected_node_ids() == [resize] and fields[-1].lineEdit().hasSelectedText()

    select(tab, first)
    value = editor(window, "value")  # a JSON field
    type_into(value, '{"a": 1}')
    value.setFocus()
    value.deselect()
    window.actionSelectAll.trigger()
    assert value.selectedText() == '{"a": 1}' and tab.scene.selected_node_ids() == [first]

    tab.view.setFocus()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert sorted(tab.scene.selected_node_ids()) == sorted(tab.doc.nodes)

