"""The main window's runs on the qasync loop: Run (F5) and Stop, "run this node" (Ctrl+Enter) and pins.

Every run goes through one Launcher (store-backed cache and run records) whose executor a RunBridge turns
into Qt signals; each run shows on the canvas of the tab it came from (a LiveRun per run id).
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from .canvas.live import LiveRun
from .editor_tab import EditorTab

__all__ = ["RunsMixin", "upstream_workflow"]


def upstream_workflow(doc, node_id: str):
    """The node and everything it depends on, as a workflow of its own (what "run this node" runs)."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(doc.nodes)
    graph.add_edges_from((e.source, e.target) for e in doc.edges.values())
    keep = nx.ancestors(graph, node_id) | {node_id}
    wf = doc.workflow()
    return wf.model_copy(update={"nodes": [n for n in wf.nodes if n.id in keep],
                                 "edges": [e for e in wf.edges if e.source in keep and e.target in keep]})


class RunsMixin:
    # -- plumbing ----------------------------------------------------------------------------------------

    def _launcher(self):
        if self.launcher is None:
            from engine.store.launch import Launcher

            from .bridge import RunBridge

            self.launcher = Launcher(self.store, self.registry, trigger="editor")
            self.launcher.executor.policy = self.policy
            self.bridge = RunBridge(self.launcher.executor, self)
            self.bridge.event.connect(self._on_event)
            self.live_runs: dict[str, LiveRun] = {}
            self.running: str | None = None  # the run Stop cancels
            self.last_outputs: dict[tuple, dict] = {}
        return self.launcher

    async def _ready_launcher(self):
        """The launcher, its result cache opened off the GUI thread the first time (that takes a while)."""
        if self.launcher is None:
            await asyncio.to_thread(lambda: self.store.cache)
        return self._launcher()

    def _on_event(self, ev) -> None:
        live = self.live_runs.get(ev.run_id)
        if live is None:
            return  # another run's (a sub-workflow's shows as progress on its node)
        live.apply(ev)
        if ev.kind == "node_finished":
            where = "".join(f"[{i}]" for i in ev.iteration)
            line = f"  {ev.node_id}{where}: {ev.status} ({ev.duration_ms:.1f} ms)"
            self.run_panel.log(line + (f" — {ev.error}" if ev.error else ""), ev)
            if ev.outputs:
                self.last_outputs[(live.tab_key, ev.node_id)] = dict(ev.outputs)
        elif ev.kind == "node_progress" and any(c.isalpha() for c in ev.message):  # not a bare "3/10"
            where = "".join(f"[{i}]" for i in ev.iteration)
            self.run_panel.log(f"  {ev.node_id}{where}: {ev.message}", ev)
        elif ev.kind == "run_finished":
            self.live_runs.pop(ev.run_id, None)

    async def _real(self, value):
        """A cached output's value, read off the loop."""
        from engine.cache import LazyValue

        if type(value) is not LazyValue:
            return value
        return await asyncio.get_running_loop().run_in_executor(self._launcher().executor.pool, value.get)

    def _base_dir(self, tab: EditorTab) -> Path:
        return self.store.base_dir(tab.doc.workflow_id) if tab.doc.workflow_id else Path.cwd()

    async def _run(self, tab: EditorTab, wf, node_ids=None):
        if not await self.approve_code(tab, wf):
            self.run_panel.log("■ not run: its Python code was not approved")
            self.statusBar().showMessage("Not run: the workflow's Python code was not approved", 8000)
            return None
        inputs, base = self.run_panel.inputs_for(tab), self._base_dir(tab)
        return await self._followed(tab, lambda launcher, run_id: launcher.run_document(
            wf, inputs, base_dir=base, use_pins=True, run_id=run_id), node_ids)

    async def _followed(self, tab: EditorTab, start, node_ids=None):
        """``start(launcher, run_id)`` with the canvas following the run live, then the past runs and the
        profiler updated. None when it could not start (an invalid graph, bad inputs): that is logged."""
        launcher = await self._ready_launcher()
        run_id = uuid.uuid4().hex
        live = LiveRun(tab.scene, run_id, launcher.executor.pool)
        live.tab_key = id(tab)
        live.start(node_ids)
        self.live_runs[run_id] = live
        self.running = run_id
        self.actionStop.setEnabled(True)
        try:
            result = await start(launcher, run_id)
        except Exception as e:  # noqa: BLE001 - an invalid graph or bad inputs are reported, not raised into Qt
            self.live_runs.pop(run_id, None)
            for nid in (node_ids or tab.scene.node_items):
                if nid in tab.scene.node_items:
                    tab.scene.node_items[nid].set_status(None)
            self.run_panel.log(f"■ not run: {e}")
            self.statusBar().showMessage(f"Not run: {e}", 8000)
            return None
        finally:
            self.actionStop.setEnabled(False)
            self.running = None
        await live.settled()
        await self._show_finished(tab, run_id)
        return result

    async def _show_finished(self, tab: EditorTab, run_id: str) -> None:
        """The past-runs list and the profiler, after a run (its rows read off the GUI thread)."""
        runs = self.store.runs
        run, nodes = await asyncio.to_thread(lambda: (runs.get(run_id), runs.nodes(run_id)))
        self.run_panel.refresh_runs(tab)
        self.profiler.show_run(run, nodes)

    # -- actions -----------------------------------------------------------------------------------------

    def run_current(self) -> None:
        tab = self.current_tab()
        if tab is not None:
            asyncio.ensure_future(self.run_tab(tab))

    async def run_tab(self, tab: EditorTab):
        """Run the whole workflow of ``tab``; its nodes show what they do as they do it."""
        from engine.values import summarize

        self.run_panel.log(f"▶ {tab.doc.name}")
        result = await self._run(tab, tab.doc.workflow())
        if result is not None:
            outs = ", ".join(f"{k} = {summarize(v)}" for k, v in result.outputs.items())
            self.run_panel.log(f"■ {result.status} in {result.duration_ms:.0f} ms — {outs}"
                               + (f" — {result.error}" if result.error else ""))
        return result

    def run_selected_node(self) -> None:
        tab = self.current_tab()
        ids = tab.scene.selected_node_ids() if tab else []
        if len(ids) != 1:
            self.statusBar().showMessage("Select one node to run it", 5000)
            return
        asyncio.ensure_future(self.run_node(tab, ids[0]))

    async def run_node(self, tab: EditorTab, node_id: str):
        """Run one node with what it depends on (cached or pinned where it can be); show its outputs."""
        from engine.values import summarize

        wf = upstream_workflow(tab.doc, node_id)
        self.run_panel.log(f"▶ {node_id} (with what it depends on)")
        result = await self._run(tab, wf, {n.id for n in wf.nodes})
        if result is None:
            return None
        outputs = self.last_outputs.get((id(tab), node_id))
        if outputs is None:
            self.run_panel.log(f"■ {result.status}: {result.error or 'the node did not run'}")
            return result
        outputs = {k: await self._real(v) for k, v in outputs.items()}
        self.last_node_outputs = outputs
        self.preview_panel.show_outputs(node_id, outputs)
        self.preview_dock.raise_()
        self.run_panel.log(f"■ {node_id}: " + (", ".join(f"{k} = {summarize(v)}" for k, v in outputs.items())
                                                 or "no outputs"))
        return result

    def show_past_run(self, run_id: str) -> None:
        """Each node's status, duration and (image) output from a stored run, on the current canvas."""
        from engine.cache import LazyValue

        from .canvas.live import LiveRun

        tab = self.current_tab()
        if tab is None:
            return
        latest = {}
        for nr in self.store.runs.nodes(run_id):
            if not nr.iteration:
                latest[nr.node_id] = nr
        for nid, item in tab.scene.node_items.items():
            nr = latest.get(nid)
            item.set_status(nr.status if nr else None, duration_ms=nr.duration_ms if nr else None,
                            error=nr.error if nr else None)
            item.set_thumbnail(None)
            if nr and nr.output_ref:
                hit = self.store.cache.lookup(nr.output_ref)
                port = next((p for p in (hit[1] if hit else []) if item.port_type("out", p) == "image"), None)
                if port is not None:
                    live = LiveRun(tab.scene, pool=self._launcher().executor.pool)
                    asyncio.ensure_future(live._thumbnail(nid, LazyValue(hit[0], port, nr.output_ref)))
        self.profiler.show_run(self.store.runs.get(run_id), self.store.runs.nodes(run_id))

    async def replay(self, run_id: str, from_node=None):
        """Replay a stored run (from the selected node when asked) on the current canvas."""
        tab = self.current_tab()
        if tab is None:
            return None
        if from_node == "selected":
            ids = tab.scene.selected_node_ids()
            if len(ids) != 1:
                self.statusBar().showMessage("Select the node to replay from", 5000)
                return None
            from_node = ids[0]
        if not await self.approve_code(tab, tab.doc.workflow()):  # past runs listed are this tab's workflow's
            self.run_panel.log("■ not replayed: its Python code was not approved")
            return None
        return await self._followed(tab, lambda launcher, new_id: launcher.replay(run_id, from_node, run_id=new_id))

    def stop_run(self) -> None:
        handle = self.launcher.executor.active.get(self.running) if self.launcher and self.running else None
        if handle is not None:
            handle.cancel()

    def pin_selected(self) -> None:
        """Pin the selected node's last outputs (undoable); pinned nodes are not executed in editor runs."""
        from engine.values import to_json

        from .commands import UpdateNode

        tab = self.current_tab()
        ids = tab.scene.selected_node_ids() if tab else []
        if len(ids) != 1 or tab.doc.read_only:
            return
        node_id = ids[0]
        if tab.doc.nodes[node_id].pinned is not None:
            tab.undo_stack.push(UpdateNode(tab.doc, node_id, "Unpin", pinned=None))
            return
        outputs = getattr(self, "last_outputs", {}).get((id(tab), node_id))
        if not outputs:
            self.statusBar().showMessage("Run the node first (Ctrl+Enter), then pin its outputs", 6000)
            return
        from engine.cache import LazyValue

        real = {k: (v.get() if type(v) is LazyValue else v) for k, v in outputs.items() if k != "error"}
        tab.undo_stack.push(UpdateNode(tab.doc, node_id, "Pin outputs", pinned=to_json(real)))
