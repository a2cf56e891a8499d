"""The Server menu on the real window and the qasync loop (issue 13): the server starts on the window's loop
over its run service; a run started with httpx lights up the open editor's nodes and lands in its past runs;
Stop server ends open event streams and frees the port; the token is regenerated; the workflow's hook secret
is in its properties."""

import asyncio
import socket

import httpx
from PySide6.QtWidgets import QLineEdit

from app.dialogs.server import HookBox

from .builder import Flow
from .test_queue_gui import on_loop, past_run_ids, until


def test_the_server_menu_serves_the_open_editor_and_stop_frees_the_port(window):
    wf = (Flow("Served").node("i", "input", name="x").node("t", "transform", expression="data * 2")
          .node("d", "delay", seconds=1.0).node("o", "output", name="y")
          .edge("i.value", "t.data", "e1").edge("t.result", "d.value", "e2").edge("d.value", "o.value", "e3").build())
    wid = window.store.workflows.create(wf).id
    tab = window.workflows.open(wid)
    window.store.set_setting("server.port", 0)  # any free port (8765 may be taken on this machine)
    assert window.actionServerStart.isEnabled() and not window.actionServerStop.isEnabled()

    async def go():
        window.actionServerStart.trigger()
        await until(lambda: window.server.server is not None, what="the server started")
        assert window.actionServerStop.isEnabled() and window.server.label.text().startswith("● serving http://")
        dialog = window.server.show_dialog()
        token = dialog.token.text()
        assert f"/api/v1/workflows/{wid}/run" in dialog.curl.toPlainText() and token in window.server.curl()
        assert token not in dialog.curl.toPlainText()  # masked until Show
        url, port = window.server.url, window.server.server.port
        seen = []

        def statuses():
            seen.append({nid: item.status for nid, item in tab.scene.node_items.items()})
            return seen[-1]

        async with httpx.AsyncClient(base_url=url + "/api/v1", headers={"Authorization": f"Bearer {token}"},
                                     timeout=30) as c:
            r = await c.post(f"/workflows/{wid}/run", json={"inputs": {"x": 4}, "mode": "async"})
            assert r.status_code == 202
            run_id = r.json()["run_id"]
            await until(lambda: statuses().get("d") == "running", what="the delay node lit up as running")
            await until(lambda: statuses().get("o") == "succeeded", what="the run's end lit up")
            await until(lambda: run_id in past_run_ids(window), what="the HTTP run in the tab's past runs")
            assert statuses() == {"i": "succeeded", "t": "succeeded", "d": "succeeded", "o": "succeeded"}
            ended = {}

            async def stored_end():  # (its record is written a moment after its last node lit up)
                ended.update((await c.get(f"/runs/{run_id}")).json())
                return ended["status"] == "succeeded"
            t0 = asyncio.get_running_loop().time()
            while not await stored_end():  # (at the pace of until())
                assert asyncio.get_running_loop().time() - t0 < 10, ended
                await asyncio.sleep(0.02)
            assert ended["outputs"] == {"y": 8}

            slow = (await c.post(f"/workflows/{wid}/run", json={"inputs": {"x": 1}, "mode": "async"})).json()
            chunks = []

            async def listen():
                async with c.stream("GET", f"/runs/{slow['run_id']}/events") as s:
                    async for chunk in s.aiter_text():
                        chunks.append(chunk)

            listener = asyncio.ensure_future(listen())
            await until(lambda: chunks, what="the stream began")
            dialog.regenerate_button.click()
            assert (await c.get("/workflows")).status_code == 401
            window.actionServerStop.trigger()
            await until(lambda: listener.done(), timeout=3, what="the open stream ended")
        await until(lambda: window.server.server is None and window.actionServerStart.isEnabled(),
                    what="the server stopped")
        with socket.socket() as s:  # nothing listens there any more, and a new server may
            assert s.connect_ex(("127.0.0.1", port)) != 0
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            s.listen()
        return token, dialog.token.text(), "".join(chunks)

    old, new, stream = on_loop(window, go)
    assert old != new and "event: closing" in stream


def test_the_workflow_properties_show_its_webhook_secret_and_regenerate_it(window):
    wid = window.store.workflows.create(Flow("Hooked").node("c", "constant", value=1).build()).id
    window.workflows.open(wid)
    window.workflows.properties()
    dialog = window.workflows.properties_dialog
    secret = dialog.findChild(QLineEdit, "hookSecret")
    url = dialog.findChild(QLineEdit, "hookUrl")
    assert url.text().endswith(f"/api/v1/hooks/{wid}") and secret.text() == window.store.hooks.secret(wid)
    before = secret.text()
    dialog.findChild(HookBox).regenerate_button.click()
    assert secret.text() != before and secret.text() == window.store.hooks.secret(wid)
    dialog.close()
