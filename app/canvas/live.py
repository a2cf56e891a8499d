"""How a run's state is painted on the canvas — the canvas owns it; the window only says what to show:

- :class:`LiveRun`: one run's engine events become node colours, progress rings, durations, thumbnails and lit
  links as they arrive;
- :func:`show_node_runs`: a stored run's node runs (a past run, or a run of another process read from the
  store) shown the same way;
- :func:`clear` and :func:`mark_problems`: statuses taken off, and problems found before a run marked.

Thumbnails are made off the GUI thread (decoding a cached image and scaling it can take tens of ms for a
large picture); only the final small QImage → QPixmap step happens on the GUI thread.
"""

from __future__ import annotations

import asyncio

from PIL import Image
from PySide6.QtGui import QImage, QPixmap

from engine.errors import CorruptEntry
from engine.runs import NodeFinished, NodeProgress, NodeRetrying, NodeStarted, RunFinished, read_value

from ..look import NODE_WIDTH, THUMB

__all__ = ["LiveRun", "thumbnail_image", "show_node_runs", "clear", "mark_problems"]


def thumbnail_image(value) -> QImage | None:
    """A small QImage of an image value, or of one stored in the cache (in a worker thread); None when it is not a
    picture, or a stored one cannot be read any more (its file changed since, the entry was damaged)."""
    try:
        value = read_value(value)
    except CorruptEntry:
        return None
    if not isinstance(value, Image.Image):
        return None
    scale = min((NODE_WIDTH - 12) / value.width, THUMB / value.height, 1.0)
    size = (max(1, round(value.width * scale)), max(1, round(value.height * scale)))
    # resize (with reducing_gap) reads the big picture once; thumbnail() would first need a copy of it
    rgba = value.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0).convert("RGBA")
    return QImage(rgba.tobytes(), rgba.width, rgba.height, QImage.Format.Format_RGBA8888).copy()


def clear(scene, node_ids=None, thumbnails: bool = False) -> None:
    """No run status on these nodes (default: all), and no thumbnail when ``thumbnails``."""
    for nid, item in scene.node_items.items():
        if node_ids is None or nid in node_ids:
            if item.status is not None:
                item.set_status(None)
            if thumbnails and item.thumbnail is not None:
                item.set_thumbnail(None)


def mark_problems(scene, by_node: dict[str, list[str]]) -> None:
    """Problems found before a run: a warning badge on each node named, its messages in the tooltip."""
    for nid, messages in by_node.items():
        item = scene.node_items.get(nid)
        if item is not None:
            item.set_status("invalid", error="\n".join(messages))


def show_node_runs(scene, node_runs, blocking, outputs_of=None, *, thumbnails: bool = True) -> list:
    """A stored run on the canvas: each node's status, duration and error from its latest top-level node run
    (nodes without one show nothing), and — with ``outputs_of(output_ref)`` giving stored outputs — a thumbnail
    of its image output. Returns the thumbnail futures."""
    latest = {}
    for nr in node_runs:
        if not nr.iteration:
            latest[nr.node_id] = nr
    pending = []
    for nid, item in scene.node_items.items():
        nr = latest.get(nid)
        status = nr.status if nr else None
        if (item.status, item.duration_ms, item.error) != (status, nr.duration_ms if nr else None,
                                                           nr.error if nr else None):
            item.set_status(status, duration_ms=nr.duration_ms if nr else None, error=nr.error if nr else None)
        if not thumbnails:
            continue
        if item.thumbnail is not None:
            item.set_thumbnail(None)
        if nr and nr.output_ref and outputs_of is not None:
            outputs = outputs_of(nr.output_ref) or {}
            port = next((p for p in outputs if item.port_type("out", p) == "image"), None)
            if port is not None:
                pending.append(asyncio.ensure_future(_thumbnail(scene, blocking, nid, outputs[port])))
    return pending


async def _thumbnail(scene, blocking, node_id: str, value, current=None) -> None:
    image = await blocking(thumbnail_image, value)
    item = scene.node_items.get(node_id)
    if image is not None and item is not None and (current is None or current()):
        item.set_thumbnail(QPixmap.fromImage(image))


