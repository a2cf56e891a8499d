"""Accepting queued runs: concurrent requests are committed together (group commit).

Each ``add()`` waits until its rows are durable. While one transaction is being written, the requests that
arrive meanwhile gather and go in the next one, so a thousand runs accepted at once cost a handful of fsyncs,
not a thousand (SPEC §6a). A request that does not fit a full queue fails alone; the others go in.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from ..errors import QueueFull
from ..store import Store

__all__ = ["Acceptor"]


class Acceptor:
    def __init__(self, store: Store):
        self.store = store
        self._pending: list[tuple[list[dict], int, asyncio.Future]] = []
        self._busy = False
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nodeloom-accept")

    async def add(self, rows: list[dict], limit: int) -> None:
        fut = asyncio.get_running_loop().create_future()
        self._pending.append((rows, limit, fut))
        if not self._busy:
            self._busy = True
            asyncio.ensure_future(self._flush())
        await fut

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                rows = [r for part, _, _ in batch for r in part]
                try:
                    await loop.run_in_executor(self._writer, self._add, rows, min(limit for _, limit, _ in batch))
                    for _, _, fut in batch:
                        fut.done() or fut.set_result(None)
                except QueueFull:  # some may still fit: one transaction each
                    for part, limit, fut in batch:
                        await self._one(loop, part, limit, fut)
                except Exception as e:  # noqa: BLE001 - every waiter hears of it
                    for _, _, fut in batch:
                        fut.done() or fut.set_exception(e)
        finally:
            self._busy = False

    async def _one(self, loop, rows, limit, fut) -> None:
        try:
            await loop.run_in_executor(self._writer, self._add, rows, limit)
        except Exception as e:  # noqa: BLE001
            fut.done() or fut.set_exception(e)
        else:
            fut.done() or fut.set_result(None)

    def _add(self, rows: list[dict], limit: int) -> None:
        self.store.queue.add(rows, limit=limit)

    def close(self) -> None:
        self._writer.shutdown(wait=True)
