"""The run recorder (SPEC §7): a subscriber of the executor's events that writes runs and node runs, one
transaction per batch of events, on its own thread.

``expect()`` tells it, before a run starts, where the run comes from (workflow, version, trigger, owner, …).
A run claimed from the queue already has its row: the recorder updates it instead of inserting one. The
batch is written as soon as a run ends (so ``recorded()`` returns quickly), else after ``COALESCE_S``.

``after_finish`` (the dispatcher's) is called on the writer thread inside the transaction of every batch that
ends runs (with their ids), and what it returns goes to ``on_after_finish`` on the loop: so the queued runs that take the
freed places are claimed in the same transaction.

Group commit (SPEC §7: a run reported finished is on disk): a batch is committed without waiting for the disk
(:meth:`Database.write` ``synced=False``), so the runs claimed with it start at once; when it ended runs, the
writer thread then fsyncs (:meth:`Database.sync`) — meanwhile whoever waits in ``committed()`` reads what was committed — and only
then does ``recorded()`` return for them — one trip
to the writer thread and back for a sync run's whole record. Events that come meanwhile wait and go in the
next batch, with its one fsync: runs that end together share it, and a kill -9 loses nothing committed (it is
in the ``-wal`` file).

What it writes, and how, is the store's (:mod:`engine.store.records`): this module holds no SQL.
"""

from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from ..events import (NodeFinished, NodeRetrying, NodeStarted, RunFinished, RunQueued, RunRestarted, RunStarted,
                      event_to_json)
from ..store import records
from .event_text import event_text
from ..store.db import Database
from ..store.events import MAX_STORED_EVENTS
from ..shapes import has_lone_surrogate
from ..values import json_text, to_json

__all__ = ["RunRecorder", "COALESCE_S"]

log = logging.getLogger(__name__)
COALESCE_S = 0.02
WRITTEN = 10_000  # runs remembered as written, for recorded() called after the fact  # events arriving this soon after one another are written in one transaction
_RUN_LEVEL = (RunRestarted, RunQueued, RunStarted, RunFinished)


_TEXT = json.JSONEncoder(ensure_ascii=False, default=str)  # (built once: json.dumps with options builds one a call)


def _event_json(ev, **encoded) -> str:
    """The event's stored JSON (:func:`engine.events.event_to_json`, reusing what the record already encoded), as
    :func:`engine.values.json_text` writes it (a loop's per-item events: written out directly, :mod:`.event_text`)."""
    text = event_text(ev, encoded.get("outputs"))
    if text is not None:
        return text
    value = event_to_json(ev, **encoded)
    text = _TEXT.encode(value)
    return json_text(value) if has_lone_surrogate(text) else text


