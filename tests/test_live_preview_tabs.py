"""Live preview and the tabs (issue 27, outside tester 4): a History compare tab (read-only) never runs live
preview, even when live preview is on for its workflow; an error said in the status bar takes one line."""

import asyncio

from .builder import Flow
from .test_live_preview import LiveRuns
from .test_queue_gui import on_loop, until


def _flow(radius=2):
    return (Flow("Tabs").node("load", "image_load", source="/nowhere/photo.png")
            .node("blur", "image_blur", radius=radius).chain("load.image", "blur.image").build())


def test_a_compare_tab_never_runs_live_preview_even_when_it_is_on_for_its_workflow(window):
    info = window.store.workflows.create(_flow(2), message="first")
    window.store.workflows.save(info.id, _flow(5), message="second")
    own = window.workflows.open(info.id)

    async def go():
        runs = LiveRuns(await window.runs.open_service())
        window.actionLivePreview.trigger()
        assert window.live.is_on(own)
        await until(lambda: runs.poll().started, what="the workflow's own live run")
        await until(lambda: not window.live.by_run, what="it ended", timeout=20)
        count = len(runs.started)
        tab = window.versions.compare(info.id, 1, 2)
        assert window.current_tab() is tab and not tab.shows_runs
        assert not window.live.is_on(tab)
        assert not window.actionLivePreview.isEnabled() and not window.actionLivePreview.isChecked()
        tab.scene.node_items["blur"].setSelected(True)
        await asyncio.sleep(0.6)
        assert len(runs.poll().started) == count, "a live run started for the compare tab"
        window.workflows.open(info.id, version=1, read_only=True)  # an old version read-only: the same
        await asyncio.sleep(0.6)
        assert not window.actionLivePreview.isEnabled()
        assert len(runs.poll().started) == count
        assert window.live.is_on(own)  # (still on for the workflow's own tab)

    on_loop(window, go)


def test_a_multi_line_error_takes_one_shortened_line_in_the_status_bar_and_all_of_it_in_the_tooltip(window,
                                                                                                   tmp_path):
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SimpleHTTPRequestHandler,
                                                                     directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{'missing-' * 3}.html"  # a 404 with an HTML body
    wf = Flow("Fetch").node("get", "http_request", url=url).build()
    tab = window.workflows.open(window.store.workflows.create(wf).id)
    tab.scene.node_items["get"].setSelected(True)

    async def go():
        window.actionLivePreview.trigger()
        await until(lambda: "failed" in window.live.status.text(), what="the live run failed", timeout=20)

    try:
        on_loop(window, go)
    finally:
        server.shutdown()
        server.server_close()
    status = window.live.status
    assert "\n" not in status.text() and status.text().endswith("…")
    assert len(status.text()) <= len("Live preview · ") + 121
    assert "404" in status.text()
    assert "<title>Error response</title>" in status.toolTip() and "\n" in status.toolTip()
    assert status.sizeHint().height() < 2 * status.fontMetrics().height()


def test_switching_back_to_a_tab_with_a_selected_node_shows_that_node_in_the_inspector(window):
    from PySide6.QtWidgets import QDoubleSpinBox

    first = window.workflows.open(window.store.workflows.create(_flow(3)).id)
    first.scene.node_items["blur"].setSelected(True)
    assert window.inspector.node_id == "blur"
    second = window.workflows.open(window.store.workflows.create(_flow(7)).id)
    assert window.current_tab() is second and window.inspector.node_id is None  # (nothing selected there)
    window.tabs.setCurrentWidget(first)
    assert first.scene.node_items["blur"].isSelected()
    assert window.inspector.node_id == "blur" and window.inspector.doc is first.doc
    assert window.inspector.findChild(QDoubleSpinBox, "field.radius").value() == 3
