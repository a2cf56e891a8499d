"""A run's one event stream (SPEC §9), owned by the run service: what is stored first, then what comes, until the
run ends — the server only formats it as SSE or WebSocket messages.

A client may come late (the run finished an hour ago, in another process) or come back (``Last-Event-ID``):
it is sent the stored events after the one it names, then live ones — from this process's executor when the
run runs here, else as the process running it stores them. A subscription is made before the store is read,
so nothing falls between the two. ``seq`` never repeats within a run, across attempts too (a run that starts
again from the queue begins its attempt with ``run_restarted``); every run that ended has its ``run_finished``
stored (the store writes it for runs that end without running on), so a stream only ever sends events that
happened, and one resumed at or past a finished run's end ends at once, sending nothing. Events that pile up
while a client is slow go out in one write; a client that falls further behind than its buffer is told so
(:class:`Overflow`) and dropped — the run never waits for it, and it can come back with ``Last-Event-ID``.
A stream ends when ``closing`` is set (:class:`Closing`).
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

from ..errors import Closing, Overflow
from ..events import ATTEMPT_SEQ, RunFinished, event_to_json
from ..store.runs import RUN_FINISHED
from ..store.watch import CommitWatch
from ..values import json_text

__all__ = ["run_events", "check_run", "Batch", "StoreChanges"]

#: events sent together: ``(seq, kind, json text)`` each
Batch = list[tuple[int, str, str]]

POLL_S = 0.25        # how often, at the most rarely, a run running elsewhere is looked for in the store
FIRST_POLL_S = 0.02  # the first look (then twice as long each time nothing is found, up to POLL_S)
FLOW_POLL_S = 0.05   # the next look after one that found events (they come in the other process's batches)
CHANGES_S = 0.01     # how often streams of runs elsewhere ask whether another connection committed
GAP_WAIT_S = 1.0     # how long events emitted just before subscribing may take to be stored
PAGE = 1000




def _encode(ev) -> tuple[int, str, str]:
    return ev.seq, ev.kind, json_text(event_to_json(ev))


def _stored(d: dict) -> tuple[int, str, str]:
    return d["seq"], d["kind"], json_text(d)


async def check_run(service, run_id: str) -> None:
    """NotFound unless the run exists (running here, or stored). A stored run whose process is gone is settled
    first (interrupted, or queued again: SPEC §6a), so its stream follows what happens to it next at once. A run
    that ended here a moment ago is written first (its row and events may still be on their way to the store:
    the stream would find nothing, and wait for its next look)."""
    if service.handle(run_id) is None:
        await _ended_here(service, run_id)
        store = service.store
        await service.run_blocking(lambda: (store.reconcile(), store.runs.get(run_id)))


class StoreChanges:
    """Wakes the streams of runs not running here whenever another connection commits (their events are written
    by another process's recorder, a batch every ~20 ms): one look at SQLite's ``data_version`` every CHANGES_S on
    the loop, only while such streams wait (:class:`~engine.store.watch.CommitWatch`)."""

    def __init__(self, path):
        self.path = path
        self.subs: set = set()
        self._task: asyncio.Task | None = None

    def follow(self, sub) -> None:
        self.subs.add(sub)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._watch(), name="nodeloom-store-changes")

    def leave(self, sub) -> None:
        self.subs.discard(sub)

    async def _watch(self) -> None:
        try:
            watch = CommitWatch(self.path)
        except Exception:  # noqa: BLE001 - the streams then look at the store at their own pace
            return
        try:
            while self.subs:
                await asyncio.sleep(CHANGES_S)
                if watch.changed():
                    for sub in list(self.subs):
                        sub.wake()
        finally:
            watch.close()


async def _ended_here(service, run_id: str) -> None:
    """A run of this process that ended a moment ago: until its records are written (at most GAP_WAIT_S), so that
    the store has its row and every event — they are not live any more."""
    handle = service.handle(run_id)
    if handle.done() if handle is not None else run_id in service.launcher.origins:
        try:
            async with asyncio.timeout(GAP_WAIT_S):
                await service.recorder.recorded(run_id)
        except TimeoutError:
            pass


async def run_events(service, run_id: str, after: int, closing: asyncio.Event,
                     buffer: int = 10_000) -> AsyncIterator[Batch]:
    """Batches of ``(seq, kind, json)`` with ``seq > after``, ending after ``run_finished``. Raises Overflow, and
    Closing when ``closing`` is set."""
    store = service.store
    sub = service.subscribe(run_id, maxsize=buffer)
    closed = asyncio.ensure_future(closing.wait())
    closed.add_done_callback(lambda _: sub.wake())
    last = after
    try:
        await _ended_here(service, run_id)  # (subscribed first: what it emits from now on comes live)
        while True:  # what is stored already
            page = [_stored(d) for d in await service.run_blocking(store.events.after, run_id, last, PAGE)]
            if page:
                last = page[-1][0]
                yield page
                if page[-1][1] == "run_finished":
                    return
            if len(page) < PAGE:
                break
        if service.handle(run_id) is None:  # resumed at or past the end of a run that ended: nothing more
            info = await service.run_blocking(store.runs.get, run_id)
            if info.status in RUN_FINISHED and not await service.run_blocking(store.events.after, run_id, last, 1):
                return
        wait = FIRST_POLL_S
        while True:
            if closing.is_set():
                raise Closing
            if sub.dropped:
                raise Overflow(f"the client fell more than {buffer} events behind")
            live = sub.drain()
            if not live:
                if service.handle(run_id) is None:  # (not running here: its events come through the store)
                    service.changes.follow(sub)
                await sub.ready(wait)  # (an event, a commit elsewhere, the end, closing, or the next look's time)
                if closing.is_set():
                    raise Closing
                live = sub.drain()  # (what came, with whatever came with it: one batch)
                if not live and sub.closed:
                    return
                if not live:  # nothing live: the run may run in another process, or have ended without events here
                    wait = min(wait * 2, POLL_S)
                    try:
                        async for page in _poll(service, run_id, last):
                            last = page[-1][0]
                            wait = FLOW_POLL_S
                            yield page
                            if page[-1][1] == "run_finished":
                                return
                    except EOFError:  # it ended, and its end was sent already
                        return
                    continue
            live = [ev for ev in live if ev.seq > last]
            if live and live[0].seq > last + 1:  # emitted before we subscribed, not stored yet when read (or,
                # when the first live event begins an attempt, the earlier attempt's stored tail: no wait)
                first_of_attempt = (live[0].seq - 1) % ATTEMPT_SEQ == 0
                missing = await _wait_stored(service, run_id, last, live[0].seq - 1, wait=not first_of_attempt)
                if missing:
                    last = missing[-1][0]
                    yield missing
            if live:
                batch = []
                for ev in live:
                    if isinstance(ev, RunFinished):  # its outputs are encoded (images): off the loop — and what
                        if batch:                    # came before it is sent first, not held while that goes on
                            last = batch[-1][0]
                            yield batch
                            batch = []
                        batch.append(await service.run_blocking(_encode, ev))
                    else:
                        batch.append(_encode(ev))
                last = batch[-1][0]
                yield batch
                if batch[-1][1] == "run_finished":
                    return
    finally:
        service.changes.leave(sub)
        sub.close()
        closed.cancel()


async def _poll(service, run_id: str, last: int):
    """Stored events after ``last`` (a run running in another process stores them as they happen). A run that has
    ended with nothing stored after ``last`` has been sent to its end already: the stream then ends (EOFError)."""
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
        if page:  # (stored between the two reads)
            yield page
            return
        raise EOFError


async def _wait_stored(service, run_id: str, last: int, upto: int, wait: bool = True) -> list:
    """The stored events in (last, upto], waiting up to GAP_WAIT_S for the last of them to be stored."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GAP_WAIT_S
    while True:
        page = [_stored(d) for d in await service.run_blocking(service.store.events.after, run_id, last,
                                                                min(upto - last, PAGE))]
        page = [p for p in page if p[0] <= upto]
        if (page and page[-1][0] >= upto) or not wait or loop.time() > deadline:
            return page
        await asyncio.sleep(0.02)