class LiveRun:
    """Applies one run's events to a scene. A live preview run (``current`` given) paints only while it is the
    newest one — ``current()`` says so: a superseded run's events and thumbnails never show — and lightly: a node
    that shows this result already keeps it when the run finds it cached."""

    def __init__(self, scene, run_id: str, blocking, *, tab=None, from_outside: bool = False, current=None):
        self.scene = scene
        #: runs a function off the GUI thread: the run service's pool (never the loop's default executor,
        #: which quitting would wait for)
        self.blocking = blocking
        self.run_id = run_id
        self.tab = tab                    # what the run shows on (the window's tab holding ``scene``)
        self.from_outside = from_outside  # started elsewhere (HTTP, the queue, a trigger): its end is said
        self.done = asyncio.get_running_loop().create_future()
        self.pending: list[asyncio.Future] = []   # thumbnails being made
        self.current = current                    # live preview: whether this run is still the newest
        self.finished: dict[str, int] = {}        # how many times each node has ended so far (its iterations)

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

    def apply(self, ev, *, shown: bool = False) -> None:
        """``shown``: the node shows this result already (live preview: the outputs it keeps are still good), so
        its thumbnail stays when the run finds it cached; one made stale by an edit (an Undo back to an earlier
        value, a restore) gets the cached result's picture."""
        if self.current is not None and not self.current():
            if isinstance(ev, RunFinished) and not self.done.done():
                self.done.set_result(ev)
            return
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
            item = self.scene.node_items.get(ev.node_id)
            # the node's picture is the one of its latest end (a thumbnail still being made for an earlier
            # iteration of its loop never lands after it); a failed node shows none (SPEC §8: the screen never lies)
            finished = self.finished[ev.node_id] = self.finished.get(ev.node_id, 0) + 1
            if ev.status == "failed" and item is not None and item.thumbnail is not None:
                item.set_thumbnail(None)
            if not (self.current is not None and ev.status == "cached" and item is not None
                    and item.status in ("succeeded", "cached")):
                self._show(ev.node_id, ev.status, duration_ms=ev.duration_ms, error=ev.error)
                went_on = ev.outputs.get("error") if ev.status == "succeeded" else None
                if item is not None and isinstance(went_on, dict):  # (a loop that went on past failed items)
                    item.set_note(str(went_on.get("message", "")))
            if ev.status in ("succeeded", "cached", "bypassed"):  # (a bypassed node hands its inputs on)
                for eid in self.scene._adjacent.get(ev.node_id, ()):
                    edge = self.scene.doc.edges.get(eid)
                    if edge is not None and edge.source == ev.node_id and edge.source_port in ev.outputs:
                        self.scene.edge_items[eid].set_active(True)
                item = self.scene.node_items.get(ev.node_id)
                image = next((v for p, v in ev.outputs.items() if isinstance(v, Image.Image) or
                              (item is not None and item.port_type("out", p) == "image")), None)
                kept = (shown and self.current is not None and ev.status == "cached" and item is not None
                        and item.thumbnail is not None)
                if image is not None and not kept:  # (live: a cached node's thumbnail is the one it shows)
                    self.pending.append(asyncio.ensure_future(_thumbnail(
                        self.scene, self.blocking, ev.node_id, image, self._latest(ev.node_id, finished))))
        elif isinstance(ev, RunFinished):
            for nid, item in self.scene.node_items.items():
                if item.status == "queued":  # never reached (the run failed or was stopped first)
                    self._show(nid, None)
            if not self.done.done():
                self.done.set_result(ev)

    def _latest(self, node_id: str, finished: int):
        """Whether a thumbnail made for the ``finished``-th end of ``node_id`` may still show."""
        current = self.current
        return lambda: self.finished.get(node_id) == finished and (current is None or current())

    def abandon(self) -> None:
        """Its scene is going away (the tab closed): nobody waits for it any more."""
        if not self.done.done():
            self.done.set_result(None)

    async def settled(self) -> None:
        """The run has finished and its thumbnails are on the canvas."""
        await self.done
        if self.pending:
            await asyncio.gather(*self.pending, return_exceptions=True)

