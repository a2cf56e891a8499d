"""The window's asyncio loop: qasync's, with timers that never fire early.

qasync starts each ``call_later`` timer with Qt's default *coarse* timer type, which may fire up to 5 % before
its time (and rounds the delay down to whole milliseconds): a Delay block of 10 s ended after 9.7 s, and a
node's timeout would strike early. Here every timer is a precise one, of at least its delay, rounded up.
"""

from __future__ import annotations

import math

import qasync
from PySide6.QtCore import Qt

__all__ = ["EventLoop"]


class _PreciseTimer(qasync._SimpleTimer):  # (qasync keeps this class private; its one method is replaced)
    def add_callback(self, handle, delay=0):
        timer_id = self.startTimer(math.ceil(max(0.0, delay) * 1000), Qt.TimerType.PreciseTimer)
        self._SimpleTimer__callbacks[timer_id] = handle
        return handle


class EventLoop(qasync.QEventLoop):
    """``asyncio.Runner(loop_factory=EventLoop)``: the qasync loop the window runs on."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._timer.stop()
        self._timer = _PreciseTimer()
