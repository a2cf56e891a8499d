"""A run the service started: its id, its events, its result (once recorded), and a way to stop it."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, NamedTuple

from ..executor import Execution, RunResult, Subscription

if TYPE_CHECKING:  # pragma: no cover
    from .recorder import RunRecorder

__all__ = ["RunHandle", "LiveHandle", "Origin", "NO_ORIGIN"]


class Origin(NamedTuple):
    """Where a run of this process comes from: its stored workflow, trigger, and a never-saved tab's draft id."""

    workflow_id: str | None
    trigger: str | None
    draft_id: str | None


NO_ORIGIN = Origin(None, None, None)


class RunHandle:
    """Returned at once by :meth:`RunService.start` and :meth:`RunService.replay`.

    ``events`` is a subscription to this run's events from its very first (``run_queued``), or None when the
    run was started with ``events=False``. ``await handle.result()`` (or ``await handle``) returns the
    :class:`RunResult` once the run's record is written; waiting can be given up without stopping the run —
    only :meth:`cancel` stops it (within a second, SPEC §6). A run that is not recorded (live preview) has no
    recorder: its result comes as the run ends."""

    __slots__ = ("run_id", "events", "_execution", "_recorder")

    def __init__(self, run_id: str, execution: Execution, events: Subscription | None,
                 recorder: "RunRecorder | None"):
        self.run_id = run_id
        self.events = events
        self._execution = execution
        self._recorder = recorder

    async def result(self) -> RunResult:
        result = await asyncio.shield(self._execution.task)
        if self._recorder is not None:
            await self._recorder.recorded(self.run_id)
        return result

    async def ended(self) -> RunResult:
        """The :class:`RunResult` as the run ends, before its record is written (see :meth:`result`)."""
        return await asyncio.shield(self._execution.task)

    def __await__(self):
        return self.result().__await__()

    def cancel(self) -> None:
        self._execution.cancel()

    def done(self) -> bool:
        return self._execution.done()

    def __repr__(self) -> str:
        return f"<RunHandle {self.run_id} {'done' if self.done() else 'running'}>"


class LiveHandle(RunHandle):
    """A live preview run's handle (:meth:`engine.runs.Launcher.live`): a run handle that also says which nodes
    the run held — node id → the node acting on the world that holds it."""

    __slots__ = ("held",)

    def __init__(self, handle: RunHandle, held: dict[str, str]):
        super().__init__(handle.run_id, handle._execution, handle.events, handle._recorder)
        self.held = held
