"""What a block sees while it runs: the executor's implementation of :class:`engine.blocks.BlockContext`."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Hashable, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from .state import RunState

__all__ = ["NodeContext"]

T = TypeVar("T")
log = logging.getLogger("nodeloom.node")


class NodeContext:
    """Per node attempt. Safe to call ``progress``/``preview``/``log`` from a ``run_blocking`` worker thread."""

    __slots__ = ("_run", "node_id", "iteration", "loop", "attempt")

    def __init__(self, run: "RunState", node_id: str, iteration: tuple[int, ...], loop: dict | None, attempt: int = 1):
        self._run = run
        self.node_id = node_id
        self.iteration = iteration
        self.loop = loop
        self.attempt = attempt

    @property
    def run_id(self) -> str:
        return self._run.run_id

    @property
    def inputs(self) -> dict[str, Any]:
        """The workflow's run inputs (used by ``input`` nodes)."""
        return self._run.inputs

    @property
    def policy(self):
        """What the run service allows this run (fixed when the run started)."""
        return self._run.policy

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths resolve against: the workflow file's folder, else the working folder."""
        return self._run.base_dir

    def resolve_path(self, path: str) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else self._run.base_dir / p

    def scope(self, data: Any) -> dict:
        """Names visible to templates and expressions: ``data``, and ``loop`` inside a ForEach body."""
        return {"data": data, "loop": self.loop} if self.loop is not None else {"data": data}

    def _on_loop(self, fn: Callable, *args: Any) -> None:
        run = self._run
        if threading.get_ident() == run.thread_id:
            fn(*args)
        else:
            run.loop.call_soon_threadsafe(fn, *args)

    def progress(self, fraction: float | None, message: str = "") -> None:
        if fraction is not None:
            fraction = min(1.0, max(0.0, float(fraction)))
        self._on_loop(self._run.emit_progress, self.node_id, self.iteration, fraction, message, None)

    def preview(self, image: Any, message: str = "") -> None:
        """Offer an image as this node's live preview; the reference travels in ``node_progress``."""
        self._on_loop(self._run.set_preview, self.node_id, self.iteration, image, message)

    def log(self, message: str) -> None:
        log.info("[%s %s] %s", self._run.run_id[:8], self.node_id, message)

    def emit_output(self, name: str, value: Any) -> None:
        """Set a workflow output (used by ``output`` nodes)."""
        self._run.outputs[name] = value

    async def sub_workflow(self, ref: str, version: int | None, data: dict, *, mode: str,
                           timeout_s: float) -> dict[str, Any]:
        """Run a stored workflow as a child of this run (see :class:`engine.runs.children.ChildRuns`)."""
        from ..errors import BlockError

        if self._run.children is None:
            raise BlockError("sub_workflow runs stored workflows: run this workflow from the editor, "
                             "`nodeloom run` or the server, which have the store")
        return await self._run.children.run(self, ref, version, data, mode=mode, timeout_s=timeout_s)

    def once(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` the first time the run asks for ``key``, the same value after (a loop's items asking for
        what is the same for all of them: a model file's hash). Kept for the run only."""
        values = getattr(self._run, "once_values", None)
        if values is None:
            return compute()
        if key not in values:
            values[key] = compute()
        return values[key]

    @property
    def lineage(self) -> tuple[str, ...]:
        return self._run.lineage

    async def run_blocking(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run CPU-heavy ``fn`` in the run's worker pool so the event loop (and the GUI) never stall."""
        call = functools.partial(fn, *args, **kwargs) if kwargs else (functools.partial(fn, *args) if args else fn)
        return await asyncio.get_running_loop().run_in_executor(self._run.pool, call)
