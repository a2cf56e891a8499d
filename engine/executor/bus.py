"""Subscriptions: bounded per-subscriber buffers, so a slow subscriber never slows a run.

The executor pushes each event into every subscription with a plain ``deque.append``; it never awaits a
subscriber. When a buffer is full, ``node_progress`` events are dropped first (they are superseded by the
next one anyway); otherwise the oldest event is dropped. Either way ``dropped`` counts it, and the gap is
visible in the per-run ``seq`` numbers.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Callable

from ..events import Event, NodeProgress

__all__ = ["Subscription"]


class Subscription:
    """An async iterator of events. ``close()`` ends the iteration after the buffered events."""

    __slots__ = ("_buf", "maxsize", "run_id", "dropped", "_waiter", "_closed", "_on_close", "_loop")

    def __init__(self, maxsize: int = 10_000, run_id: str | None = None,
                 on_close: Callable[["Subscription"], None] | None = None):
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._buf: deque = deque()
        self.maxsize = maxsize
        self.run_id = run_id
        self.dropped = 0
        self._waiter: asyncio.Future | None = None
        self._closed = False
        self._on_close = on_close
        # the loop it is read on, kept: a reader resumed while a Qt loop (qasync) processes events with no
        # running loop set must still be able to wait
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None

    def push(self, ev: Event) -> None:
        buf = self._buf
        if len(buf) >= self.maxsize:
            self.dropped += 1
            if type(ev) is NodeProgress:
                return
            buf.popleft()
        buf.append(ev)
        w = self._waiter
        if w is not None:
            self._waiter = None
            if not w.done():
                w.set_result(None)

    def drain(self) -> list[Event]:
        """Everything buffered now, without waiting."""
        items = list(self._buf)
        self._buf.clear()
        return items

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._on_close is not None:
            self._on_close(self)
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    @property
    def closed(self) -> bool:
        return self._closed

    def __aiter__(self) -> "Subscription":
        return self

    async def __anext__(self) -> Event:
        while not self._buf:
            if self._closed:
                raise StopAsyncIteration
            if self._loop is None:
                self._loop = asyncio.get_running_loop()
            self._waiter = self._loop.create_future()
            await self._waiter
        return self._buf.popleft()

    async def ready(self, timeout: float) -> None:
        """Until an event is buffered, the subscription is closed, :meth:`wake` is called or ``timeout`` seconds
        pass (a reader that also watches something else: no task of its own per wait)."""
        if self._buf or self._closed:
            return
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        w = self._waiter = self._loop.create_future()
        timer = self._loop.call_later(timeout, _wake, w)
        try:
            await w
        finally:
            timer.cancel()
            if self._waiter is w:
                self._waiter = None

    def wake(self) -> None:
        """End a :meth:`ready` wait now."""
        w = self._waiter
        if w is not None:
            _wake(w)

    async def get(self) -> Event:
        try:
            return await self.__anext__()
        except StopAsyncIteration:
            raise EOFError("subscription closed") from None

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _wake(w: asyncio.Future) -> None:
    if not w.done():
        w.set_result(None)
