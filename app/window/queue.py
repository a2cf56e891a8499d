"""The queue in the editor: Queue run (Shift+F5), Run over a list of inputs…, the Queue dock's actions, and
opening any run — queued, running here or elsewhere, finished — on its workflow's canvas."""

from __future__ import annotations

import asyncio

from engine import NodeloomError

from ..panels.queue import SHOWN
from ..panels.run_panel import ENDED, QUEUED

__all__ = ["QueueController"]


class QueueController:
    def __init__(self, window):
        self.w = window
        self.batch_dialog = None

    # -- the dock's actions ----------------------------------------------------------------------------

    def queue_view(self):
        """The queue as the dock shows it (a database read: called off the GUI thread)."""
        self.w.store.reconcile()  # a run whose process is gone is not shown running (SPEC §6a)
        return self.w.store.queue.view(SHOWN)

    async def queue_do(self, verb: str, *args) -> None:
        """pause, resume, run_next ID, set_priority ID N, move ID OTHER before|after, cancel ID."""
        service = await self.w.runs.open_service()
        try:
            if verb == "cancel" and service.handle(args[0]) is not None:
                service.cancel(args[0])  # running here: on this thread
            elif verb == "move":
                run_id, other, where = args
                await asyncio.to_thread(service.move, run_id, **{where: other})
            else:
                await asyncio.to_thread(getattr(service, verb), *args)
        except NodeloomError as e:
            self.w.statusBar().showMessage(str(e), 6000)

    # -- queueing the current tab --------------------------------------------------------------------------

    def enqueue_current(self) -> None:
        tab = self.w.current_tab()
        if tab is not None:
            asyncio.ensure_future(self.enqueue_tab(tab))

    async def enqueue_tab(self, tab, items: list[dict] | None = None, copies: int = 1, priority: int = 5):
        """Queue the tab's workflow with the inputs in the run panel (or once per ``items``). Returns the ids."""
        if not await self.w.code.approve(tab, tab.doc.workflow()):
            self.w.statusBar().showMessage("Not queued: the workflow's Python code was not approved", 8000)
            return []
        if not items and not self.w.runs.inputs_given(tab):
            return []
        service = await self.w.runs.open_service()
        inputs = self.w.run_panel.inputs_for(tab)
        target, where = self.w.runs.run_target(tab)
        try:
            ids = await service.enqueue_many(target, [{**inputs, **i} for i in items] if items else [inputs],
                                             copies=copies, priority=priority, use_pins=True, trigger="editor",
                                             **where)
        except (NodeloomError, ValueError) as e:
            self.w.run_panel.log(f"{ENDED} not queued: {e}")
            self.w.statusBar().showMessage(f"Not queued: {e}", 8000)
            return []
        what = f"run {ids[0][:8]}" if len(ids) == 1 else f"{len(ids)} runs"
        self.w.run_panel.log(f"{QUEUED} queued {what} of {tab.doc.name}")
        self.w.statusBar().showMessage(f"Queued {what} of {tab.doc.name}", 5000)
        self.w.queue_dock.show()
        self.w.queue_dock.raise_()
        await self.w.queue_panel.refreshed()
        return ids

    def run_over_list(self) -> None:
        """Run ▸ Run over a list of inputs…"""
        from ..dialogs.batch import BatchDialog

        tab = self.w.current_tab()
        if tab is None:
            self.w.statusBar().showMessage("Open a workflow first", 5000)
            return
        names = [n.config.get("name") for n in tab.doc.nodes.values() if n.type == "input" and n.config.get("name")]
        dialog = BatchDialog(tab.doc.name, names, self.w)
        dialog.submitted.connect(lambda items, copies, priority: asyncio.ensure_future(
            self.enqueue_tab(tab, items, copies, priority)))
        self.batch_dialog = dialog
        dialog.open()

    # -- any run on the canvas -------------------------------------------------------------------------------

    def open_run(self, run_id: str) -> None:
        """Open the run's workflow and show the run on it: live when it runs in this process, else as stored."""
        try:
            run = self.w.store.runs.get(run_id)
        except NodeloomError as e:
            self.w.statusBar().showMessage(str(e), 6000)
            return
        tab = next((t for t in self.w.editor_tabs() if run.draft_id and t.journal_key == run.draft_id), None)
        if tab is not None:
            self.w.tabs.setCurrentWidget(tab)
        elif run.workflow_id:
            tab = self.w.workflows.open(run.workflow_id)
        else:
            self.w.statusBar().showMessage("This run's workflow was never saved and its tab is closed", 6000)
            return
        self.w.runs.show_past_run(run_id)
        if self.w.runs.service is not None and run_id not in self.w.runs.live_runs:
            if self.w.runs.service.handle(run_id) is not None:
                self.w.runs.follow_run(tab, run_id)  # from now on, its events light up this tab
            elif run.status == "queued":
                self.w.runs.followed[run_id] = tab  # lit up when this process starts it
        self.w.statusBar().showMessage(f"Run {run_id[:8]}: {run.status}"
                                     + (" — it shows here when it starts" if run.status == "queued" else ""), 6000)
