"""A workflow with field expressions in the editor (issue 14; the Fixed/Expression switch is still to come):
it opens, its nodes show in the inspector without breaking, it runs, and the reference links are there."""

from PySide6.QtWidgets import QLineEdit

from .builder import Flow
from .test_queue_gui import on_loop, until

E = lambda s: {"$expr": s}  # noqa: E731


def test_a_workflow_with_field_expressions_opens_shows_and_runs_in_the_editor(window):
    shown = (Flow("fields").node("size", "constant", value=12).node("img", "input", name="img", type="image")
             .node("resize", "image_resize", width=E("{{ nodes.size.value }}"), height=E("{{ nodes.size.value }}"))
             .node("get", "http_request", url=E("http://127.0.0.1:9/{{ nodes.size.value }}"),
                   headers={"A": E("{{ run.id }}")}).edge("img.value", "resize.image").build())
    tab = window.workflows.open(window.store.workflows.create(shown).id)
    for nid in ("resize", "get", "size"):
        window.inspector.show_node(tab.doc, tab.undo_stack, nid)
        assert window.inspector.node_id == nid
    window.inspector.show_node(tab.doc, tab.undo_stack, "resize")
    width = window.inspector.findChild(QLineEdit, "field.width")
    assert width.text() == "{{ nodes.size.value }}"
    width.setText("{{ nodes.size.value * 2 }}")
    width.editingFinished.emit()
    assert tab.doc.nodes["resize"].config["width"] == {"$expr": "{{ nodes.size.value * 2 }}"}
    tab.undo_stack.undo()
    assert tab.doc.nodes["resize"].config["width"] == {"$expr": "{{ nodes.size.value }}"}

    wf = (Flow("exprs").node("key", "constant", value="a").node("base", "constant", value={"a": [1, 2]})
          .node("pick", "get_field", path=E("{{ nodes.key.value }}"))
          .node("o", "output", name="o").edge("base.value", "pick.data").edge("pick.value", "o.value").build())
    tab = window.workflows.open(window.store.workflows.create(wf).id)

    async def go():
        window.actionRun.trigger()
        await until(lambda: tab.scene.node_items["o"].status == "succeeded", what="the run reached the output")
        return {nid: item.status for nid, item in tab.scene.node_items.items()}

    statuses = on_loop(window, go)
    assert statuses["pick"] == "succeeded" and statuses["key"] == "succeeded"
    assert tab.doc.nodes["pick"].config["path"] == {"$expr": "{{ nodes.key.value }}"}  # kept as written


def test_references_are_drawn_as_dashed_links_that_follow_the_expression(window):
    from PySide6.QtCore import Qt

    wf = (Flow("refs").node("key", "constant", value="a").node("base", "constant", value={"a": 1})
          .node("pick", "get_field", path=E("{{ nodes.key.value }}")).edge("base.value", "pick.data").build())
    tab = window.workflows.open(window.store.workflows.create(wf).id)
    scene = tab.scene
    assert set(scene.ref_items) == {("key", "value", "pick")}
    ref = scene.ref_items[("key", "value", "pick")]
    assert ref.pen().style() == Qt.PenStyle.DashLine and not ref.path().isEmpty()
    window.inspector.show_node(tab.doc, tab.undo_stack, "pick")
    field = window.inspector.findChild(QLineEdit, "field.path")
    field.setText("{{ nodes.base.value }}")
    field.editingFinished.emit()
    assert set(scene.ref_items) == {("base", "value", "pick")}
    tab.undo_stack.undo()
    assert set(scene.ref_items) == {("key", "value", "pick")}
    before = ref.path().boundingRect()
    scene.node_items["key"].setPos(scene.node_items["key"].pos().x() + 100, scene.node_items["key"].pos().y())
    scene._moved_live("key")
    assert scene.ref_items[("key", "value", "pick")].path().boundingRect() != before
    scene.clearSelection()
    scene.node_items["key"].setSelected(True)
    tab.delete_selection()
    assert scene.ref_items == {}
    tab.undo_stack.undo()
    assert set(scene.ref_items) == {("key", "value", "pick")}


