"""A run of a service as JSON once it is recorded: the one shape of a run (:func:`engine.store.run_json`) read
off the loop. (An event as JSON: :func:`engine.events.event_to_json`.)"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ..store import run_json

if TYPE_CHECKING:  # pragma: no cover
    from .service import RunService

__all__ = ["recorded_run_json"]


async def recorded_run_json(service: "RunService", run_id: str, nodes: bool = True) -> dict:
    """A run of ``service`` as JSON once its record is written and on disk, read off the loop — while the disk
    syncs (:meth:`RunRecorder.committed`): the run need only have ended (``await handle.ended()``)."""
    recorder = service.recorder
    await recorder.committed(run_id)
    runs = service.store.runs

    def read() -> dict:
        if nodes:
            return run_json(*runs.with_nodes(run_id))
        return run_json(runs.get(run_id))

    answer = await asyncio.to_thread(read) if service.executor is None else await service.run_blocking(read)
    await recorder.recorded(run_id)
    return answer
