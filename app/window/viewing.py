"""The image viewer's controller: double-clicking the preview's picture or a node's thumbnail opens the viewer
(app/panels/viewer.py) on that node's image output, and this finds the pictures it compares:

- its output from the tab's last run (the outputs controller keeps it) and its input: the output of the node
  upstream that feeds its first image input, from the same runs;
- its outputs in two of the tab's past runs (newest first; those where the node left an output), read from the
  store by their output_ref.

Everything is read off the GUI thread (the run service's workers, or a thread for the store's rows); the
viewer's canvas makes its levels there too.
"""

from __future__ import annotations

import asyncio
import logging
import time

from PIL import Image

from ..panels.viewer import ImageViewer
from .editor_tab import EditorTab
from .outputs import label_of

__all__ = ["ViewerController"]

log = logging.getLogger(__name__)
PAST_RUNS = 50  # runs looked at for the node's outputs


def _runs_with_outputs(store, workflow_id, draft_id, node_id: str) -> list[tuple[object, str]]:
    """The tab's past runs (newest first) in which ``node_id`` left outputs, each with their output_ref."""
    runs = store.runs.list(workflow_id, limit=PAST_RUNS) if workflow_id else \
        store.runs.list(draft_id=draft_id, limit=PAST_RUNS)
    found = []
    for run in runs:
        ref = next((nr.output_ref for nr in store.runs.nodes(run.id)
                    if nr.node_id == node_id and not nr.iteration and nr.output_ref), None)
        if ref:
            found.append((run, ref))
    return found


def _run_name(run) -> str:
    return f"{time.strftime('%H:%M:%S', time.localtime(run.created_at))} · {run.status} · {run.id[:8]}"


def _describe(name: str, image: Image.Image) -> str:
    return f"{name}: {image.width} × {image.height} px, {image.mode}"


