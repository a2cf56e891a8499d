"""The main window's runs: F5 runs the tab's workflow on the qasync loop and logs it in the run panel."""

from __future__ import annotations

import asyncio
from pathlib import Path

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
    def run_current(self) -> None:
        tab = self.current_tab()
        if tab is not None:
            asyncio.ensure_future(self.run_tab(tab))

    async def run_tab(self, tab: EditorTab):
        from engine.store.launch import Launcher

        if self.launcher is None:
            self.launcher = Launcher(self.store, self.registry, trigger="editor")
        sub = self.launcher.executor.subscribe()
        self.run_log.appendPlainText(f"▶ {tab.doc.name}")
        self.actionStop.setEnabled(True)
        base = self.store.base_dir(tab.doc.workflow_id) if tab.doc.workflow_id else Path.cwd()
        job = asyncio.ensure_future(self.launcher.run_document(tab.doc.workflow(), base_dir=base, use_pins=True))

        async def follow():
            async for ev in sub:
                if ev.kind == "node_finished":
                    where = "".join(f"[{i}]" for i in ev.iteration)
                    line = f"  {ev.node_id}{where}: {ev.status} ({ev.duration_ms:.1f} ms)"
                    self.run_log.appendPlainText(line + (f" — {ev.error}" if ev.error else ""))
        follower = asyncio.ensure_future(follow())
        try:
            result = await job
        except Exception as e:  # noqa: BLE001 - an invalid graph is reported, not raised into Qt
            self.run_log.appendPlainText(f"■ not run: {e}")
            result = None
        sub.close()
        await follower
        self.actionStop.setEnabled(False)
        if result is not None:
            from engine.values import summarize

            outs = ", ".join(f"{k} = {summarize(v)}" for k, v in result.outputs.items())
            self.run_log.appendPlainText(f"■ {result.status} in {result.duration_ms:.0f} ms — {outs}")
        return result

    def run_selected_node(self) -> None:
        tab = self.current_tab()
        ids = tab.scene.selected_node_ids() if tab else []
        if len(ids) != 1:
            self.statusBar().showMessage("Select one node to run it", 5000)
            return
        asyncio.ensure_future(self.run_node(tab, ids[0]))

    async def run_node(self, tab: EditorTab, node_id: str):
        """Run one node with its upstream (cached where it can be); show its outputs."""
        from PIL import Image

        from engine.store.launch import Launcher
        from engine.values import summarize

        if self.launcher is None:
            self.launcher = Launcher(self.store, self.registry, trigger="editor")
        sub = self.launcher.executor.subscribe()
        base = self.store.base_dir(tab.doc.workflow_id) if tab.doc.workflow_id else Path.cwd()
        self.run_log.appendPlainText(f"▶ {node_id} (with what it depends on)")
        try:
            result = await self.launcher.run_document(upstream_workflow(tab.doc, node_id), base_dir=base,
                                                      use_pins=True)
        except Exception as e:  # noqa: BLE001 - an invalid selection is reported, not raised into Qt
            sub.close()
            self.run_log.appendPlainText(f"■ not run: {e}")
            return None
        sub.close()
        mine = [ev for ev in sub.drain() if ev.kind == "node_finished" and ev.node_id == node_id]
        if not mine:
            self.run_log.appendPlainText(f"■ {result.status}: {result.error or 'the node did not run'}")
            return result
        ev = mine[-1]
        outputs = {k: await self._real(v) for k, v in ev.outputs.items()}
        shown = ", ".join(f"{k} = {summarize(v)}" for k, v in outputs.items()) or "no outputs"
        self.run_log.appendPlainText(f"■ {node_id}: {ev.status} — {shown}" + (f" — {ev.error}" if ev.error else ""))
        image = next((v for v in outputs.values() if isinstance(v, Image.Image)), None)
        if image is not None:
            self.show_preview(image)
        self.last_node_outputs = outputs
        return result

    async def _real(self, value):
        """A cached output's value, read off the loop."""
        from engine.cache import LazyValue

        if type(value) is not LazyValue:
            return value
        return await asyncio.get_running_loop().run_in_executor(None, value.get)

    def show_preview(self, image) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QImage, QPixmap

        rgba = image.convert("RGBA")
        self.preview_image = QImage(rgba.tobytes(), rgba.width, rgba.height, QImage.Format.Format_RGBA8888).copy()
        pixmap = QPixmap.fromImage(self.preview_image)
        self.preview.setPixmap(pixmap.scaled(self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))
        self.preview.setToolTip(f"{image.width}×{image.height} {image.mode}")
        self.preview_dock.raise_()

    def stop_run(self) -> None:
        handle = getattr(self.launcher, "handle", None)
        if handle is not None:
            handle.cancel()