def test_the_fixed_expression_switch_turns_a_field_into_an_expression_and_back(window):
    from PySide6.QtWidgets import QToolButton

    wf = (Flow("switch").node("size", "constant", value=40).node("img", "input", name="img", type="image")
          .node("resize", "image_resize", width=100).node("t", "transform", expression="data")
          .edge("img.value", "resize.image").build())
    tab = window.workflows.open(window.store.workflows.create(wf).id)
    inspector = window.inspector
    inspector.show_node(tab.doc, tab.undo_stack, "resize")
    inspector.findChild(QToolButton, "exprSwitch_width").click()
    assert tab.doc.nodes["resize"].config["width"] == {"$expr": "{{ 100 }}"}  # the same value, as an expression
    field = inspector.findChild(QLineEdit, "field.width")
    assert field.text() == "{{ 100 }}" and inspector.findChild(QToolButton, "exprSwitch_width").isChecked()
    field.setText("{{ nodes.size.value }}")
    field.editingFinished.emit()
    assert set(tab.scene.ref_items) == {("size", "value", "resize")}
    inspector.findChild(QToolButton, "exprSwitch_width").click()  # back to Fixed: not a literal, so the default
    assert "width" not in tab.doc.nodes["resize"].config and tab.scene.ref_items == {}
    assert inspector.findChild(QLineEdit, "field.width") is None
    tab.undo_stack.undo()
    assert tab.doc.nodes["resize"].config["width"] == {"$expr": "{{ nodes.size.value }}"}
    assert inspector.findChild(QLineEdit, "field.width").text() == "{{ nodes.size.value }}"
    tab.undo_stack.undo()
    tab.undo_stack.undo()
    assert tab.doc.nodes["resize"].config["width"] == 100
    inspector.show_node(tab.doc, tab.undo_stack, "t")
    assert inspector.findChild(QToolButton, "exprSwitch_expression") is None  # code fields have no switch


def test_an_expression_field_shows_the_value_it_would_resolve_to_from_the_last_run(window):
    from PySide6.QtWidgets import QLabel

    wf = (Flow("preview").node("key", "constant", value="b").node("base", "constant", value={"a": 1, "b": 2})
          .node("pick", "get_field", path=E("{{ nodes.key.value }}"))
          .node("o", "output", name="o").edge("base.value", "pick.data").edge("pick.value", "o.value").build())
    tab = window.workflows.open(window.store.workflows.create(wf).id)
    window.inspector.show_node(tab.doc, tab.undo_stack, "pick")
    label = window.inspector.findChild(QLabel, "exprValue_path")
    assert "run key once" in label.text()

    async def go():
        window.actionRun.trigger()
        await until(lambda: tab.scene.node_items["o"].status == "succeeded", what="the run ended")

    on_loop(window, go)
    window.inspector.show_node(tab.doc, tab.undo_stack, "pick")
    label = window.inspector.findChild(QLabel, "exprValue_path")
    assert label.text() == "= 'b'"
    field = window.inspector.findChild(QLineEdit, "field.path")
    field.setText("{{ nodes.key.value + nodes.key.value }}")
    field.editingFinished.emit()
    assert window.inspector.findChild(QLabel, "exprValue_path").text() == "= 'bb'"
    field = window.inspector.findChild(QLineEdit, "field.path")
    field.setText("{{ nodes.base.value }}")  # an object where the field wants text: said before any run
    field.editingFinished.emit()
    shown = window.inspector.findChild(QLabel, "exprValue_path").text()
    assert shown.startswith("⚠ object (2 keys) — but the field cannot take it: ") and "string" in shown
    field = window.inspector.findChild(QLineEdit, "field.path")
    field.setText("{{ 7 }}")  # a number becomes its text, as in a run; the block's own check still applies
    field.editingFinished.emit()
    assert window.inspector.findChild(QLabel, "exprValue_path").text() == (
        "⚠ 7 — but the field cannot take it: invalid path '7' at position 0")
    field = window.inspector.findChild(QLineEdit, "field.path")
    field.setText("{{ nodes.key.value * 10**9 }}")  # refused by the preview's budget, not computed
    field.editingFinished.emit()
    assert window.inspector.findChild(QLabel, "exprValue_path").text().startswith("⚠")