class ViewerController:
    def __init__(self, window):
        self.w = window
        self.viewer: ImageViewer | None = None
        self.subject: tuple[EditorTab, str, str | None] | None = None  # tab, node id, image port (None: its first)
        self._task: asyncio.Future | None = None

    def _viewer(self) -> ImageViewer:
        if self.viewer is None:
            self.viewer = ImageViewer(self._blocking, self.w)
            # over the middle of the main window (a window manager may place it otherwise)
            centre = self.w.mapToGlobal(self.w.rect().center())
            self.viewer.move(centre - self.viewer.rect().center())
            self.viewer.compareChanged.connect(lambda _mode: self._load())
            self.viewer.runsChosen.connect(lambda _a, _b: self._load())
        return self.viewer

    async def _blocking(self, fn, *args):
        service = await self.w.runs.open_service()
        return await service.run_blocking(fn, *args)

    # -- opening -----------------------------------------------------------------------------------------------

    def from_preview(self) -> ImageViewer | None:
        """The node the preview shows, at the image output it shows."""
        tab = self.w.current_tab()
        shown = self.w.outputs.previewed.get(id(tab)) if tab is not None else None
        if shown is None:
            return None
        port = self.w.preview_panel.port.currentText()
        if port == self.w.preview_panel.GIVEN:  # (a detector's picture is the one linked into it: that node's)
            link = self.w.outputs.given_link(tab, shown[0])
            if link is not None:
                return self.open(tab, link.source, link.source_port)
            port = ""
        return self.open(tab, shown[0], port or None)

    def open(self, tab: EditorTab, node_id: str, port: str | None = None) -> ImageViewer:
        """The viewer on ``node_id``'s image output: its input beside it when there is one, else the output alone;
        its past runs when this session has no output of it."""
        viewer = self._viewer()
        self.subject = (tab, node_id, port)
        viewer.setWindowTitle(f"{label_of(tab.doc, node_id)} — Viewer")
        if self.w.outputs.of(tab, node_id) is None:
            mode = "runs"
        else:
            mode = "input" if self.input_of(tab, node_id) is not None else "output"
        viewer.set_mode(mode)
        viewer.set_runs([], None, None)  # (another node's runs: read again)
        viewer.show()
        viewer.raise_()
        viewer.activateWindow()
        self._load()
        return viewer

    # -- following the runs -------------------------------------------------------------------------------------

    def _watched(self, tab: EditorTab) -> set[str]:
        """The nodes whose outputs the viewer shows now: its node, and the one feeding it (input ◂▸ output)."""
        if self.viewer is None or not self.viewer.isVisible() or self.subject is None or self.subject[0] is not tab:
            return set()
        node_id = self.subject[1]
        doc = tab.doc
        feeding = {doc.edges[e].source for e in doc.edges_of(node_id) if doc.edges[e].target == node_id} \
            if node_id in doc.nodes else set()
        return {node_id} | (feeding if self.viewer.mode() == "input" else set())

    def kept(self, tab: EditorTab, node_id: str) -> None:
        """New outputs of a node: the viewer shows them when they are what it shows (once its own node has some:
        a run's upstream node finishes first), and its past runs list the run."""
        if node_id in self._watched(tab) and self.w.outputs.of(tab, self.subject[1]) is not None:
            self._load()

    def stale(self, tab: EditorTab, node_ids: set[str]) -> None:
        """An edit made outputs stale: the viewer says so when it shows them (it keeps the pictures to compare)."""
        if self.viewer is None or self.viewer.mode() == "runs" or not self._watched(tab) & set(node_ids):
            return
        self.viewer.say(self.viewer.info.text().split(" · stale")[0] +
                        " · stale: the node or what feeds it was edited since; run it again")

    def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def _load(self) -> None:
        viewer = self.viewer
        if viewer is None or self.subject is None:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop runs (a script between its runs): nothing to read with
            return
        self.close()
        viewer.busy = True
        self._task = asyncio.ensure_future(self._show(viewer.mode()))

    async def _show(self, mode: str) -> None:
        viewer = self.viewer
        tab, node_id, port = self.subject
        try:
            if mode == "runs":
                await self._show_runs(tab, node_id, port)
            else:
                await self._show_session(tab, node_id, port, with_input=mode == "input")
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001 - a picture that cannot be read is said, not raised into Qt
            log.exception("the viewer could not show %s", node_id)
            viewer.say(f"Could not show it: {e}")
        finally:
            if self._task is asyncio.current_task():
                viewer.busy = False

    # -- this session's output and input ----------------------------------------------------------------------

    @staticmethod
    def _image_port(tab: EditorTab, node_id: str, values: dict, port: str | None) -> str | None:
        """The image output to show: ``port`` when given, else the node's first image output that has a value."""
        if port is not None and port in values:
            return port
        types = {p.name: p.type for p in tab.doc.outputs(node_id)} if node_id in tab.doc.nodes else {}
        return next((p for p, v in values.items() if isinstance(v, Image.Image) or types.get(p) == "image"), None)

    def input_of(self, tab: EditorTab, node_id: str) -> tuple[str, object] | None:
        """(who, value): what feeds the node's first image input that has a value from this session's runs."""
        doc = tab.doc
        if node_id not in doc.nodes:
            return None
        for port in doc.inputs(node_id):
            eid = doc.link_into(node_id, port.name)
            if eid is None:
                continue
            edge = doc.edges[eid]
            source_type = next((p.type for p in doc.outputs(edge.source) if p.name == edge.source_port), "any")
            kept = self.w.outputs.of(tab, edge.source) or {}
            if "image" in (port.type, source_type) and kept.get(edge.source_port) is not None:
                return f"{label_of(doc, edge.source)} · {edge.source_port}", kept[edge.source_port]
        return None

    async def _show_session(self, tab: EditorTab, node_id: str, port: str | None, with_input: bool) -> None:
        viewer = self.viewer
        outputs = self.w.outputs.of(tab, node_id)
        port = self._image_port(tab, node_id, outputs or {}, port)
        if outputs is None or port is None:
            viewer.canvas.clear()
            viewer.say(f"{label_of(tab.doc, node_id)} has no image output from this session's runs: "
                       "run it (Ctrl+Enter), or compare two past runs")
            return
        await self.w.runs.open_service()
        after = await self.w.outputs.read(outputs[port])
        fed = self.input_of(tab, node_id) if with_input else None
        before = await self.w.outputs.read(fed[1]) if fed is not None else None
        if not isinstance(after, Image.Image):
            viewer.canvas.clear()
            viewer.say(f"{label_of(tab.doc, node_id)} · {port} holds no picture")
            return
        if with_input and not isinstance(before, Image.Image):
            before = None
        text = _describe("output", after) + (f" · {_describe('input', before)} (from {fed[0]})" if before else "")
        viewer.say(text if not with_input or before else text + " · no input picture from this session's runs")
        await viewer.canvas.set_images(after, before, after_name="output", before_name="input")

    # -- two past runs ---------------------------------------------------------------------------------------

    async def _show_runs(self, tab: EditorTab, node_id: str, port: str | None) -> None:
        viewer = self.viewer
        service = await self.w.runs.open_service()
        await service.recorder.flush()
        found = await asyncio.to_thread(_runs_with_outputs, self.w.store, tab.doc.workflow_id, tab.journal_key,
                                        node_id)
        refs = {run.id: (run, ref) for run, ref in found}
        a, b = viewer.chosen_runs()
        if a not in refs or b not in refs:  # the newest run as B, the one before it as A
            b = found[0][0].id if found else None
            a = found[1][0].id if len(found) > 1 else b
        viewer.set_runs([(run.id, _run_name(run)) for run, _ in found], a, b)
        if not found:
            viewer.canvas.clear()
            viewer.say(f"No past run of this workflow kept an output of {label_of(tab.doc, node_id)}")
            return
        pictures = []
        for letter, run_id in (("B", b), ("A", a)):
            run, ref = refs[run_id]
            stored = await service.run_blocking(service.stored_outputs, ref)
            chosen = self._image_port(tab, node_id, stored or {}, port)
            value = await service.read(stored[chosen]) if stored and chosen else None
            if not isinstance(value, Image.Image):
                viewer.canvas.clear()
                viewer.say(f"The run of {_run_name(run)} kept no picture of {label_of(tab.doc, node_id)} "
                           "(its outputs may have left the cache)")
                return
            pictures.append((f"run {letter} ({_run_name(run)[:8]})", value))
        (b_name, b_image), (a_name, a_image) = pictures
        viewer.say(f"{_describe('A (right)', a_image)} · {_describe('B (left)', b_image)}")
        await viewer.canvas.set_images(b_image, a_image, after_name=b_name, before_name=a_name)
