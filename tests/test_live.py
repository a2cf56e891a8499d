"""Live runs in the editor (SPEC §8), on the real window and the qasync loop."""

import asyncio
import time


from engine.runs import NodeFinished, NodeStarted

from .builder import Flow
from app.window.loop import EventLoop  # noqa: E402



def on_loop(window, coro_fn):
    """Run ``coro_fn()`` on the qasync loop (as the app does), then shut the window's runner down."""
    with asyncio.Runner(loop_factory=EventLoop) as runner:
        try:
            return runner.run(coro_fn())
        finally:
            runner.run(window.aclose())


def open_flow(window, wf):
    from app.document.model import EditorDocument

    return window.add_tab(EditorDocument(wf, registry=window.registry))


def test_nodes_show_queued_running_succeeded_in_the_engines_order_then_cached(window):
    tpl = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Image pipeline")
    tab = window.workflows.new_from_template(tpl.id)

    async def go():
        sub = (await window.runs.open_service()).subscribe()
        shown = []
        original = tab.scene.node_items[next(iter(tab.scene.node_items))].__class__.set_status

        def spy(item, status, **kw):  # what the canvas shows, in the order it shows it
            shown.append((item.node_id, status))
            original(item, status, **kw)

        for item in tab.scene.node_items.values():
            item.set_status = spy.__get__(item)
        first = await window.runs.run_tab(tab)
        events = sub.drain()
        second = await window.runs.run_tab(tab)
        return first, second, shown, events

    first, second, shown, events = on_loop(window, go)
    assert first.status == second.status == "succeeded"
    n = len(tab.scene.node_items)
    assert shown[:n] == [(nid, "queued") for nid in tab.scene.node_items]  # all queued when the run starts
    expected = [(e.node_id, "running" if isinstance(e, NodeStarted) else e.status)
                for e in events if isinstance(e, (NodeStarted, NodeFinished)) and e.run_id == first.run_id]
    assert shown[n:n + len(expected)] == expected  # then exactly in the order of the engine's events
    for nid in tab.scene.node_items:
        assert [s for node, s in shown[:n + len(expected)] if node == nid] == ["queued", "running", "succeeded"]
    assert {item.status for item in tab.scene.node_items.values()} == {"cached"}  # the second run
    assert tab.scene.node_items["resize"].thumbnail is not None
    assert all(e.active for e in tab.scene.edge_items.values())


def test_a_failing_node_turns_failed_and_shows_its_error(window):
    wf = (Flow("fails").node("c", "constant", value=0).node("div", "transform", expression="1 / data")
          .node("after", "transform", expression="data").edge("c.value", "div.data").edge("div.result", "after.data")
          .build())
    tab = open_flow(window, wf)
    result = on_loop(window, lambda: window.runs.run_tab(tab))
    assert result.status == "failed"
    div = tab.scene.node_items["div"]
    assert div.status == "failed" and div.error == "division by zero in '1 / data'" and div.toolTip().endswith(div.error)
    assert tab.scene.node_items["after"].status is None  # never reached
    assert tab.scene.node_items["c"].status == "succeeded"
    assert "division by zero" in window.run_panel.text()


def test_stop_during_a_long_delay_cancels_within_a_second(window):
    wf = (Flow("slow").node("c", "constant", value=1).node("wait", "delay", seconds=30)
          .edge("c.value", "wait.value").build())
    tab = open_flow(window, wf)

    async def go():
        task = asyncio.ensure_future(window.runs.run_tab(tab))
        deadline = time.monotonic() + 10
        while tab.scene.node_items["wait"].status != "running" and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert window.actionStop.isEnabled()
        t0 = time.monotonic()
        window.actionStop.trigger()
        result = await task
        return result, time.monotonic() - t0

    result, elapsed = on_loop(window, go)
    assert result.status == "cancelled" and elapsed < 1.0
    assert tab.scene.node_items["wait"].status == "cancelled"


def test_pinned_node_is_not_executed(window):
    tpl = next(i for i in window.store.workflows.list(templates=True).items if i.name == "Image pipeline")
    tab = window.workflows.new_from_template(tpl.id)
    tab.scene.node_items["resize"].setSelected(True)

    async def go():
        await window.runs.run_node(tab, "resize")
        window.actionPin.trigger()
        sub = (await window.runs.open_service()).subscribe()
        result = await window.runs.run_tab(tab)
        return result, sub.drain()

    result, events = on_loop(window, go)
    assert result.status == "succeeded"
    assert tab.doc.nodes["resize"].pinned["image"]["$type"] == "image"
    assert tab.scene.node_items["resize"].pinned
    mine = [e for e in events if getattr(e, "node_id", None) == "resize" and e.run_id == result.run_id]
    assert [type(e).__name__ for e in mine] == ["NodeFinished"]  # no NodeStarted: it did not run
    assert mine[0].status == "cached" and mine[0].pinned
    assert result.outputs["width"] == 160  # its pinned image flowed on
    window.actionUndo.trigger()
    assert tab.doc.nodes["resize"].pinned is None  # pinning is an undoable edit


def test_lit_links_stand_out_on_either_canvas_and_keep_their_look_through_selection(window):
    tab = open_flow(window, Flow().node("c", "constant", value=1).node("o", "output", name="o")
                    .edge("c.value", "o.value", "e1").build())
    on_loop(window, lambda: window.runs.run_tab(tab))
    edge = tab.scene.edge_items["e1"]
    for theme in ("dark", "light"):
        window.set_theme(theme)
        bg = tab.scene.backgroundBrush().color().lightness()
        lit = edge.pen().color().lightness()
        assert edge.active and edge.pen().widthF() == 2.5
        assert abs(lit - bg) > 80, (theme, lit, bg)  # far from the canvas colour, whichever it is
        edge.setSelected(True)
        assert edge.pen().widthF() == 3  # the selected look
        edge.setSelected(False)
        assert edge.pen().widthF() == 2.5  # still lit after being selected and deselected


def test_the_windows_loop_never_fires_a_timer_early(qapp):
    """qasync's timers are Qt's coarse ones (up to 5 % early): a Delay of 10 s ended after 9.7 s in the editor."""
    async def slept() -> list[float]:
        loop = asyncio.get_running_loop()
        early = []
        for delay in (0.0125, 0.25, 1.0, 2.0):
            t0 = loop.time()
            await asyncio.sleep(delay)
            early.append(delay - (loop.time() - t0))
        return early

    with asyncio.Runner(loop_factory=EventLoop) as runner:
        early = runner.run(slept())
    assert max(early) <= 0, early
