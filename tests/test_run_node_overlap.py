"""Run this node twice before the first run ends (an outside tester, with a model that took seconds to load): each
run's end line in the log says what that run gave the node — not what a later run gave it — and the preview
keeps what the run started last gave."""

import asyncio

from PySide6.QtCore import QPointF

from app.document.commands import Connect
from engine.model import Edge

from .test_queue_gui import on_loop, until


def test_two_overlapping_runs_of_a_node_each_log_their_own_outputs(window):
    tab = window.workflows.new()
    doc = tab.doc
    number = tab.add_block("constant", QPointF(0, 0))
    doc.update_node(number, config={**doc.nodes[number].config, "value": 5})
    wait = tab.add_block("delay", QPointF(250, 0))
    doc.update_node(wait, config={**doc.nodes[wait].config, "seconds": 1.0})
    times = tab.add_block("transform", QPointF(500, 0))
    doc.update_node(times, config={**doc.nodes[times].config, "expression": "data * 2"})
    for i, (source, port, target, into) in enumerate([(number, "value", wait, "value"), (wait, "value", times, "data")]):
        tab.undo_stack.push(Connect(doc, Edge(id=f"e{i}", source=source, source_port=port, target=target,
                                              target_port=into)))

    async def go():
        await window.runs.open_service()
        slow = asyncio.ensure_future(window.runs.run_node(tab, times))
        await asyncio.sleep(0.2)  # (the first run waits in its delay)
        doc.update_node(wait, config={**doc.nodes[wait].config, "seconds": 0})
        doc.update_node(times, config={**doc.nodes[times].config, "expression": "data * 3"})
        fast = await window.runs.run_node(tab, times)
        first = await slow
        await until(lambda: window.run_panel.text().count("result = ") == 2, timeout=10, what="both end lines")
        return first, fast

    first, fast = on_loop(window, go)
    assert first.status == fast.status == "succeeded"
    ends = [line for line in window.run_panel.text().splitlines() if "result = " in line]
    assert ends == [ends[0], ends[1]] and "result = 15" in ends[0] and "result = 10" in ends[1], ends
    assert window.outputs.of(tab, times)["result"] == 15  # (the preview: the run started last)


def test_a_past_run_shown_on_the_canvas_is_what_the_preview_shows(window):
    """Show on canvas of an earlier run: the preview of a node selected then is what that run gave it, not the
    latest run's (an outside tester saw the badges of the old run and the preview of the new one)."""
    tab = window.workflows.new()
    doc = tab.doc
    number = tab.add_block("constant", QPointF(0, 0))
    doc.update_node(number, config={**doc.nodes[number].config, "value": 5})
    times = tab.add_block("transform", QPointF(300, 0))
    doc.update_node(times, config={**doc.nodes[times].config, "expression": "data * 2"})
    tab.undo_stack.push(Connect(doc, Edge(id="e1", source=number, source_port="value", target=times,
                                          target_port="data")))

    async def go():
        await window.runs.open_service()
        first = await window.runs.run_tab(tab)
        doc.update_node(times, config={**doc.nodes[times].config, "expression": "data * 3"})
        await window.runs.run_tab(tab)
        assert window.outputs.of(tab, times)["result"] == 15
        window.runs.show_past_run(first.run_id)
        tab.scene.clearSelection()
        tab.scene.node_items[times].setSelected(True)
        await until(lambda: (window.outputs.last_node_outputs or {}).get("result") == 10, timeout=10,
                    what="the shown run's value in the preview")
        return window.outputs.of(tab, times)

    kept = on_loop(window, go)
    assert kept is not None


def test_a_node_of_a_loop_body_runs_with_its_loop(window):
    """Run this node on a node inside a ForEach (an outside tester: "Not run: each: the loop body has no collect",
    on the shipped "Thumbnail a folder" too): it runs with its whole loop, and says what it gave."""
    tab = window.workflows.new()
    doc = tab.doc
    items = tab.add_block("constant", QPointF(0, 0))
    doc.update_node(items, config={**doc.nodes[items].config, "value": [1, 2, 3]})
    each = tab.add_block("foreach", QPointF(250, 0))
    times = tab.add_block("transform", QPointF(500, 0))
    doc.update_node(times, config={**doc.nodes[times].config, "expression": "data * 10"})
    gather = tab.add_block("collect", QPointF(750, 0))
    for i, (source, port, target, into) in enumerate([(items, "value", each, "items"), (each, "item", times, "data"),
                                                      (times, "result", gather, "value")]):
        tab.undo_stack.push(Connect(doc, Edge(id=f"e{i}", source=source, source_port=port, target=target,
                                              target_port=into)))

    async def go():
        await window.runs.open_service()
        return await window.runs.run_node(tab, times)

    result = on_loop(window, go)
    assert result is not None and result.status == "succeeded", (result and result.error, window.run_panel.text())
    assert "Not run" not in window.statusBar().currentMessage()
    ends = [line for line in window.run_panel.text().splitlines() if "result = " in line]
    assert ends and ends[-1].endswith("Transform[2]: result = 30"), window.run_panel.text()  # (which item's it is)
