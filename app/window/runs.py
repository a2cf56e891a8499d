"""Runs in the editor, on the qasync loop: Run (F5), Stop, "run this node" (Ctrl+Enter), replays and pins — all
through the window's :class:`engine.runs.RunService`, which this controller opens and closes.

A RunBridge turns the service's events into Qt signals; each run shows on the canvas of the tab it came from
(a LiveRun per run id), and a run this process starts any other way (HTTP, the queue, a trigger) on the editable
tab of its workflow — never on a compare tab or an old version opened read-only (``EditorTab.shows_runs``).
Runs of other processes are followed through the store (runs_watch.py). A stored workflow's runs are recorded
with its id and version (and the document, when the tab has unsaved edits), so they are its past runs; a
never-saved tab's runs carry its draft id and become the workflow's runs when it is first saved.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path

from engine import InputError, WorkflowInvalid
from engine.runs import ClusterError, NodeFinished, NodeProgress, RunFinished, RunService, RunSettings, RunStarted

from ..canvas.live import LiveRun, clear, show_node_runs
from ..panels.run_panel import ENDED, STARTED, cache_said
from .editor_tab import EditorTab
from .outputs import bypass_said, label_of
from .problems import show_problems

__all__ = ["RunsController"]


class RunsController:
    def __init__(self, window):
        self.w = window
        self.service: RunService | None = None   # opened on the running loop (open_service)
        self.bridge = None                        # the service's events as Qt signals
        self._opening: asyncio.Future | None = None
        self.live_runs: dict[str, LiveRun] = {}   # run id → what shows it on a canvas
        self.followed: dict[str, EditorTab] = {}  # queued run id → the tab to show it on when it starts
        self.node_outputs: dict[str, dict] = {}   # a Run-this-node run → its nodes' outputs (its own, not a later run's)
        self.started_by: dict[tuple, str] = {}  # (tab, node) → the run of this window that started on it last

    # -- the service ---------------------------------------------------------------------------------------

    def _run_settings(self) -> RunSettings:
        return RunSettings.from_store(self.w.store, allow_python_blocks=self.w.code.allowed)

    async def open_service(self) -> RunService:
        """The window's run service, opened the first time (its lease, recorder and dispatcher start). Callers
        arriving while it opens wait for the same opening; after a failure the next call tries again."""
        if self.bridge is not None:
            return self.service
        if self._opening is None or self._opening.done():
            self._opening = asyncio.ensure_future(self._open_service())
        return await asyncio.shield(self._opening)

    async def _open_service(self) -> RunService:
        from .bridge import RunBridge

        settings = self._run_settings()
        self.service = service = RunService(self.w.store, settings, registry=self.w.registry,
                                            front="editor", trigger="editor", dispatch=True)
        try:
            try:
                await service.open()
            except ClusterError as e:  # the data folder's cluster is away: runs run here, and the window says so
                self.w.statusBar().showMessage(f"{e} — loops run on this computer (Edit ▸ Settings ▸ Cluster)", 15000)
                await service.close()
                self.service = service = RunService(self.w.store, settings.replace(executor="local"),
                                                    registry=self.w.registry, front="editor", trigger="editor",
                                                    dispatch=True)
                await service.open()
        except BaseException:
            self.service = None
            await service.close()
            raise
        self.bridge = RunBridge(service.subscribe(), self.w)
        self.bridge.event.connect(self._on_event)
        return service

    async def close(self) -> None:
        """Stop the service: its runs are cancelled (queued ones it ran go back to the queue), its lease given
        back. An opening under way finishes first."""
        if self._opening is not None and not self._opening.done():
            await asyncio.gather(self._opening, return_exceptions=True)
        if self.bridge is not None:
            await self.bridge.close()
            self.bridge = None
        if self.service is not None:
            await self.service.close()
            self.service = None

    def _on_event(self, ev) -> None:
        if self.w.live.claims(ev):  # a live preview run's (live.py): never logged, never a past run
            return
        live = self.live_runs.get(ev.run_id)
        if live is None:
            if not isinstance(ev, RunStarted):
                return  # another run's (a sub-workflow's shows as progress on its node)
            live = self._follow_started(ev.run_id)
            if live is None:
                return
        tab = live.tab
        if tab.closing:
            self.live_runs.pop(ev.run_id, None)
            return
        live.apply(ev)
        if isinstance(ev, NodeFinished):
            where = "".join(f"[{i}]" for i in ev.iteration)
            line = f"  {label_of(tab.doc, ev.node_id)}{where}: {ev.status} ({ev.duration_ms:.1f} ms)"
            self.w.run_panel.log(line + (f" — {ev.error}" if ev.error else ""), ev, tab=tab)
            if self.started_by.get((id(tab), ev.node_id), ev.run_id) == ev.run_id:  # (not a run overtaken)
                if ev.outputs:
                    self.w.outputs.keep(tab, ev.node_id, ev.outputs)
                elif ev.status == "failed":  # (in a loop: not another item's outputs)
                    self.w.outputs.forget_node(tab, ev.node_id)
            if ev.outputs and ev.run_id in self.node_outputs:  # (in a loop: the item that ended last, as the preview)
                self.node_outputs[ev.run_id][ev.node_id] = (where, ev.outputs)
        elif isinstance(ev, NodeProgress) and any(c.isalpha() for c in ev.message):  # not a bare "3/10"
            where = "".join(f"[{i}]" for i in ev.iteration)
            self.w.run_panel.log(f"  {label_of(tab.doc, ev.node_id)}{where}: {ev.message}", ev, tab=tab)
        elif isinstance(ev, RunFinished):
            self.live_runs.pop(ev.run_id, None)
            self.stoppable()
            if live.from_outside:
                asyncio.ensure_future(self._outside_finished(tab, ev.run_id, ev.status))

    def _follow_started(self, run_id: str) -> LiveRun | None:
        """A run this process started without a tab waiting for it (HTTP, a webhook, a trigger, the queue — a
        Shift+F5 run among them): it lights up the tab that asked for it, else its workflow's tab that shows runs
        (while no other run shows there)."""
        tab = self.followed.pop(run_id, None)
        origin = self.service.origin(run_id) if self.service is not None else None
        if tab is None and origin is not None and origin.trigger != "sub_workflow":
            tab = self.tab_of(origin.workflow_id, origin.draft_id)
        if tab is None or tab.closing or any(lv.tab is tab for lv in self.live_runs.values()):
            return None
        how = f"started by {origin.trigger}" if origin and origin.trigger not in (None, "editor") else "from the queue"
        self.w.run_panel.log(f"{STARTED} {tab.doc.name} — {how} (run {run_id[:8]})", tab=tab)
        live = self.follow_run(tab, run_id, from_outside=True)
        live.start()  # every node queued: nothing of an earlier run stays lit
        self.stoppable()
        return live

    def tab_of(self, workflow_id: str | None, draft_id: str | None = None) -> EditorTab | None:
        """The tab where runs of that workflow (or of that never-saved draft) show: its editable tab, or its
        template's tab — never a compare tab or an old version opened read-only."""
        for tab in self.w.editor_tabs():
            if tab.closing or not tab.shows_runs:
                continue
            if (workflow_id and tab.doc.workflow_id == workflow_id) or (draft_id and tab.journal_key == draft_id):
                return tab
        return None

    async def _outside_finished(self, tab: EditorTab, run_id: str, status: str) -> None:
        self.w.run_panel.log(f"{ENDED} {status} (run {run_id[:8]})", tab=tab)
        await self.service.recorder.recorded(run_id)
        await self._show_finished(tab, run_id)

    def follow_run(self, tab: EditorTab, run_id: str, from_outside: bool = False) -> LiveRun:
        """Show a run of this process on ``tab``'s canvas as it goes on."""
        live = LiveRun(tab.scene, run_id, self.service.run_blocking, tab=tab, from_outside=from_outside)
        self.live_runs[run_id] = live
        return live

    def forget(self, tab: EditorTab) -> None:
        """A closed tab: the runs it showed go on unseen (said in the status bar: Stop is for the tab on show)."""
        for run_id in [r for r, live in self.live_runs.items() if live.tab is tab]:
            self.live_runs.pop(run_id).abandon()
            self.w.statusBar().showMessage(f"Run {run_id[:8]} of {tab.doc.name} goes on: open the workflow again "
                                           "to see it, or find it in the Queue dock", 8000)
        for run_id in [r for r, t in self.followed.items() if t is tab]:
            self.followed.pop(run_id)
        for key in [k for k in self.started_by if k[0] == id(tab)]:
            del self.started_by[key]

    def run_target(self, tab: EditorTab, wf=None) -> tuple[object, dict]:
        """What to start for ``tab``: its stored version when the tab shows exactly that, else its document
        (recorded with the run) naming the workflow it edits, or its draft id when it was never saved."""
        doc = tab.doc
        where = ({"workflow_id": doc.workflow_id, "version": doc.version} if doc.workflow_id
                 else {"draft_id": tab.journal_key})
        if wf is None and doc.workflow_id and doc.version and not tab.dirty:
            return doc.workflow_id, {"version": doc.version}
        if not doc.workflow_id:
            where["base_dir"] = Path.cwd()  # a draft's relative paths: where Nodeloom was started
        return (wf if wf is not None else doc.workflow()), where

    # -- running -------------------------------------------------------------------------------------------

    def runs_here(self, tab: EditorTab) -> bool:
        """False (and why, in the status bar) on a compare tab or an old version: they never show runs."""
        if tab.shows_runs:
            return True
        self.w.statusBar().showMessage("This tab shows an old version read-only: runs show on the workflow's own "
                                       "tab (open it from the welcome page, or Restore this version)", 8000)
        return False

    async def _run(self, tab: EditorTab, wf=None, node_ids=None):
        if not self.runs_here(tab):
            return None
        if not await self.w.code.approve(tab, wf or tab.doc.workflow()):
            self.w.run_panel.log(f"{ENDED} not run: its Python code was not approved", tab=tab)
            self.w.statusBar().showMessage("Not run: the workflow's Python code was not approved", 8000)
            return None
        if not self.inputs_given(tab, wf):
            return None
        inputs = self.w.run_panel.inputs_for(tab)
        if wf is not None:  # a part of the graph: only the inputs it has (a value for another one is no error)
            names = {n.config.get("name") for n in wf.nodes if n.type == "input"}
            inputs = {k: v for k, v in inputs.items() if k in names}
        target, where = self.run_target(tab, wf)
        try:
            return await self._followed(tab, lambda service, run_id: service.start(
                target, inputs, use_pins=True, run_id=run_id, **where), node_ids)
        finally:
            self.w.inspector.reread()  # (a model's card, say: the library may have changed under the window)

    def inputs_given(self, tab: EditorTab, wf=None) -> bool:
        """False (the empty fields marked and asked for) when a required input of what would run has no value."""
        wf = wf or tab.doc.workflow()
        among = {n.config.get("name") for n in wf.nodes if n.type == "input"}
        missing = self.w.run_panel.inputs.missing(among)
        if not missing:
            return True
        said = ", ".join(repr(n) for n in missing)
        plural = "s" if len(missing) > 1 else ""
        self.w.run_panel.log(f"{ENDED} not run: give a value for the required input{plural} {said}", tab=tab)
        self.w.statusBar().showMessage(f"Give a value for {said} in the run panel's inputs, then run again", 8000)
        self.w.run_dock.show()
        self.w.run_dock.raise_()
        return False

    async def _followed(self, tab: EditorTab, start, node_ids=None):
        """``start(service, run_id)`` with the canvas following the run live, then the past runs and the
        profiler updated. None when it could not start (an invalid graph, bad inputs): that is logged."""
        service = await self.open_service()
        run_id = uuid.uuid4().hex
        if node_ids is not None:  # (Run this node: what the run gave its node, whatever runs after it)
            self.node_outputs[run_id] = {}
        for node_id in node_ids if node_ids is not None else tab.doc.nodes:
            self.started_by[(id(tab), node_id)] = run_id  # (what an earlier run still going gives them is not kept)
        live = self.follow_run(tab, run_id)
        live.start(node_ids)
        self.stoppable()
        try:
            handle = start(service, run_id)
            result = await handle.result()
        except Exception as e:  # noqa: BLE001 - an invalid graph or bad inputs are reported, not raised into Qt
            if isinstance(e, InputError):  # mark the fields it names
                named = {m.group(1) for p in e.problems for m in [re.search(r"input '([^']*)'", p)] if m}
                self.w.run_panel.inputs.mark(sorted(named))
            self.live_runs.pop(run_id, None)
            self.node_outputs.pop(run_id, None)
            clear(tab.scene, node_ids)
            if isinstance(e, WorkflowInvalid):
                show_problems(self.w, tab, e)
            else:
                self.w.run_panel.log(f"{ENDED} not run: {e}", tab=tab)
                self.w.statusBar().showMessage(f"Not run: {e}", 8000)
            return None
        finally:
            self.stoppable()
        await live.settled()
        if not tab.closing:
            await self._show_finished(tab, run_id)
        return result

    async def _show_finished(self, tab: EditorTab, run_id: str) -> None:
        """The past-runs list and the profiler, after a run (its rows read off the GUI thread)."""
        runs = self.w.store.runs
        run, nodes = await asyncio.to_thread(lambda: (runs.get(run_id), runs.nodes(run_id)))
        await self.w.watch.refresh()
        if tab is self.w.current_tab():
            self.w.profiler.show_run(run, nodes)

    # -- actions -----------------------------------------------------------------------------------------

    def run_current(self) -> None:
        tab = self.w.current_tab()
        if tab is not None:
            asyncio.ensure_future(self.run_tab(tab))

    async def run_tab(self, tab: EditorTab):
        """Run the whole workflow of ``tab``; its nodes show what they do as they do it."""
        from engine.values import summarize

        if not self.runs_here(tab):
            return None
        self.w.run_panel.log(f"{STARTED} {tab.doc.name}", tab=tab)
        result = await self._run(tab)
        if result is not None:
            outs = ", ".join(f"{k} = {summarize(v)}" for k, v in result.outputs.items())
            cache = cache_said(result.cache_hits, result.cache_misses)
            parts = [f"{ENDED} {result.status} in {result.duration_ms:.0f} ms" + (f", {cache}" if cache else ""), outs,
                     bypass_said(tab.doc, {n: r.status for n, r in result.nodes.items()}), result.error or ""]
            self.w.run_panel.log(" — ".join(p for p in parts if p), tab=tab)
        return result

    def run_selected_node(self) -> None:
        tab = self.w.current_tab()
        ids = tab.scene.selected_node_ids() if tab else []
        if len(ids) != 1:
            self.w.statusBar().showMessage("Select one node to run it", 5000)
            return
        asyncio.ensure_future(self.run_node(tab, ids[0]))

    async def run_node(self, tab: EditorTab, node_id: str):
        """Run one node with what it depends on (cached or pinned where it can be); show its outputs. The log says
        what this run gave it; the preview shows it unless a run of the node started after this one."""
        from engine.values import summarize

        wf = tab.doc.upstream_workflow(node_id)
        label = label_of(tab.doc, node_id)
        self.w.run_panel.log(f"{STARTED} {label} (with what it depends on)", tab=tab)
        result = await self._run(tab, wf, {n.id for n in wf.nodes})
        if result is None:
            return None
        latest = self.started_by.get((id(tab), node_id)) == result.run_id
        where, gave = self.node_outputs.pop(result.run_id, {}).get(node_id, ("", None))
        label += where  # (a node of a loop body: which item's outputs these are)
        if self.w.outputs.failed(tab, node_id, result, label, forget=latest):
            return result
        if latest:
            outputs = await self.w.outputs.show(tab, node_id, gave)
        else:
            outputs = {k: await self.w.outputs.read(v) for k, v in gave.items()} if gave else None
        if outputs is None:
            self.w.run_panel.log(f"{ENDED} {result.status}: {result.error or 'the node did not run'}", tab=tab)
            return result
        if latest:
            self.w.preview_dock.show()
            self.w.preview_dock.raise_()
        self.w.run_panel.log(f"{ENDED} {label}: " + (", ".join(f"{k} = {summarize(v)}" for k, v in outputs.items()
                                                               if not (k == "error" and v is None)) or "no outputs"),
                             tab=tab)
        return result

    def show_past_run(self, run_id: str) -> None:
        """Each node's status, duration and (image) output from a stored run, on the current canvas."""
        tab = self.w.current_tab()
        if tab is None:
            return
        nodes = self.w.store.runs.nodes(run_id)
        service = self.service
        outputs_of = service.stored_outputs if service else None
        show_node_runs(tab.scene, nodes, service.run_blocking if service else None, outputs_of)
        if outputs_of is not None:  # (the preview of a node selected now is what this run gave it)
            self.w.outputs.keep_run(tab, nodes, outputs_of)
        self.w.profiler.show_run(self.w.store.runs.get(run_id), nodes)

    async def replay(self, run_id: str, from_node=None):
        """Replay a stored run (from the selected node when asked) on the current canvas."""
        tab = self.w.current_tab()
        if tab is None or not self.runs_here(tab):
            return None
        if from_node == "selected":
            ids = tab.scene.selected_node_ids()
            if len(ids) != 1:
                self.w.statusBar().showMessage("Select the node to replay from", 5000)
                return None
            from_node = ids[0]
        if not await self.w.code.approve(tab, tab.doc.workflow()):  # past runs listed are this tab's workflow's
            self.w.run_panel.log(f"{ENDED} not replayed: its Python code was not approved", tab=tab)
            return None
        self.w.run_panel.log(f"{STARTED} replay of {run_id[:8]}" + (f" from {label_of(tab.doc, from_node)}"
                                                           if from_node else ""), tab=tab)
        return await self._followed(tab, lambda service, new_id: service.replay(run_id, from_node, new_run_id=new_id))

    def running_on(self, tab: EditorTab | None) -> str | None:
        """The run that shows on ``tab`` now (whoever started it), if any."""
        return next((rid for rid, live in self.live_runs.items() if live.tab is tab), None) if tab else None

    def stoppable(self) -> None:
        """Stop is there for the run on the tab on show, and only then."""
        self.w.actionStop.setEnabled(self.running_on(self.w.current_tab()) is not None)

    def stop_run(self) -> None:
        """Stop (Ctrl+F2): the run on the tab on show — never another tab's."""
        run_id = self.running_on(self.w.current_tab())
        if self.service is not None and run_id is not None:
            self.service.cancel(run_id)
            self.w.statusBar().showMessage(f"Stopping run {run_id[:8]}", 4000)

    def adopt(self, tab: EditorTab) -> None:
        """A tab opened while a run of its workflow runs in this process (started before, or from a tab closed
        since): the run shows on it from now on, its nodes so far as recorded."""
        if self.service is None or not tab.shows_runs or self.running_on(tab) is not None:
            return
        for run_id in list(self.service.launcher.handles):
            origin = self.service.origin(run_id)
            if run_id in self.live_runs or origin.trigger in ("sub_workflow", "live") or not (
                    (origin.workflow_id and origin.workflow_id == tab.doc.workflow_id)
                    or (origin.draft_id and origin.draft_id == tab.journal_key)):
                continue
            self.follow_run(tab, run_id, from_outside=True)
            self.w.run_panel.log(f"{STARTED} {tab.doc.name} — running (run {run_id[:8]})", tab=tab)
            asyncio.ensure_future(self._so_far(tab, run_id))
            self.stoppable()
            return

    async def _so_far(self, tab: EditorTab, run_id: str) -> None:
        await self.service.recorder.flush()
        nodes = await asyncio.to_thread(self.w.store.runs.nodes, run_id)
        if run_id in self.live_runs and not tab.closing:
            show_node_runs(tab.scene, nodes, None, thumbnails=False)
