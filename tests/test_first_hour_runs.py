"""Issue 11, runs in the editor as a newcomer meets them: problems marked on their nodes, a preview that fills
its dock, outputs shown on selection, stale results cleared by an edit, each tab with its own log."""


from PySide6.QtCore import QSize

from app.document.commands import UpdateNode
from app.document.model import EditorDocument

from .builder import Flow
from .editor_helpers import on_loop


def template_tab(window, name="Image pipeline"):
    tpl = next(i for i in window.store.workflows.list(templates=True).items if i.name == name)
    return window.workflows.new_from_template(tpl.id)


def log_lines(window):
    log = window.run_panel.events
    window.run_panel.flush()
    return [log.item(i) for i in range(log.count())]


def test_problems_found_before_a_run_are_marked_on_their_nodes_and_listed(window):
    tab = window.workflows.new()
    t = tab.add_block("transform")            # no expression yet
    i = tab.add_block("input")
    tab.undo_stack.push(UpdateNode(tab.doc, t, "Rename", label="Double it"))
    window.run_panel.inputs.fields[i].setText("1")
    assert on_loop(window, lambda: window.runs.run_tab(tab)) is None
    item = tab.scene.node_items[t]
    assert item.status == "invalid" and "expression" in item.toolTip()
    assert tab.scene.node_items[i].status is None  # nothing wrong with the input
    lines = log_lines(window)
    problem = next(line for line in lines if line.text().startswith("  Double it:"))
    assert "expression" in problem.text() and problem.data(0x0100) == t  # clicking it selects the node
    problem.listWidget().setCurrentItem(problem)
    assert tab.scene.selected_node_ids() == [t]
    assert "Double it" in window.statusBar().currentMessage()
    # fixing the node clears its mark at once
    tab.undo_stack.push(UpdateNode(tab.doc, t, "Expression", config={"expression": "data * 2"}))
    assert item.status is None


def test_run_this_node_fills_the_preview_and_refits_as_it_resizes(window):
    tab = template_tab(window)
    window.resize(1400, 900)
    window.show()
    result = on_loop(window, lambda: window.runs.run_node(tab, "resize"))
    assert result.status == "succeeded"
    panel = window.preview_panel
    assert panel.image_view.isVisible() and not panel.text.isVisible()  # an image alone: no empty {} panel
    assert panel.info.text().startswith("Thumbnail · image:") and panel.info.toolTip() == "node id: resize"
    view = panel.image_view
    shown = view.mapFromScene(view.item.boundingRect()).boundingRect()
    viewport = view.viewport().size()
    # fitted: the picture touches two sides of the viewport, whatever the dock's size
    assert abs(shown.width() - viewport.width()) <= 3 or abs(shown.height() - viewport.height()) <= 3
    assert shown.width() > 100
    window.preview_dock.resize(QSize(900, 500))
    view.resize(QSize(800, 400))
    shown = view.mapFromScene(view.item.boundingRect()).boundingRect()
    viewport = view.viewport().size()
    assert abs(shown.width() - viewport.width()) <= 3 or abs(shown.height() - viewport.height()) <= 3


def test_json_outputs_show_without_an_empty_image_area(window):
    wf = Flow("numbers").node("c", "constant", value={"a": [1, 2]}).node("o", "output", name="o") \
        .edge("c.value", "o.value").build()
    tab = window.add_tab(EditorDocument(wf, registry=window.registry))
    window.show()
    on_loop(window, lambda: window.runs.run_node(tab, "c"))
    panel = window.preview_panel
    assert panel.tree.isVisible() and not panel.image_view.isVisible()
    top = panel.tree.topLevelItem(0)
    assert (top.text(0), top.text(1), top.child(0).text(0)) == ("value", "{1 key}", "a")
    assert panel.tree.topLevelItemCount() == 1  # no unused error port
    panel.as_text.click()
    assert panel.text.isVisible() and not panel.tree.isVisible()
    assert '"a"' in panel.text.toPlainText() and "error" not in panel.text.toPlainText()


def test_selecting_a_node_after_a_run_shows_its_outputs_and_an_edit_clears_stale_ones(window):
    tab = template_tab(window)

    async def go():
        await window.runs.run_tab(tab)
        tab.scene.clearSelection()
        tab.scene.node_items["info"].setSelected(True)
        await window.outputs._showing
        return window.preview_panel.info.text()

    shown = on_loop(window, go)
    assert shown.startswith("Mask info:") and "width = 160" in shown
    items = tab.scene.node_items
    assert items["blur"].status == items["mask"].status == items["load"].status == "succeeded"
    assert items["mask"].thumbnail is not None
    # softening differently makes blur, mask, info and their outputs stale; upstream keeps its results
    tab.undo_stack.push(UpdateNode(tab.doc, "blur", "Radius", config={**tab.doc.nodes["blur"].config, "radius": 3}))
    for nid in ("blur", "mask", "info", "out_mask", "out_width"):
        assert items[nid].status is None, nid
    assert items["mask"].thumbnail is None
    assert items["load"].status == items["gray"].status == items["draw"].status == "succeeded"
    assert window.outputs.of(tab, "info") is None and window.outputs.of(tab, "gray") is not None
    assert window.preview_panel.info.text() == window.preview_panel.EMPTY  # it showed info: stale now
    # a label or a move is not an edit of what the node computes
    tab.undo_stack.push(UpdateNode(tab.doc, "gray", "Rename", label="Gray"))
    assert items["gray"].status == "succeeded"


def test_each_tab_has_its_own_log_and_preview(window):
    a = template_tab(window)
    on_loop(window, lambda: window.runs.run_node(a, "resize"))
    assert any("Thumbnail" in line.text() for line in log_lines(window))
    wf = Flow("other").node("c", "constant", value=7).node("o", "output", name="o").edge("c.value", "o.value").build()
    b = window.add_tab(EditorDocument(wf, registry=window.registry))
    assert log_lines(window) == [] and window.preview_panel.info.text() == window.preview_panel.EMPTY
    window.tabs.setCurrentWidget(a)
    assert any("Thumbnail" in line.text() for line in log_lines(window))
    assert window.preview_panel.info.text().startswith("Thumbnail")
    window.close_tab(window.tabs.indexOf(b))
    assert id(b) not in window.run_panel._logs


def test_the_log_has_no_empty_parts(window):
    wf = Flow("no outputs").node("c", "constant", value=1).build()
    tab = window.add_tab(EditorDocument(wf, registry=window.registry))
    result = on_loop(window, lambda: window.runs.run_tab(tab))
    assert result.status == "succeeded"
    texts = [line.text() for line in log_lines(window)]
    last = texts[-1]
    assert last.startswith("■ succeeded in ") and not last.rstrip().endswith("—")
    assert not any("— —" in t or t.rstrip().endswith("—") for t in texts), texts


def test_run_this_node_ignores_a_value_given_for_an_input_the_node_does_not_depend_on(window):
    """Found by an outside tester: a value typed for the workflow's input made "run this node" on an unconnected
    node refuse with "unknown input" (the node's upstream has no such input)."""
    tab = window.workflows.new()
    i = tab.add_block("input")
    c = tab.add_block("constant")
    window.run_panel.inputs.fields[i].setText("42")
    result = on_loop(window, lambda: window.runs.run_node(tab, c))
    assert result is not None and result.status == "succeeded"
    assert not any("unknown input" in line.text() for line in log_lines(window))
