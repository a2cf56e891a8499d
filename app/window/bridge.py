"""Engine events as Qt signals: the GUI's subscriber of the run service.

A task on the qasync loop drains a subscription of the run service and emits one signal per event (the events are
the engine's own immutable objects). It never blocks the run: the subscription's buffer is bounded and the
executor never waits for it.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QObject, Signal

__all__ = ["RunBridge"]


class RunBridge(QObject):
    event = Signal(object)      # every engine event, in order

    def __init__(self, subscription, parent=None):
        super().__init__(parent)
        self.sub = subscription
        self._task = asyncio.ensure_future(self._pump())

    async def _pump(self) -> None:
        emit = self.event.emit
        async for ev in self.sub:
            emit(ev)

    async def close(self) -> None:
        self.sub.close()
        await self._task
