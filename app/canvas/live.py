"""A run on the canvas: engine events become node colours, progress rings, durations, thumbnails and lit links.

Thumbnails are made off the GUI thread (decoding a cached image and scaling it can take tens of ms for a
large picture); only the final small QImage → QPixmap step happens on the GUI thread.
"""

from __future__ import annotations

import asyncio

from PIL import Image
from PySide6.QtGui import QImage, QPixmap

from engine.runs import NodeFinished, NodeProgress, NodeRetrying, NodeStarted, RunFinished, read_value

from ..look import NODE_WIDTH, THUMB

__all__ = ["LiveRun", "thumbnail_image"]


def thumbnail_image(value) -> QImage | None:
    """A small QImage of an image value, or of one stored in the cache (in a worker thread)."""
    value = read_value(value)
    if not isinstance(value, Image.Image):
        return None
    scale = min((NODE_WIDTH - 12) / value.width, THUMB / value.height, 1.0)
    size = (max(1, round(value.width * scale)), max(1, round(value.height * scale)))
    # resize (with reducing_gap) reads the big picture once; thumbnail() would first need a copy of it
    rgba = value.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0).convert("RGBA")
    return QImage(rgba.tobytes(), rgba.width, rgba.height, QImage.Format.Format_RGBA8888).copy()


class LiveRun:
    """Applies one run's events to a scene."""

    def __init__(self, scene, run_id: str | None = None, blocking=None):
        self.scene = scene
        #: runs a function off the GUI thread: the run service's pool (never the loop's default executor,
        #: which quitting would wait for)
        self.blocking = blocking
        self.run_id = run_id
        self.done = asyncio.get_running_loop().create_future()
        self.pending: list[asyncio.Future] = []   # thumbnails being made

    def start(self, node_ids=None) -> None:
        """Every node that will take part shows ``queued``."""
        for nid, item in self.scene.node_items.items():
            if node_ids is None or nid in node_ids:
                item.set_status("queued")
        for edge in self.scene.edge_items.values():
            edge.set_active(False)

    def _show(self, node_id: str, status: str, **kw) -> None:
        item = self.scene.node_items.get(node_id)
        if item is None:
            return
        item.set_status(status, **kw)

    def apply(self, ev) -> None:
        if isinstance(ev, NodeStarted):
            self._show(ev.node_id, "running")
        elif isinstance(ev, NodeProgress):
            item = self.scene.node_items.get(ev.node_id)
            if item is not None and ev.fraction is not None:
                item.set_progress(ev.fraction)
        elif isinstance(ev, NodeRetrying):
            item = self.scene.node_items.get(ev.node_id)
            if item is not None:
                item.set_note(f"attempt {ev.attempt} failed: {ev.error}; retrying")
        elif isinstance(ev, NodeFinished):
            self._show(ev.node_id, ev.status, duration_ms=ev.duration_ms, error=ev.error)
            if ev.status in ("succeeded", "cached"):
                for eid in self.scene._adjacent.get(ev.node_id, ()):
                    edge = self.scene.doc.edges.get(eid)
                    if edge is not None and edge.source == ev.node_id and edge.source_port in ev.outputs:
                        self.scene.edge_items[eid].set_active(True)
                item = self.scene.node_items.get(ev.node_id)
                image = next((v for p, v in ev.outputs.items() if isinstance(v, Image.Image) or
                              (item is not None and item.port_type("out", p) == "image")), None)
                if image is not None:
                    self.pending.append(asyncio.ensure_future(self._thumbnail(ev.node_id, image)))
        elif isinstance(ev, RunFinished):
            for nid, item in self.scene.node_items.items():
                if item.status == "queued":  # never reached (the run failed or was stopped first)
                    self._show(nid, None)
            if not self.done.done():
                self.done.set_result(ev)

    async def settled(self) -> None:
        """The run has finished and its thumbnails are on the canvas."""
        await self.done
        if self.pending:
            await asyncio.gather(*self.pending, return_exceptions=True)

    async def _thumbnail(self, node_id: str, value) -> None:
        image = await self.blocking(thumbnail_image, value)
        item = self.scene.node_items.get(node_id)
        if image is not None and item is not None:
            item.set_thumbnail(QPixmap.fromImage(image))

