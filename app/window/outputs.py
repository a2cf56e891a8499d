"""What the nodes of each tab last produced: kept per tab from run events, shown in the preview dock when a
node is selected (no need to run it again), pinned on request, and dropped — with the node's status and
thumbnail, and those of everything downstream — as soon as an edit makes them stale. With live preview on, what
its next run repaints keeps its thumbnail and stays in the preview until the new one arrives (no flicker); a
picture on its way to the preview that an edit made stale never arrives.
"""

from __future__ import annotations

import asyncio

import networkx as nx
from PIL import Image

from engine import NodeloomError
from engine.graph import bypass_skips
from engine.errors import CorruptEntry
from engine.runs import NOT_READ, in_memory, read_value

from ..canvas.live import clear
from ..panels.boxes import boxes_in
from ..panels.preview import PreviewPanel, preview_qimage
from ..panels.run_panel import ENDED
from .editor_tab import EditorTab

__all__ = ["OutputsController", "bypass_said", "label_of"]

MAX_UPSTREAM = 30  # other nodes whose values the preview's tree offers to drag


def label_of(doc, node_id: str) -> str:
    """What the canvas calls a node (``EditorDocument.title_of``), with its id when another node goes by the same
    title ("Transform (transform_2)"); its id once it is gone from the document."""
    if node_id not in doc.nodes:
        return node_id
    title = doc.title_of(node_id)
    return f"{title} ({node_id})" if doc.title_shared(node_id) else title


def bypass_said(doc, statuses: dict[str, str]) -> str:
    """The outputs a run of ``doc`` left without a value because of a bypass, and why: "Output: doubled skipped
    (Input: x is bypassed)"; "" when there are none. ``statuses``: the run's node statuses."""
    seen = set(statuses.values())
    if "bypassed" not in seen or "skipped" not in seen:
        return ""
    try:
        found = bypass_skips(doc.workflow(), statuses, doc.registry)
    except NodeloomError:  # edited since into something that does not validate: nothing to say for sure
        return ""
    return "; ".join(f"{label_of(doc, out)} skipped ({', '.join(label_of(doc, b) for b in by)} "
                     f"{'is' if len(by) == 1 else 'are'} bypassed)" for out, by in found.items())