def test_a_preview_reads_values_the_run_only_stored_off_the_gui_thread(window):
    """A second run takes ``key`` from the cache: its output is only stored; the preview reads it, then shows it."""
    from PySide6.QtWidgets import QLabel

    wf = (Flow("stored").node("key", "constant", value="b").node("base", "constant", value={"a": 1, "b": 2})
          .node("pick", "get_field", path=E("{{ nodes.key.value }}"))
          .node("o", "output", name="o").edge("base.value", "pick.data").edge("pick.value", "o.value").build())
    tab = window.workflows.open(window.store.workflows.create(wf).id)

    async def go():
        for n in (1, 2):
            window.actionRun.trigger()
            await until(lambda: sum(r.finished for r in window.store.runs.list()) == n
                        and window.runs.running_on(window.current_tab()) is None,
                        what=f"run {n} ended")
        stored = window.outputs.of(tab, "key")["value"]
        # the window has read it already (the node's thumbnail): the same value as one only stored on disk
        from engine.cache.codec import encode
        from engine.cache.lazy import CachedEntry, LazyValue

        data = encode({"value": stored.get()})
        window.outputs.keep(tab, "key", {"value": LazyValue(CachedEntry(lambda: data), "value", "k/value")})
        window.inspector.show_node(tab.doc, tab.undo_stack, "pick")
        label = window.inspector.findChild(QLabel, "exprValue_path")
        first = label.text()
        await until(lambda: label.text() == "= 'b'", what="the stored value was read and shown")
        return type(stored).__name__, first

    kind, first = on_loop(window, go)
    assert kind == "LazyValue" and first.startswith("= …")


def test_typing_nodes_dot_in_an_expression_field_offers_the_upstream_nodes_then_their_ports_and_keys(window, qtbot):
    wf = (Flow("complete").node("key", "constant", value="a").node("base", "constant", value={"a": {"deep": 1}})
          .node("pick", "get_field", path=E("")).node("after", "transform", expression="data")
          .node("o", "output", name="o").edge("base.value", "pick.data").edge("pick.value", "after.data")
          .edge("after.result", "o.value").build())
    tab = window.workflows.open(window.store.workflows.create(wf).id)
    window.show()
    window.inspector.show_node(tab.doc, tab.undo_stack, "pick")
    field = window.inspector.findChild(QLineEdit, "field.path")
    field.setFocus()
    completer = field.findChild(QObject_completer())

    def offered():
        return completer.popup().isVisible(), [completer.completionModel().index(i, 0).data()
                                               for i in range(completer.completionCount())]

    qtbot.keyClicks(field, "{{nodes.")
    visible, names = offered()
    assert visible and names == ["base", "key"]  # upstream first; never itself or what comes after it
    qtbot.keyClicks(field, "k")
    assert offered()[1] == ["key"]
    qtbot.keyClick(completer.popup(), Qt_key("Return"))
    assert field.text() == "{{nodes.key"
    assert window.inspector.pending == {}  # choosing did not also submit the half-typed text
    qtbot.keyClicks(field, ".")
    assert offered()[1] == ["value"]
    qtbot.keyClick(completer.popup(), Qt_key("Return"))
    qtbot.keyClicks(field, " }}")
    qtbot.keyClick(field, Qt_key("Return"))
    assert tab.doc.nodes["pick"].config["path"] == {"$expr": "{{nodes.key.value }}"}
    assert tab.undo_stack.count() == 1  # choosing from the list did not store the half-typed text
    assert set(tab.scene.ref_items) == {("key", "value", "pick")}

    field = window.inspector.findChild(QLineEdit, "field.path")
    field.setText("{{ ")
    field.setCursorPosition(3)
    completer = field.findChild(QObject_completer())
    qtbot.keyClicks(field, "r")
    assert offered()[1] == ["run"]  # no loop.* outside a ForEach body
    qtbot.keyClicks(field, "un.")
    assert offered()[1] == ["id", "inputs"]

    field.setText("{{ nodes.key.value }}")
    field.editingFinished.emit()

    async def go():  # after a run: the keys of the value the run left
        window.actionRun.trigger()
        await until(lambda: tab.scene.node_items["o"].status == "succeeded", what="the run ended")

    on_loop(window, go)
    window.inspector.show_node(tab.doc, tab.undo_stack, "pick")
    field = window.inspector.findChild(QLineEdit, "field.path")
    field.setText("")
    completer = field.findChild(QObject_completer())
    qtbot.keyClicks(field, "{{ nodes.base.value.")
    assert offered() == (True, ["a"])
    qtbot.keyClicks(field, "a.")
    assert offered() == (True, ["deep"])
    qtbot.keyClicks(field, "deep }} and {{ in.")
    assert offered()[1] == ["data"]
    qtbot.keyClicks(field, "data.")
    assert offered() == (True, ["a"])  # what the link into ``data`` carried


