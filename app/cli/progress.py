"""The CLI's progress display on stderr: an engine subscriber like any other."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from engine.runs import NodeFinished, NodeRetrying, NodeStarted, RunFinished, RunStarted, Subscription

__all__ = ["ProgressBar"]

_WIDTH = 28


class ProgressBar:
    """On a terminal, a bar redrawn in place; otherwise one line per failure or retry and a closing line (which
    counts the bypassed nodes, when there are)."""

    def __init__(self, total: int = 1, stream: TextIO | None = None):
        self.total = max(1, total)  # the run's node count, once it starts
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.finished: set[str] = set()
        self.bypassed: set[str] = set()  # nodes switched off for runs (SPEC §2): the closing line counts them
        self.current = ""
        self._drawn_at = 0.0

    def _draw(self) -> None:
        now = time.monotonic()
        if now - self._drawn_at < 0.05 and len(self.finished) < self.total:
            return  # at most 20 redraws a second
        self._drawn_at = now
        done = len(self.finished)
        filled = int(_WIDTH * done / self.total)
        bar = "█" * filled + "░" * (_WIDTH - filled)
        line = f"\r{bar} {done}/{self.total} {self.current[:40]:<40}"
        self.stream.write(line)
        self.stream.flush()

    def _say(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r" + " " * (_WIDTH + 55) + "\r")
        self.stream.write(text + "\n")
        self.stream.flush()

    def handle(self, ev) -> None:
        if isinstance(ev, RunStarted):
            self.total = max(1, ev.node_count)
        elif isinstance(ev, NodeStarted):
            self.current = f"{ev.node_id} running"
        elif isinstance(ev, NodeFinished):
            self.finished.add(ev.node_id)
            self.current = f"{ev.node_id} {ev.status}"
            if ev.status == "bypassed":
                self.bypassed.add(ev.node_id)
            if ev.status == "failed":
                self._say(f"✗ {_where(ev)}: {ev.error}")
        elif isinstance(ev, NodeRetrying):
            self._say(f"↻ {_where(ev)}: attempt {ev.attempt} failed ({ev.error}); retrying in {ev.delay_s:.2f} s")
        elif isinstance(ev, RunFinished):
            if self.tty:
                self.stream.write("\r" + " " * (_WIDTH + 55) + "\r")
            bypassed = f", {len(self.bypassed)} bypassed" if self.bypassed else ""
            took = "" if ev.duration_ms is None else f" in {ev.duration_ms:.0f} ms"
            looked = (ev.cache_hits or 0) + (ev.cache_misses or 0)
            cache = f", cache {ev.cache_hits}/{looked} hits" if looked else ""
            self.stream.write(f"{ev.status}{took} ({len(self.finished)} nodes{bypassed}{cache})\n")
            self.stream.flush()
            return
        if self.tty:
            self._draw()

    async def follow(self, sub: Subscription) -> None:
        async for ev in sub:
            self.handle(ev)


def _where(ev) -> str:
    """The node, and which item of its loop(s) when it is in one: ``load[3]``, ``crop[1][0]``."""
    return ev.node_id + "".join(f"[{i}]" for i in (ev.iteration or ()))
