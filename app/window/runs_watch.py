"""Lists of runs follow the store, runs of other processes light up their workflow's tab, and tabs notice versions
saved elsewhere (SPEC §8).

Twice a second, one read off the GUI thread (after ``store.reconcile()``: a run whose process is gone reads
interrupted, never running): the current tab's past runs (the list is redrawn only when a row
changed: a queued run that started or finished, a run of the CLI or another window), and the unfinished runs of
the open workflows that another process runs (a `nodeloom run`, a worker, another window), with their node runs
— which that process's recorder writes as they happen. Those are painted on the workflow's tab that shows runs
as they progress, and once finished their outputs can be previewed like a run of this window's. The same read
gives each open workflow's newest version: a version saved by another window or process is loaded into the
workflow's tab when it holds no unsaved edits, else the tab says it is behind (and saving asks first).
"""

from __future__ import annotations

import asyncio
import logging
import time

from PySide6.QtCore import QTimer

from ..canvas.live import show_node_runs
from ..panels.run_panel import ENDED, STARTED
from .editor_tab import EditorTab

__all__ = ["RunsWatch"]

log = logging.getLogger(__name__)
INTERVAL_MS = 500
PAST_RUNS = 100  # rows in the past-runs list
RUNNING = 50     # unfinished runs looked at per read


def _row(run) -> tuple:
    return run.id, run.status, run.duration_ms


