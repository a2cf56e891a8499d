"""Engine events as Qt signals: the GUI's subscriber of the executor.

A task on the qasync loop drains the executor's subscription and emits one signal per event (the events are
the engine's own immutable objects). It never blocks the run: the subscription's buffer is bounded and the
executor never waits for it.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QObject, Signal

__all__ = ["RunBridge"]


class RunBridge(QObject):
    event = Signal(object)      # every engine event, in order

    def __init__(self, executor, parent=None):
        super().__init__(parent)
        self.sub = executor.subscribe(maxsize=100_000)
        self._task = asyncio.ensure_future(self._pump())

    async def _pump(self) -> None:
        emit = self.event.emit
        async for ev in self.sub:
            emit(ev)

    async def close(self) -> None:
        self.sub.close()
        await self._task