def QObject_completer():
    from PySide6.QtWidgets import QCompleter

    return QCompleter


def Qt_key(name):
    from PySide6.QtCore import Qt

    return getattr(Qt.Key, f"Key_{name}")


def _drag(tree, item, onto, at=None):
    """What dropping ``item`` of the preview's tree on widget ``onto`` does (the events a drag sends)."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = tree.mimeData([item])
    pos = at or QPoint(5, 5)
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(onto, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(onto, drop)
    return drop.isAccepted()


def test_dragging_a_value_from_the_preview_tree_onto_a_field_makes_it_read_that_value(window):
    from PySide6.QtWidgets import QSpinBox

    wf = (Flow("drag").node("sizes", "constant", value={"w": [30, 40], "my key": 5})
          .node("img", "input", name="img", type="image").node("resize", "image_resize", width=100)
          .node("t", "transform", expression="data").edge("img.value", "resize.image").build())
    tab = window.workflows.open(window.store.workflows.create(wf).id)
    window.show()
    on_loop(window, lambda: window.runs.run_node(tab, "sizes"))
    tree = window.preview_panel.tree
    assert tree.isVisible() and tree.node_id == "sizes"
    assert tree.topLevelItem(0).text(0) == "value"
    tab.scene.clearSelection()
    tab.scene.node_items["resize"].setSelected(True)  # it has not run: the tree offers what it may read
    assert tree.node_id == "resize" and "not run yet" in window.preview_panel.info.text()
    heads = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert heads == ["Other nodes this node's fields may read"]  # (not linked to resize: it does not feed it)
    others = tree.topLevelItem(0)
    # called what the canvas calls it (img has not run: nothing of it to offer)
    assert [others.child(i).text(0) for i in range(others.childCount())] == ["Constant"]
    value = others.child(0).child(0)
    under = {value.child(i).text(0): value.child(i) for i in range(value.childCount())}
    w1 = under["w"].child(1)
    assert (set(under), w1.text(0), w1.text(1)) == ({"w", "my key"}, "[1]", "40")
    assert tree.path_of(others) is None and tree.path_of(others.child(0)) is None  # a heading carries nothing
    inspector = window.inspector
    assert inspector.node_id == "resize"
    width = inspector.fields["width"]
    assert isinstance(width, QSpinBox)
    assert _drag(tree, w1, width.lineEdit())  # onto a fixed number field: it becomes the reference
    assert tab.doc.nodes["resize"].config["width"] == {"$expr": "{{ nodes.sizes.value.w[1] }}"}
    assert set(tab.scene.ref_items) == {("sizes", "value", "resize")}
    field = inspector.findChild(QLineEdit, "field.width")
    assert field.text() == "{{ nodes.sizes.value.w[1] }}"
    assert inspector.findChild(QLabel_(), "exprValue_width").text() == "= 40"
    field.setText("{{ nodes.sizes.value.w[1] }} + ")
    field.editingFinished.emit()
    field.setCursorPosition(len(field.text()))
    end = field.cursorRect().center()
    key = under["my key"]
    assert _drag(tree, key, field, end)  # onto an expression: the placeholder goes in where it is dropped
    assert tab.doc.nodes["resize"].config["width"] == {
        "$expr": '{{ nodes.sizes.value.w[1] }} + {{ nodes.sizes.value["my key"] }}'}
    tab.undo_stack.undo()
    tab.undo_stack.undo()
    tab.undo_stack.undo()  # each drop one undo step
    assert tab.doc.nodes["resize"].config["width"] == 100 and tab.scene.ref_items == {}
    inspector.show_node(tab.doc, tab.undo_stack, "t")
    assert not _drag(tree, w1, inspector.fields["expression"])  # code is not a template: refused
    assert tab.doc.nodes["t"].config["expression"] == "data"
    inspector.show_node(tab.doc, tab.undo_stack, "sizes")
    assert not _drag(tree, w1, inspector.fields["value"])  # a node cannot read its own output
    assert tab.undo_stack.count() == 3 and tab.undo_stack.index() == 0


def QLabel_():
    from PySide6.QtWidgets import QLabel

    return QLabel