class RunsWatch:
    def __init__(self, window):
        self.w = window
        self.timer = QTimer(window, interval=INTERVAL_MS)
        self.timer.timeout.connect(self._tick)
        self._reading: asyncio.Future | None = None
        self.outside: dict[str, EditorTab] = {}  # runs of other processes shown on a tab (until they end)
        self.shown: dict[int, list[tuple]] = {}  # id of tab → the rows its past-runs list shows
        self.seen: dict[int, set[str]] = {}      # id of tab → finished runs of others already seen there
        self.since = time.time()                 # runs of others that ended before the window opened stay past
        self.workflows: tuple | None = None      # the store's workflows as last listed (WorkflowRepo.signature)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def forget(self, tab: EditorTab) -> None:
        self.shown.pop(id(tab), None)
        self.seen.pop(id(tab), None)
        for run_id in [r for r, t in self.outside.items() if t is tab]:
            self.outside.pop(run_id)

    def _tick(self) -> None:
        if self._reading is not None and not self._reading.done():
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop runs (a script between its runs): nothing to read with
            return
        self._reading = asyncio.ensure_future(self.refresh())

    # -- one read ---------------------------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Read and show what changed: past runs of the current tab, runs of other processes on their tabs."""
        w = self.w
        tab = w.current_tab()
        tabs = [t for t in w.editor_tabs() if t.shows_runs and not t.closing and t.doc.workflow_id]
        wids = {t.doc.workflow_id for t in tabs}
        service = w.runs.service
        owner = service.lease_id if service is not None else None
        key = (tab.doc.workflow_id, None if tab.doc.workflow_id else tab.journal_key) if tab is not None else None
        try:
            past, running, nodes, ended, newest, latest, listed = await asyncio.to_thread(
                self._read, key, wids, owner, set(self.outside))
        except Exception:  # noqa: BLE001 - a busy or closed database: the next tick reads again
            log.debug("reading runs failed", exc_info=True)
            return
        if listed != self.workflows:  # (a workflow imported, saved or deleted by another process: the welcome page)
            if self.workflows is not None and w.current_tab() is None:
                w.browser.refresh()
            self.workflows = listed
        self._versions(tabs, newest)
        if tab is not None and tab is w.current_tab() and not tab.closing:
            self._show_past(tab, past)
        for other in tabs:  # (tabs that show runs: never a compare tab or an old version)
            if (run := latest.get(other.doc.workflow_id)) is not None:
                self._show_new_ended(other, run, owner)
        for run in running:
            self._show_running(run, nodes.get(run.id, []))
        for run in ended:
            self._show_ended(run, nodes.get(run.id, []))

    def _read(self, key, wids: set, owner: str | None, following: set) -> tuple:
        self.w.store.reconcile()  # a run whose process is gone reads interrupted (or queued again), not running
        runs = self.w.store.runs
        past = []
        if key is not None:
            wid, draft = key
            past = runs.list(wid, limit=PAST_RUNS) if wid else runs.list(draft_id=draft, limit=PAST_RUNS)
        running = [r for r in runs.list(status="running", limit=RUNNING)
                   if r.workflow_id in wids and r.owner != owner] if wids else []
        ended = [runs.get(rid) for rid in following - {r.id for r in running}]
        nodes = {r.id: runs.nodes(r.id) for r in (*running, *ended)}
        newest, latest = {}, {}
        for wid in wids:
            try:
                newest[wid] = self.w.store.workflows.latest(wid)[1]
            except Exception:  # noqa: BLE001 - deleted meanwhile
                continue
            if last := runs.list(wid, limit=1):
                latest[wid] = last[0]
        return past, running, nodes, ended, newest, latest, self.w.store.workflows.signature()

    # -- showing ------------------------------------------------------------------------------------------------

    def _versions(self, tabs: list[EditorTab], newest: dict[str, int]) -> None:
        """A version saved elsewhere since a tab's: loaded into the tab when it has no unsaved edits, else the tab
        says it is behind."""
        for tab in tabs:
            number = newest.get(tab.doc.workflow_id)
            if number is None or tab.doc.version is None or tab.doc.read_only or number <= tab.doc.version:
                continue
            if not tab.dirty:
                self.w.workflows.reload(tab, number)
            elif tab.behind != number:
                tab.behind = number
                self.w.retitle(tab)

    def _show_past(self, tab: EditorTab, past: list) -> None:
        rows = [_row(r) for r in past]
        if self.shown.get(id(tab)) != rows:
            self.shown[id(tab)] = rows
            self.w.run_panel.show_runs(tab, past)

    def _free(self, tab: EditorTab | None, run_id: str) -> bool:
        """Whether ``tab`` may show that run: it exists and no run of this process shows on it."""
        return tab is not None and not tab.closing and not any(
            live.tab is tab for live in self.w.runs.live_runs.values()) and not any(
            t is tab for r, t in self.outside.items() if r != run_id)

    def _show_running(self, run, node_runs: list) -> None:
        tab = self.outside.get(run.id) or self.w.runs.tab_of(run.workflow_id)
        if not self._free(tab, run.id):
            return
        if run.id not in self.outside:
            self.outside[run.id] = tab
            self.w.run_panel.log(f"{STARTED} {tab.doc.name} — running in another process (run {run.id[:8]})", tab=tab)
        show_node_runs(tab.scene, node_runs, None, thumbnails=False)

    def _show_ended(self, run, node_runs: list) -> None:
        tab = self.outside.pop(run.id, None)
        if tab is None or tab.closing:
            return
        self.seen.setdefault(id(tab), set()).add(run.id)  # (shown: not again as one that ended between reads)
        self._paint_ended(tab, run, node_runs)

    def _show_new_ended(self, tab: EditorTab, run, owner: str | None) -> None:
        """The newest run of the tab's workflow, when another process began and ended it between two reads, still
        shows on the tab (whether or not the tab is on show), once."""
        seen = self.seen.setdefault(id(tab), set())
        if (run.id in seen or run.owner == owner or not run.finished or (run.finished_at or 0) < self.since
                or run.id in self.outside):
            return
        seen.add(run.id)
        if self._free(tab, run.id):
            asyncio.ensure_future(self._paint_later(tab, run))

    async def _paint_later(self, tab: EditorTab, run) -> None:
        node_runs = await asyncio.to_thread(self.w.store.runs.nodes, run.id)
        if not tab.closing:
            self._paint_ended(tab, run, node_runs)

    def _paint_ended(self, tab: EditorTab, run, node_runs: list) -> None:
        """A finished run of another process: statuses, thumbnails, its outputs at hand for the preview."""
        service = self.w.runs.service
        outputs_of = service.stored_outputs if service is not None else None
        show_node_runs(tab.scene, node_runs, service.run_blocking if service else None, outputs_of)
        if outputs_of is not None:
            self.w.outputs.keep_run(tab, node_runs, outputs_of, forget=False)
        where = "the program running it stopped" if run.status == "interrupted" else "run by another process"
        self.w.run_panel.log(f"{ENDED} {run.status} (run {run.id[:8]}, {where})", tab=tab)
        if tab is self.w.current_tab():
            self.w.profiler.show_run(run, node_runs)