class RunRecorder:
    """Writes what the executor reports. Use inside a running event loop."""

    def __init__(self, db: Database, executor):
        self.db = db
        self._meta: dict[str, dict[str, Any]] = {}
        self._node_rows: dict[tuple, int | None] = {}  # started nodes' row ids (None: written whole, this batch)
        self._ends: dict[tuple, Any] = {}  # the batch being written: its node_finished events by node run
        self._rows: list[tuple] = []  # whole node rows not yet inserted
        self._summaries: dict[int, dict] = {}  # outputs summarized for a whole row, for its event's JSON
        self._event_counts: dict[str, int] = {}  # events stored per running run (MAX_STORED_EVENTS)
        self._done: dict[str, asyncio.Future] = {}  # runs someone waits for, until they are written
        self._commit_wait: dict[str, asyncio.Future] = {}  # runs someone waits for, until they are committed
        self._written: dict[str, None] = {}  # the latest runs written (ordered: the oldest go first)
        self._requeueing: set[str] = set()  # runs stopped to go back to the queue: their end is not recorded
        self._skipped: set[str] = set()  # runs that are not recorded at all (live preview), until they end
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nodeloom-recorder")
        self._poke: asyncio.Future | None = None
        self._poked = False  # a run ended since the follower last took a batch (it then does not pause)
        self.after_finish: Callable[[Any, list], Any] | None = None  # (the batch's DBAPI cursor, the runs it ended)
        self.on_after_finish: Callable[[Any], None] | None = None
        self.cache = executor.cache  # (the runs' results: written here, before their records, when deferred)
        self.sub = executor.subscribe(maxsize=1_000_000)
        self._task = asyncio.get_running_loop().create_task(self._follow(), name="nodeloom-run-recorder")

    def expect(self, run_id: str, **meta: Any) -> None:
        """Metadata for a run about to start: workflow_id, version, trigger, mode, priority, replay_of,
        from_node, parent_run_id, owner, draft_id, options, document (the JSON that runs, when it is not a
        stored version), claimed (the row exists: it came from the queue)."""
        self._meta[run_id] = meta

    async def write(self, fn, *args):
        """``fn(*args)`` on the recorder's writer thread: the service's other writes (claiming queued runs) queue
        behind the run records instead of fighting them for SQLite's write lock."""
        return await asyncio.get_running_loop().run_in_executor(self._writer, fn, *args)

    def requeueing(self, run_ids) -> None:
        """These runs are stopped only to go back to the queue (a clean stop of the process running them): their
        ``run_finished`` is neither stored nor written on their row — they have not ended, they start again."""
        self._requeueing.update(run_ids)

    def skip(self, run_id: str) -> None:
        """A run about to start that is not recorded (live preview): its events are passed over."""
        self._skipped.add(run_id)

    def forget(self, run_id: str) -> None:
        """A run that was expected (or skipped) but did not start (refused inputs, an invalid graph)."""
        self._meta.pop(run_id, None)
        self._skipped.discard(run_id)

    async def recorded(self, run_id: str) -> None:
        """Wait until the run's ``run_finished`` is written and on disk."""
        await self._until(self._done, run_id)

    async def committed(self, run_id: str) -> None:
        """Wait until the run's ``run_finished`` is committed — readable by any connection, and on disk once
        :meth:`recorded` returns (which comes after: what is read now is sent only then). A sync run's answer is
        read while the disk syncs."""
        await self._until(self._commit_wait, run_id)

    async def _until(self, waiting: dict, run_id: str) -> None:
        if run_id in self._written:
            return
        fut = waiting.get(run_id)
        if fut is None:
            fut = waiting[run_id] = asyncio.get_running_loop().create_future()
        await asyncio.shield(fut)

    def _on_committed(self, run_ids: list) -> None:
        for run_id in run_ids:
            fut = self._commit_wait.pop(run_id, None)
            if fut is not None and not fut.done():
                fut.set_result(None)

    async def flush(self) -> None:
        """Until what was emitted so far is written (a reader of node runs then sees them all)."""
        self.poke()
        await asyncio.sleep(0)  # (the follower takes the batch to the writer thread; our no-op queues behind it)
        await self.write(lambda: None)

    def poke(self) -> None:
        """A run ended: write what is buffered now rather than after the coalescing pause."""
        self._poked = True  # (also when the follower is writing: its next batch then does not pause)
        if self._poke is not None and not self._poke.done():
            self._poke.set_result(None)

    async def _follow(self) -> None:
        loop = asyncio.get_running_loop()  # kept: no asyncio call below needs a running loop (see bus.py)
        while True:
            try:
                first = await self.sub.get()
            except EOFError:
                return
            if first.run_id in self._skipped:
                self._passed_over(first)
                continue
            if not isinstance(first, RunFinished) and not self._poked:  # gather what follows into one transaction
                self._poke = poke = loop.create_future()
                timer = loop.call_later(COALESCE_S, lambda: poke.done() or poke.set_result(None))
                await poke
                timer.cancel()
                self._poke = None
            self._poked = False
            batch = [first, *self.sub.drain()]
            if self._skipped:
                batch = [ev for ev in batch if ev.run_id not in self._skipped or self._passed_over(ev)]
                if not batch:
                    continue
            ended = [ev.run_id for ev in batch if isinstance(ev, RunFinished)]
            try:
                await loop.run_in_executor(self._writer, self._write_and_sync, batch, ended, loop)
            except Exception:  # noqa: BLE001 - recording must never take the program down
                log.exception("could not record %d run event(s)", len(batch))
            self._on_committed(ended)  # (whoever came after the writer looked: now, with the disk synced)
            for run_id in ended:
                fut = self._done.pop(run_id, None)
                if fut is not None and not fut.done():
                    fut.set_result(None)
                self._written[run_id] = None  # (a later recorded() returns at once)
                if len(self._written) > WRITTEN:
                    del self._written[next(iter(self._written))]

    def _write_and_sync(self, batch: list, ended: list, loop) -> None:
        """On the writer thread: commit ``batch`` (without waiting for the disk); what ``after_finish`` returned
        goes to the loop at once (the queued runs it claimed start now), then, when the batch ended runs, one
        fsync makes it durable — and every batch committed before it — before the loop is told they ended.
        Batches that come meanwhile wait and go together (group commit: one fsync for all of them)."""
        extra = self._write(batch, ended)
        if extra and self.on_after_finish is not None:
            loop.call_soon_threadsafe(self.on_after_finish, extra)
        if ended and any(run_id in self._commit_wait for run_id in ended):  # (read from this thread: a waiter
            loop.call_soon_threadsafe(self._on_committed, ended)           # that comes later is told below)
        if ended:
            try:
                self.db.sync()
            except Exception:  # noqa: BLE001 - recording must never take the program down
                log.exception("could not sync the records of the runs that ended")

    def _passed_over(self, ev) -> bool:
        """An event of a run that is not recorded: nothing to write (False, for the filter)."""
        if isinstance(ev, RunFinished):
            self._skipped.discard(ev.run_id)
            if self.cache is not None:  # (its results: ResultCache.put_later)
                self._writer.submit(self.cache.write_pending)
        return False

    def _write(self, batch: list, ended: list = ()):
        # a node run that starts and ends within the batch is one whole row, written where it started (rows keep
        # their start order); whole rows go in together, flushed before a row whose id is needed later
        self._ends = {(ev.run_id, ev.node_id, ev.iteration): ev for ev in batch if type(ev) is NodeFinished}
        self._rows: list[tuple] = []
        if self.cache is not None and (ended or self.cache.pending_due()):  # the runs' results (put_later) first,
            self.cache.write_pending()  # with the batch that ends them — or now, when memory says so (pending_due)
        with self.db.write_cursor(synced=False) as cur:  # (synced before anyone is told: _write_and_sync)
            events, kept = [], []
            for ev in batch:
                claimed = type(ev) is RunQueued and self._meta.get(ev.run_id, {}).get("claimed")
                data = self._apply(cur, ev)
                if self._keep(ev):
                    # (a queued run's first run_queued was stored when it was queued: that one stays)
                    (kept if claimed and ev.seq == 1 else events).append(
                        (ev.run_id, ev.seq, ev.kind, data or _event_json(ev)))
            self._flush_rows(cur)
            records.add_events(cur, events)
            if kept:
                records.add_events(cur, kept, keep=True)
            hook = self.after_finish
            if hook is not None and ended:
                cur.execute("SAVEPOINT after_finish")  # its failure must not lose the records
                try:
                    extra = hook(cur, ended)
                except Exception:  # noqa: BLE001
                    log.exception("after a run ended")
                    cur.execute("ROLLBACK TO after_finish")
                    extra = None
                cur.execute("RELEASE after_finish")
                return extra
        return None

    def _keep(self, ev) -> bool:
        """Whether to store the event (a run's first MAX_STORED_EVENTS, and its run events always — but the end
        of a run that goes back to the queue)."""
        n = self._event_counts.get(ev.run_id, 0) + 1
        if isinstance(ev, RunFinished):
            self._event_counts.pop(ev.run_id, None)
            return ev.run_id not in self._requeueing
        self._event_counts[ev.run_id] = n
        if n == MAX_STORED_EVENTS + 1:
            log.warning("run %s: more than %d events; its later node events are not stored", ev.run_id, n - 1)
        return n <= MAX_STORED_EVENTS or isinstance(ev, _RUN_LEVEL)

    def _flush_rows(self, cur) -> None:
        if self._rows:
            records.add_node_rows(cur, self._rows)
            self._rows = []

    def _whole_row(self, ev, started_at: float | None) -> None:
        summary = ev.summary()
        self._rows.append(records.node_row(
            ev.run_id, ev.node_id, ev.iteration, started_at=started_at, status=ev.status, attempts=ev.attempts,
            finished_at=ev.ts, duration_ms=ev.duration_ms, error=ev.error, error_type=ev.error_type, summary=summary,
            output_ref=ev.output_ref))
        self._summaries[id(ev)] = summary

    def _apply(self, cur, ev) -> str | None:
        """One event, written with the store's :mod:`~engine.store.records`; returns its JSON form when it was
        encoded on the way."""
        if isinstance(ev, NodeStarted):
            key = (ev.run_id, ev.node_id, ev.iteration)
            end = self._ends.get(key)
            if end is not None:  # (it ends in this batch: its whole row, here)
                self._whole_row(end, ev.ts)
                self._node_rows[key] = None
            else:
                self._flush_rows(cur)  # (rows stay in start order)
                self._node_rows[key] = records.node_started(cur, ev.run_id, ev.node_id, ev.iteration, ev.ts)
        elif isinstance(ev, NodeFinished):
            key = (ev.run_id, ev.node_id, ev.iteration)
            if key in self._node_rows and self._node_rows[key] is None:  # (written whole where it started)
                del self._node_rows[key]
                return _event_json(ev, outputs=self._summaries.pop(id(ev)))
            rid = self._node_rows.pop(key, None)
            if rid is None:  # (ended without starting: skipped, cached, bypassed)
                self._whole_row(ev, None)
                return _event_json(ev, outputs=self._summaries.pop(id(ev)))
            summary = ev.summary()
            records.node_finished(cur, rid, ev.run_id, ev.node_id, ev.iteration, status=ev.status,
                                  attempts=ev.attempts, finished_at=ev.ts, duration_ms=ev.duration_ms, error=ev.error,
                                  error_type=ev.error_type, summary=summary, output_ref=ev.output_ref)
            return _event_json(ev, outputs=summary)
        elif isinstance(ev, NodeRetrying):
            rid = self._node_rows.get((ev.run_id, ev.node_id, ev.iteration))
            if rid is not None:  # (None: its whole row, written with its end, has its attempts)
                records.node_retrying(cur, rid, ev.attempt + 1)
        elif isinstance(ev, RunQueued):
            meta = self._meta.pop(ev.run_id, {})
            inputs = to_json(dict(ev.inputs))
            text = json.dumps(inputs)
            if meta.get("claimed"):  # from the queue: the row is there already
                records.run_claimed(cur, ev.run_id, workflow_name=ev.workflow, inputs=text)
            else:
                records.run_queued(cur, ev.run_id, meta, workflow_name=ev.workflow, inputs=text, created_at=ev.ts)
            return _event_json(ev, inputs=inputs)
        elif isinstance(ev, RunStarted):
            records.run_started(cur, ev.run_id, started_at=ev.ts, node_count=ev.node_count)
        elif isinstance(ev, RunFinished):
            if ev.run_id in self._requeueing:
                return None  # (the queue takes its row back: QueueRepo.put_back)
            outputs = to_json(dict(ev.outputs))
            records.run_finished(cur, ev.run_id, status=ev.status, outputs=json.dumps(outputs), error=ev.error, finished_at=ev.ts,
                                 duration_ms=ev.duration_ms, cache_hits=ev.cache_hits, cache_misses=ev.cache_misses)
            return _event_json(ev, outputs=outputs)
        return None

    async def close(self) -> None:
        """Write what is buffered, then stop."""
        self.sub.close()
        self.poke()
        await self._task
        self._writer.shutdown(wait=True)