class OutputsController:
    def __init__(self, window):
        self.w = window
        self.last: dict[tuple[int, str], dict] = {}      # (id of tab, node id) → its last outputs (maybe refs)
        self.last_node_outputs: dict | None = None       # the outputs the preview shows (read values)
        self.previewed: dict[int, tuple] = {}  # id of tab → (node id, outputs, the picture given) its preview showed
        self._showing: asyncio.Future | None = None
        self._showing_node: tuple[int, str] | None = None  # (id of tab, node id) of the show under way

    # -- keeping ------------------------------------------------------------------------------------------

    def keep(self, tab: EditorTab, node_id: str, outputs: dict) -> None:
        """A node's new outputs; when it is the node selected on the tab on show, the preview shows them."""
        self.last[(id(tab), node_id)] = dict(outputs)
        self.w.viewing.kept(tab, node_id)
        if tab is self.w.current_tab() and tab.scene.selected_node_ids() == [node_id]:
            self.selected(tab, [node_id])

    def failed(self, tab: EditorTab, node_id: str, result, label: str, forget: bool = True) -> bool:
        """Whether ``result`` (of running the node with what it needs) did not give the node outputs: then what an
        earlier run left is no longer its output — gone, off the preview (unless ``forget`` is False: a later run
        of it has its say) — and the run log says why."""
        record = result.nodes.get(node_id)
        status = record.status if record is not None else (result.status if result.status != "succeeded" else "")
        if not status or status in ("succeeded", "cached", "bypassed"):
            return False
        if forget:
            self.forget_node(tab, node_id)
        error = (record.error if record is not None else None) or result.error
        self.w.run_panel.log(f"{ENDED} {label}: {status}" + (f": {error}" if error else ""), tab=tab)
        return True

    def keep_run(self, tab: EditorTab, node_runs, outputs_of, forget: bool = True) -> None:
        """What a stored run gave its top-level nodes (``outputs_of(output_ref)``) as their outputs now — a past run
        shown on the canvas: the preview of a node selected then is that run's. ``forget``: a node whose outputs
        that run did not keep (evicted, a picture's file changed since) has none, not an other run's."""
        for nr in node_runs:
            if nr.iteration or not nr.output_ref or nr.node_id not in tab.doc.nodes:
                continue
            outputs = outputs_of(nr.output_ref)
            if outputs:
                self.keep(tab, nr.node_id, outputs)
            elif forget:
                self.forget_node(tab, nr.node_id)

    def forget_node(self, tab: EditorTab, node_id: str) -> None:
        """The node's kept outputs are no longer its outputs (its last run failed): gone, and off the preview."""
        self.last.pop((id(tab), node_id), None)
        shown = self.previewed.get(id(tab))
        if shown is not None and shown[0] == node_id:
            self.previewed.pop(id(tab), None)
            if tab is self.w.current_tab():
                self.w.preview_panel.clear()

    def of(self, tab: EditorTab, node_id: str) -> dict | None:
        return self.last.get((id(tab), node_id))

    def watch(self, tab: EditorTab) -> None:
        """Edits that change what a node computes make its outputs (and its dependents') stale."""
        doc = tab.doc
        doc.nodeEdited.connect(lambda nid, t=tab: self.stale(t, nid))
        doc.edgeAdded.connect(lambda eid, t=tab: self._edge_changed(t, eid))
        doc.edgeRemoving.connect(lambda eid, t=tab: self._edge_changed(t, eid))

    def _edge_changed(self, tab: EditorTab, eid: str) -> None:
        edge = tab.doc.edges.get(eid)
        if edge is not None:
            self.stale(tab, edge.target)

    def stale(self, tab: EditorTab, node_id: str) -> None:
        """``node_id`` and everything downstream (by links and by references): no status, no thumbnail, no kept outputs."""
        graph = self._graph(tab)
        gone = ({node_id} | nx.descendants(graph, node_id)) if node_id in graph else {node_id}
        for nid in gone:
            self.last.pop((id(tab), nid), None)
        repainted = self.w.live.repaints(tab) & gone  # (live preview: they change in place, soon)
        clear(tab.scene, gone, thumbnails=False)
        clear(tab.scene, gone - repainted, thumbnails=True)
        self.w.viewing.stale(tab, gone)
        if self._showing_node is not None and self._showing_node[0] == id(tab) and self._showing_node[1] in gone:
            self._showing.cancel()
        shown = self.previewed.get(id(tab))
        if shown is not None and shown[0] in gone and shown[0] not in repainted and tab is self.w.current_tab():
            self.previewed.pop(id(tab), None)
            self.w.preview_panel.clear()

    @staticmethod
    def _graph(tab: EditorTab) -> nx.DiGraph:
        return tab.doc.dependency_graph(tab.scene.ref_items)

    def forget(self, tab: EditorTab) -> None:
        key = id(tab)
        self.last = {k: v for k, v in self.last.items() if k[0] != key}
        self.previewed.pop(key, None)

    # -- showing --------------------------------------------------------------------------------------------

    async def show(self, tab: EditorTab, node_id: str, outputs: dict | None = None) -> dict | None:
        """The node's last outputs (read from the cache off the GUI thread) in the preview dock."""
        outputs = outputs if outputs is not None else self.of(tab, node_id)
        if outputs is None:
            return None
        try:
            outputs = {k: await self.read(v) for k, v in outputs.items()}
        except CorruptEntry:  # (stored, and unreadable since: its picture's file changed, the entry was damaged)
            self.forget_node(tab, node_id)
            return None
        if tab is not self.w.current_tab():
            return outputs
        service = self.w.runs.service
        prepared = {p: await service.run_blocking(preview_qimage, v) for p, v in outputs.items()
                    if isinstance(v, Image.Image)} if service is not None else None
        given = await self.given_image(tab, node_id, outputs)
        if given is not None and service is not None:
            prepared[PreviewPanel.GIVEN] = await service.run_blocking(preview_qimage, given)
        if tab is not self.w.current_tab():
            return outputs
        self.last_node_outputs = outputs
        self.previewed[id(tab)] = (node_id, outputs, given)
        self._show(tab, node_id, outputs, prepared, given)
        return outputs

    def _show(self, tab: EditorTab, node_id: str, outputs: dict, prepared=None, given=None) -> None:
        self.w.preview_panel.show_outputs(label_of(tab.doc, node_id), outputs, node_id=node_id,
                                          upstream=self.upstream(tab, node_id), prepared=prepared, given=given)

    @staticmethod
    def given_link(tab: EditorTab, node_id: str):
        """The link into the node's ``image`` input (a detector's picture comes by it), or None."""
        return tab.doc.edges.get(tab.doc.link_into(node_id, "image") or "")

    async def given_image(self, tab: EditorTab, node_id: str, outputs: dict):
        """The picture linked into the node's ``image`` input, when the node found boxes and has no picture of its
        own to draw them on (a detector): read from what this session's run left, else None."""
        if boxes_in(outputs) is None or any(isinstance(v, Image.Image) for v in outputs.values()):
            return None
        link = self.given_link(tab, node_id)
        kept = self.of(tab, link.source) if link is not None else None
        if not kept or link.source_port not in kept:
            return None
        value = await self.read(kept[link.source_port])
        return value if isinstance(value, Image.Image) else None

    def upstream(self, tab: EditorTab, node_id: str) -> list[tuple[str, str, dict, bool]]:
        """The nodes whose values ``node_id``'s fields may read (SPEC §5a: any node not downstream of it, nor
        itself) that have values at hand from this session, each with whether it feeds ``node_id`` (upstream of
        it by links or references): those first, nearest first, then the others. Nothing is read here."""
        graph = self._graph(tab)
        if node_id not in graph:
            return []
        below = nx.descendants(graph, node_id) | {node_id}
        distance = nx.single_source_shortest_path_length(graph.reverse(copy=False), node_id)  # its upstream
        found = []
        for nid in sorted((n for n in tab.doc.nodes if n not in below), key=lambda n: (distance.get(n, 1e9), n)):
            kept = self.of(tab, nid)
            at_hand = {p: in_memory(v) for p, v in (kept or {}).items() if p != "error"}
            at_hand = {p: v for p, v in at_hand.items() if v is not NOT_READ}
            if at_hand:
                found.append((nid, label_of(tab.doc, nid), at_hand, nid in distance))
            if len(found) == MAX_UPSTREAM:
                break
        return found

    async def read(self, value):
        """The value behind an output that may be stored only, read off the GUI thread when a service runs."""
        service = self.w.runs.service
        return await service.read(value) if service is not None else read_value(value)

    def selected(self, tab: EditorTab, node_ids: list[str]) -> None:
        """A single selected node with outputs from this session shows them; one that has not run shows the
        values of the other nodes its fields may read (when there are any: else the preview stays as it was)."""
        if len(node_ids) != 1:
            return
        if self.of(tab, node_ids[0]) is None:
            upstream = self.upstream(tab, node_ids[0])
            item = tab.scene.node_items.get(node_ids[0])
            failed = (item.error or "") if item is not None and item.status == "failed" else None
            if upstream or failed is not None:
                self.previewed.pop(id(tab), None)
                self.w.preview_panel.show_outputs(label_of(tab.doc, node_ids[0]), {}, node_id=node_ids[0],
                                                  upstream=upstream, ran=False, failed=failed)
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop runs (a script or a test between its runs): nothing to show it with
            return
        if self._showing is not None and not self._showing.done():
            self._showing.cancel()
        self._showing = asyncio.ensure_future(self.show(tab, node_ids[0]))
        self._showing_node = (id(tab), node_ids[0])
        self._showing.add_done_callback(lambda f: self._showing is f and setattr(self, "_showing_node", None))

    def tab_shown(self, tab: EditorTab | None) -> None:
        """The preview shows what this tab's preview last showed."""
        shown = self.previewed.get(id(tab)) if tab is not None else None
        if shown is None:
            self.w.preview_panel.clear()
        else:
            self._show(tab, shown[0], shown[1], given=shown[2])

    # -- pins ---------------------------------------------------------------------------------------------

    def pin_selected(self) -> None:
        """Pin the selected node's last outputs (undoable); pinned nodes are not executed in editor runs."""
        tab = self.w.current_tab()
        ids = tab.scene.selected_node_ids() if tab else []
        if len(ids) == 1 and not tab.doc.read_only:
            self.toggle_pin(tab, ids[0])

    def toggle_pin(self, tab: EditorTab, node_id: str) -> None:
        from engine.values import to_json

        from ..document.commands import UpdateNode

        if tab.doc.nodes[node_id].pinned is not None:
            tab.undo_stack.push(UpdateNode(tab.doc, node_id, "Unpin", pinned=None))
            return
        outputs = self.of(tab, node_id)
        if not outputs:
            self.w.statusBar().showMessage("Run the node first (Ctrl+Enter), then pin its outputs", 6000)
            return
        real = {k: read_value(v) for k, v in outputs.items() if k != "error"}
        tab.undo_stack.push(UpdateNode(tab.doc, node_id, "Pin outputs", pinned=to_json(real)))
