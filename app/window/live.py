"""Live preview (issue 27): with View ▸ Live preview on for a tab, the picture follows the hand.

- **What starts a run**: an edit that changes what a run computes — a config field (committed as it is typed:
  the inspector's ``live_typing``), a link, a bypass, a pin, a node added or removed — heard from the tab's
  document, never from widgets; moves, labels, groups and notes do not. A run starts ``DEBOUNCE_MS`` after the
  last such edit (a QTimer per tab); selecting a node whose outputs are not at hand starts one too.
- **What runs**: the selected node and what it needs (its upstream closure; the whole graph when no single node
  is selected), or the whole graph (View ▸ Live preview scope) — through the run service's live entry
  (``RunService.start_live``): upstream comes from the cache, nodes that act on the world are held (a "held"
  badge; they run on F5 as ever; python blocks run live only with Run ▸ Run Python blocks in live preview), and
  nothing is recorded: no past run, no profiler, no run log — a quiet line in the status bar says how it went.
- **Supersede**: a newer edit cancels the live runs in flight at once and raises the tab's generation; a run
  paints (statuses, thumbnails, kept outputs, the preview) only while its generation is the newest, so a result
  of a superseded run never shows after a newer edit.
- **Remembered** per workflow (QSettings ``live/on/<workflow id>``); the scope and the python choice for all.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import networkx as nx
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QLabel

from engine import InputError, WorkflowInvalid
from engine.runs import NodeFinished, RunFinished

from ..canvas.live import LiveRun
from .editor_tab import EditorTab
from .outputs import label_of

__all__ = ["LiveController", "DEBOUNCE_MS"]

DEBOUNCE_MS = 150
STATUS_CHARS = 120  # the most of a status line shown (the rest is in its tooltip)
HELD = ("held: live preview does not run blocks that act on the world (write files, send requests, run code or "
        "other workflows){after} — it runs when you run the workflow (F5)")


def said(result) -> str:
    """How a live run went, for the status line: "succeeded in 14 ms · 1 node ran, 4 from the cache"."""
    if result.status != "succeeded":
        return f"{result.status} in {result.duration_ms:.0f} ms" + (f" — {result.error}" if result.error else "")
    ran = sum(1 for r in result.nodes.values() if r.status == "succeeded")
    cached = sum(1 for r in result.nodes.values() if r.status == "cached")
    return (f"succeeded in {result.duration_ms:.0f} ms · {ran} node{'s' if ran != 1 else ''} ran"
            + (f", {cached} from the cache" if cached else ""))


def one_line(text: str, limit: int = STATUS_CHARS) -> str:
    """What the status bar shows of ``text``: its first line, shortened to ``limit`` characters, with "…" when
    anything is left out (an error may bring a whole HTML page along)."""
    first = text.strip().split("\n", 1)[0].rstrip()
    cut = len(first) > limit or first != text.strip()
    return (first[:limit].rstrip() + "…") if cut else first


class TabLive:
    """One tab's live preview: on or off, its debounce timer, the newest edit's generation, its runs."""

    def __init__(self, tab: EditorTab, fire):
        self.tab = tab
        self.on = False
        self.timer = QTimer(tab, singleShot=True, interval=DEBOUNCE_MS)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)  # (a coarse one may fire 5 % late: 8 ms more to wait)
        self.timer.timeout.connect(lambda: fire(self))
        self.generation = 0                  # raised by every edit: only the newest generation's runs paint
        self.runs: dict[str, LiveRun] = {}   # run id → its painter, until the run ends (superseded ones too)
        self.held: dict[str, str] = {}       # what the last run held: node → the node acting on the world
        self.said = ""                       # the status line
        self.pins: dict[str, int] = {n: id(node.pinned) for n, node in tab.doc.nodes.items()}


class LiveController:
    def __init__(self, window):
        self.w = window
        self.tabs: dict[EditorTab, TabLive] = {}
        self.by_run: dict[str, TabLive] = {}
        settings = window.settings
        self.scope = "whole" if str(settings.value("live/scope", "selected")) == "whole" else "selected"
        self.user_code = str(settings.value("live/python", "false")).lower() == "true"
        self.status = QLabel(objectName="liveStatus")  # in the status bar while the tab on show is live
        self.status.hide()
        self.closed = False  # the window's session ended: no live run starts any more

    def attach(self) -> None:
        """The actions (declared in actions.py) made checkable and set; the status line in the status bar."""
        w = self.w
        w.actionLivePreview.setCheckable(True)
        w.actionLivePreview.setToolTip("Live preview: the selected node's picture follows your edits "
                                       "(blocks that write or send are held until you run)")
        group = QActionGroup(w)
        for action, scope in ((w.actionLiveScopeSelected, "selected"), (w.actionLiveScopeWhole, "whole")):
            action.setCheckable(True)
            action.setChecked(self.scope == scope)
            group.addAction(action)
        w.actionLivePython.setCheckable(True)
        w.actionLivePython.setChecked(self.user_code)
        w.statusBar().addPermanentWidget(self.status)
        self.tab_shown(w.current_tab())

    # -- on and off --------------------------------------------------------------------------------------------

    def is_on(self, tab: EditorTab | None) -> bool:
        st = self.tabs.get(tab) if tab is not None else None
        return st is not None and st.on

    def watch(self, tab: EditorTab) -> None:
        """A new tab: its document's edits are heard; live again when it was live the last time it was open."""
        self.tabs[tab] = TabLive(tab, self._fire)
        doc = tab.doc
        doc.nodeEdited.connect(lambda _nid, t=tab: self.edited(t))
        doc.nodeChanged.connect(lambda nid, t=tab: self._pin_changed(t, nid))
        doc.nodeAdded.connect(lambda nid, t=tab: self._pin_changed(t, nid, added=True))
        for signal in (doc.nodeRemoved, doc.edgeAdded, doc.edgeRemoved):
            signal.connect(lambda _id, t=tab: self.edited(t))
        if doc.workflow_id and tab.shows_runs and str(self.w.settings.value(
                f"live/on/{doc.workflow_id}", "false")).lower() == "true":
            self.set_on(tab, True)

    def toggle_current(self) -> None:
        tab = self.w.current_tab()
        if tab is not None:
            self.set_on(tab, self.w.actionLivePreview.isChecked())
        else:
            self.w.actionLivePreview.setChecked(False)

    def set_on(self, tab: EditorTab, on: bool) -> None:
        """Live preview on or off for ``tab`` (remembered for its workflow); on: a run at once."""
        st = self.tabs[tab]
        if on and not tab.shows_runs:
            on = False
            self.w.statusBar().showMessage("This tab shows an old version read-only: live preview is for the "
                                           "workflow's own tab", 6000)
        st.on = on
        if tab.doc.workflow_id and tab.shows_runs:
            self.w.settings.setValue(f"live/on/{tab.doc.workflow_id}", "true" if on else "false")
        self._supersede(st)
        if on:
            self._fire(st)
        else:
            st.timer.stop()
            self._show_held(st, {})
            st.said = ""
        if tab is self.w.current_tab():
            self.tab_shown(tab)

    def set_scope(self, scope: str) -> None:
        """What live preview runs: "selected" (the selected node and what it needs) or "whole" (every node)."""
        self.scope = scope
        self.w.settings.setValue("live/scope", scope)
        self._again()

    def set_user_code(self, allowed: bool) -> None:
        """Python blocks run in live preview (else they are held)."""
        self.user_code = allowed
        self.w.settings.setValue("live/python", "true" if allowed else "false")
        self._again()

    def _again(self) -> None:
        for st in self.tabs.values():
            if st.on:
                self.edited(st.tab)

    def tab_shown(self, tab: EditorTab | None) -> None:
        """The toggle and the status line show the tab on show's live preview."""
        action = self.w.actionLivePreview
        action.blockSignals(True)
        action.setChecked(self.is_on(tab))
        action.blockSignals(False)
        action.setEnabled(tab is not None and tab.shows_runs)
        self._say(self.tabs.get(tab) if tab is not None else None)

    def close(self) -> None:
        """The window's session ends (before its run service closes): nothing more starts."""
        self.closed = True
        for st in self.tabs.values():
            st.timer.stop()

    def forget(self, tab: EditorTab) -> None:
        st = self.tabs.pop(tab, None)
        if st is not None:
            st.timer.stop()
            self._supersede(st)

    # -- edits ---------------------------------------------------------------------------------------------

    def edited(self, tab: EditorTab) -> None:
        """An edit that changes what a run computes: the runs in flight are superseded, a run follows soon."""
        st = self.tabs.get(tab)
        if st is None or not st.on or tab.closing:
            return
        self._supersede(st)
        st.timer.start()

    def _pin_changed(self, tab: EditorTab, node_id: str, added: bool = False) -> None:
        """A node added, or its pin changed (a label is no edit of what runs)."""
        st = self.tabs.get(tab)
        node = tab.doc.nodes.get(node_id)
        if st is None or node is None or (not added and st.pins.get(node_id) == id(node.pinned)):
            return
        st.pins[node_id] = id(node.pinned)
        if st.on and not added:  # what it kept is the pin's (or what the pin hid): the run's result replaces it
            self.w.outputs.stale(tab, node_id)
        self.edited(tab)

    def selected(self, tab: EditorTab) -> None:
        """A node selected whose outputs are not at hand: a run shows them (the runs in flight go on)."""
        st = self.tabs.get(tab)
        ids = tab.scene.selected_node_ids()
        if (st is not None and st.on and self.scope == "selected" and len(ids) == 1 and ids[0] not in st.held
                and self.w.outputs.of(tab, ids[0]) is None):
            st.timer.start()

    def _supersede(self, st: TabLive) -> None:
        st.generation += 1
        service = self.w.runs.service
        if service is not None:
            for run_id in st.runs:
                service.cancel(run_id)

    def repaints(self, tab: EditorTab) -> set[str]:
        """The nodes the next live run of ``tab`` shows anew (none when live preview is off): the outputs
        controller leaves their pictures in place until then."""
        st = self.tabs.get(tab)
        if st is None or not st.on:
            return set()
        doc = tab.doc
        ids = tab.scene.selected_node_ids()
        if self.scope == "selected" and len(ids) == 1 and ids[0] in doc.nodes:
            graph = doc.dependency_graph(tab.scene.ref_items)
            wanted = nx.ancestors(graph, ids[0]) | {ids[0]}
        else:
            wanted = set(doc.nodes)
        return wanted - set(st.held)

    # -- running -------------------------------------------------------------------------------------------

    def _fire(self, st: TabLive) -> None:
        if self.closed:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop runs (a script between its runs): nothing to run it with
            return
        asyncio.ensure_future(self._run(st, st.generation))

    async def _run(self, st: TabLive, generation: int) -> None:
        tab, w = st.tab, self.w
        if tab.closing or not st.on or self.closed or not tab.shows_runs:
            return
        service = await w.runs.open_service()
        if generation != st.generation or tab.closing or not st.on:
            return  # a newer edit came while the service opened
        doc = tab.doc
        wf = doc.workflow()
        ids = tab.scene.selected_node_ids()
        targets = ids if self.scope == "selected" and len(ids) == 1 else None
        user_code = self.user_code and w.code.allowed and w.code.approved_already(tab, wf)
        run_id = uuid.uuid4().hex
        painter = LiveRun(tab.scene, run_id, service.run_blocking, tab=tab,
                          current=lambda: st.generation == generation and st.on and not tab.closing)
        st.runs[run_id] = painter
        self.by_run[run_id] = st
        try:
            handle = service.start_live(wf, w.run_panel.inputs_for(tab), targets=targets, user_code=user_code,
                                        run_id=run_id, workflow_id=doc.workflow_id,
                                        draft_id=None if doc.workflow_id else tab.journal_key,
                                        base_dir=None if doc.workflow_id else Path.cwd())
        except Exception as e:  # noqa: BLE001 - an invalid graph or missing inputs: said quietly, not raised
            st.runs.pop(run_id, None)
            self.by_run.pop(run_id, None)
            if isinstance(e, WorkflowInvalid):
                first = e.issues[0]
                where = f"{label_of(doc, first.node_id)}: " if first.node_id else ""
                self._say(st, f"not run — {where}{first.message}")
            elif isinstance(e, InputError):
                self._say(st, f"not run — {e.problems[0]}")
            else:
                self._say(st, f"not run — {e}")
            return
        self._show_held(st, handle.held)
        self._say(st, "running…")
        result = await handle.result()
        if painter.current():
            self._say(st, said(result) if not (targets and targets[0] in handle.held) else
                      f"{label_of(doc, targets[0])} is held: it runs when you run the workflow (F5)")

    def claims(self, ev) -> bool:
        """An event of a live run (the runs controller asks first): painted while its run is the newest."""
        st = self.by_run.get(ev.run_id)
        if st is None:
            return False
        painter = st.runs.get(ev.run_id)
        shown = (isinstance(ev, NodeFinished) and ev.status == "cached"
                 and self.w.outputs.of(st.tab, ev.node_id) is not None)  # (not made stale since it showed)
        if isinstance(ev, NodeFinished) and ev.outputs and painter.current() and not shown:
            # (first: the preview's picture is made first; what is kept already is the same values, read)
            self.w.outputs.keep(st.tab, ev.node_id, ev.outputs)
        painter.apply(ev, shown=shown)
        if isinstance(ev, RunFinished):
            st.runs.pop(ev.run_id, None)
            self.by_run.pop(ev.run_id, None)
        return True

    def _show_held(self, st: TabLive, held: dict[str, str]) -> None:
        """A "held" badge on each held node (its tooltip says why); none left on the nodes no longer held."""
        scene, doc = st.tab.scene, st.tab.doc
        for nid, item in scene.node_items.items():
            source = held.get(nid)
            if source is None:
                if item.status == "held":
                    item.set_status(None)
                continue
            if item.status != "held":
                item.set_status("held")
            item.set_note(HELD.format(after="" if source == nid else f"; it follows {label_of(doc, source)}"))
        st.held = dict(held)

    def _say(self, st: TabLive | None, text: str | None = None) -> None:
        if st is not None and text is not None:
            st.said = text
        if st is None or st.tab is not self.w.current_tab():
            if st is None:
                self.status.hide()
            return
        self.status.setText(f"Live preview · {one_line(st.said)}" if st.said else "Live preview")
        self.status.setToolTip(f"Live preview · {st.said}" if st.said else "")  # (all of it: an error's body)
        self.status.setVisible(st.on)
