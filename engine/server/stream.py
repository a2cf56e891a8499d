"""A run's events for a stream (SSE or WebSocket): what is stored first, then what comes, until it ends.

A client may come late (the run finished an hour ago, in another process) or come back (``Last-Event-ID``):
it is sent the stored events after the one it names, then live ones — from this process's executor when the
run runs here, else as the process running it stores them. A subscription is made before the store is read,
so nothing falls between the two. Events that pile up while a client is slow go out in one write; a client
that falls further behind than its buffer is told so (``overflow``) and dropped — the run never waits for it,
and it can come back with ``Last-Event-ID``. Every stream ends when the server is closing.
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

from ..executor.events import RunFinished, event_to_json
from ..store.runs import RUN_FINISHED
from ..values import json_text

__all__ = ["run_events", "check_run", "Overflow", "Closing"]

POLL_S = 0.25        # how often a run running elsewhere is looked for in the store
GAP_WAIT_S = 1.0     # how long events emitted just before subscribing may take to be stored
PAGE = 1000


class Overflow(Exception):
    """The client fell further behind than its buffer: it is dropped (it may resume with Last-Event-ID)."""


class Closing(Exception):
    """The server is closing."""


def _encode(ev) -> tuple[int, str, str]:
    return ev.seq, ev.kind, json_text(event_to_json(ev))


def _stored(d: dict) -> tuple[int, str, str]:
    return d["seq"], d["kind"], json_text(d)


async def check_run(service, run_id: str) -> None:
    """NotFound unless the run exists (running here, or stored)."""
    if service.handle(run_id) is None:
        await service.run_blocking(service.store.runs.get, run_id)


async def run_events(service, run_id: str, after: int, closing: asyncio.Event,
                     buffer: int = 10_000) -> AsyncIterator[list[tuple[int, str, str]]]:
    """Batches of ``(seq, kind, json)`` with ``seq > after``, ending after ``run_finished``. Raises Overflow, and
    Closing when ``closing`` is set."""
    store = service.store
    sub = service.subscribe(run_id, maxsize=buffer)
    closed = asyncio.ensure_future(closing.wait())
    got: asyncio.Future | None = None
    last = after
    try:
        while True:  # what is stored already
            page = [_stored(d) for d in await service.run_blocking(store.events.after, run_id, last, PAGE)]
            if page:
                last = page[-1][0]
                yield page
                if page[-1][1] == "run_finished":
                    return
            if len(page) < PAGE:
                break
        while True:
            if closing.is_set():
                raise Closing
            if sub.dropped:
                raise Overflow(f"the client fell more than {buffer} events behind")
            live = sub.drain()
            if not live:
                if got is None:
                    got = asyncio.ensure_future(sub.get())
                done, _ = await asyncio.wait({got, closed}, timeout=POLL_S, return_when=asyncio.FIRST_COMPLETED)
                if got in done:
                    try:
                        live = [got.result(), *sub.drain()]  # with whatever came with it, in one batch
                    except EOFError:
                        return
                    finally:
                        got = None
                elif closed in done:
                    raise Closing
                else:  # nothing live: the run may run in another process, or have ended without events here
                    async for page in _poll(service, run_id, last):
                        last = page[-1][0]
                        yield page
                        if page[-1][1] == "run_finished":
                            return
                    continue
            live = [ev for ev in live if ev.seq > last]
            if live and live[0].seq > last + 1:  # emitted before we subscribed, not stored yet when read
                missing = await _wait_stored(service, run_id, last, live[0].seq - 1)
                if missing:
                    last = missing[-1][0]
                    yield missing
            if live:
                batch = []
                for ev in live:
                    if isinstance(ev, RunFinished):  # its outputs are encoded (images): off the loop
                        batch.append(await service.run_blocking(_encode, ev))
                    else:
                        batch.append(_encode(ev))
                last = batch[-1][0]
                yield batch
                if batch[-1][1] == "run_finished":
                    return
    finally:
        sub.close()
        closed.cancel()
        if got is not None:
            got.cancel()


async def _poll(service, run_id: str, last: int):
    """Stored events after ``last``; or, for a run that ended without a stored ``run_finished`` (cancelled while
    queued, interrupted by a crash), one made from its record."""
    store = service.store
    page = [_stored(d) for d in await service.run_blocking(store.events.after, run_id, last, PAGE)]
    if page:
        yield page
        return
    if service.handle(run_id) is not None:
        return
    info = await service.run_blocking(store.runs.get, run_id)
    if info.status in RUN_FINISHED:
        page = [_stored(d) for d in await service.run_blocking(store.events.after, run_id, last, PAGE)]
        yield page or [_final(info, last + 1)]  # (stored between the two reads, or never)


def _final(info, seq: int) -> tuple[int, str, str]:
    d = {"run_id": info.id, "seq": seq, "ts": info.finished_at or info.created_at, "status": info.status,
         "outputs": info.outputs or {}, "error": info.error, "duration_ms": info.duration_ms or 0.0,
         "kind": "run_finished"}
    return seq, "run_finished", json_text(d)


async def _wait_stored(service, run_id: str, last: int, upto: int) -> list:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GAP_WAIT_S
    while True:
        page = [_stored(d) for d in await service.run_blocking(service.store.events.after, run_id, last, upto - last)]
        page = [p for p in page if p[0] <= upto]
        if (page and page[-1][0] >= upto) or loop.time() > deadline:
            return page
        await asyncio.sleep(0.02)

