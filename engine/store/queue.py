"""The persistent run queue (SPEC §6a): queued runs are rows of ``runs`` with ``from_queue`` set.

Start order: higher ``priority`` (1..10) first, then lower ``queue_position`` (oldest first: a new run goes
after every queued one). Moving a run before or after another gives it that run's priority and a position
between its neighbours, so the order a person dragged survives a restart. Every operation is one
``BEGIN IMMEDIATE`` transaction; :meth:`QueueRepo.claim` — the only way a queued run becomes ``running`` —
checks, in the same transaction, that the caller dispatches, that the queue is not paused and how many
queued runs are running already, so a run is never started twice and never more than allowed at once.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Iterable

from sqlalchemy import func, select, update

from ..errors import QueueError, QueueFull
from .db import Database
from .events import store_ended
from .models import NodeRunRow, RunRow, SettingRow
from .records import add_events, queued_event
from .runs import RunInfo

__all__ = ["QueueRepo", "QueueView", "PRIORITIES", "DEFAULT_PRIORITY"]

PRIORITIES = range(1, 11)
DEFAULT_PRIORITY = 5
PAUSED_KEY = "queue.paused"  # (the setting that says the queue is paused)
_WAITING = "SELECT count(*) FROM runs INDEXED BY ix_runs_waiting WHERE status = 'queued' AND from_queue = 1"
_LAST_POSITION = "SELECT max(queue_position) FROM runs INDEXED BY ix_runs_waiting WHERE status = 'queued' AND from_queue = 1"
_INSERT = ("INSERT INTO runs (id, workflow_id, version, document, workflow_name, status, mode, priority, trigger, "
           "inputs, created_at, from_queue, queue_position, requeued, cancel_requested, options, draft_id, trigger_id) "
           "VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, 1, ?, 0, 0, ?, ?, ?)")
_TINY = 1e-6  # positions closer than this are renumbered
_NAMES = ("id", "workflow_id", "version", "workflow_name", "status", "mode", "priority", "trigger", "inputs", "error",
          "created_at", "started_at", "finished_at", "duration_ms", "replay_of", "from_node", "parent_run_id", "owner",
          "from_queue", "queue_position", "requeued", "cancel_requested", "options", "draft_id", "node_count",
          "trigger_id", "attempt", "callback", "cache_hits", "cache_misses", "has_document")
_COLUMNS = ", ".join(_NAMES[:-1]) + ", document IS NOT NULL"
_QUEUED = "status = 'queued' AND from_queue"
# whether the lease dispatches and until when, whether the queue is paused, how many queued runs run: one read
_CLAIMING = ("SELECT (SELECT dispatching FROM leases WHERE id = ?), (SELECT expires_at FROM leases WHERE id = ?), "
             "(SELECT value FROM settings WHERE key = ?), "
             "(SELECT count(*) FROM runs WHERE status = 'running' AND from_queue)")


def _runs(cur, where: str, params: tuple = ()) -> list[RunInfo]:
    """Runs read with plain SQL (``where`` may end with ORDER BY and LIMIT), without their outputs and document."""
    found = []
    for values in cur.execute(f"SELECT {_COLUMNS} FROM runs WHERE {where}", params).fetchall():
        r = dict(zip(_NAMES, values))
        r.update(inputs=json.loads(r["inputs"] or "{}"), options=json.loads(r["options"] or "{}"), outputs=None,
                 document=r["has_document"] or None, callback=json.loads(r["callback"]) if r["callback"] else None)
        found.append(RunInfo.of(SimpleNamespace(**r)))
    return found


def insert_queued(session, rows: list[dict], limit: int | None = None) -> list[str]:
    """Queued runs stored in ``session``'s transaction, after every run queued now (see :meth:`QueueRepo.add`);
    QueueFull when more than ``limit`` would wait."""
    now = time.time()
    cur = session.connection().connection.cursor()
    try:
        if limit is not None:
            waiting = cur.execute(_WAITING).fetchone()[0]
            if waiting + len(rows) > limit:
                raise QueueFull(f"the queue is full ({waiting} runs wait; at most {limit})")
        last = cur.execute(_LAST_POSITION).fetchone()[0] or 0.0
        ids, values = [], []
        for i, row in enumerate(rows, 1):
            rid = row.get("id") or uuid.uuid4().hex
            ids.append(rid)
            options = row.get("options")
            values.append((rid, row.get("workflow_id"), row.get("version"), row.get("document"),
                           row.get("workflow_name", ""), row.get("mode", "async"),
                           row.get("priority", DEFAULT_PRIORITY), row.get("trigger", "cli"),
                           json.dumps(row.get("inputs") or {}), now, last + i,
                           None if options is None else json.dumps(options), row.get("draft_id"),
                           row.get("trigger_id")))
        cur.executemany(_INSERT, values)
        # each one's run_queued at once, with the time it was queued (its stream says it waits)
        add_events(cur, [queued_event(rid, row.get("workflow_name", ""), row.get("inputs") or {}, now)
                         for rid, row in zip(ids, rows)])
    finally:
        cur.close()
    return ids


@dataclass(frozen=True)
class QueueView:
    """Queued and running runs in start order (running first, by start), and whether the queue is paused.
    ``progress`` maps a running run's id to its finished top-level node count; ``waiting`` counts every queued
    run (``queued`` may hold only the first of them)."""

    paused: bool
    running: list[RunInfo] = field(default_factory=list)
    queued: list[RunInfo] = field(default_factory=list)
    progress: dict[str, int] = field(default_factory=dict)
    waiting: int = 0

    @property
    def runs(self) -> list[RunInfo]:
        return [*self.running, *self.queued]


def _order():
    return (RunRow.priority.desc(), RunRow.queue_position.asc(), RunRow.created_at.asc())


def _queued():
    return (RunRow.status == "queued") & RunRow.from_queue.is_(True)


def check_priority(priority: Any) -> int:
    if isinstance(priority, bool) or not isinstance(priority, int) or priority not in PRIORITIES:
        raise QueueError(f"priority must be a whole number from 1 to 10, not {priority!r}")
    return priority


class QueueRepo:
    def __init__(self, db: Database):
        self.db = db

    # -- accepting ------------------------------------------------------------------------------------------

    def add(self, rows: Iterable[dict], *, limit: int | None = None) -> list[str]:
        """Store queued runs, all in one transaction, after every run queued now. Each row holds ``runs``
        columns (workflow_id, version, document, workflow_name, inputs, priority, trigger, options, …).
        Plain SQL on the DBAPI cursor: this is every accepted run's path (SQLAlchemy statements cost ~2 ms of
        CPU a call)."""
        rows = list(rows)
        with self.db.write() as s:
            return insert_queued(s, rows, limit)

    # -- reading -------------------------------------------------------------------------------------------

    def view(self, limit: int | None = None) -> QueueView:
        """``limit``: at most this many queued runs (the first ones); ``waiting`` still counts them all.
        Plain SQL in one read transaction: the editor's Queue dock asks twice a second."""
        conn = self.db.engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute("BEGIN")
            try:
                paused = cur.execute("SELECT value FROM settings WHERE key = ?", (PAUSED_KEY,)).fetchone()
                running = _runs(cur, "status = 'running' AND parent_run_id IS NULL ORDER BY started_at, id")
                queued = _runs(cur, _QUEUED + " ORDER BY priority DESC, queue_position, created_at"
                               + (f" LIMIT {int(limit)}" if limit is not None else ""))
                waiting = len(queued) if limit is None or len(queued) < limit else cur.execute(
                    f"SELECT count(*) FROM runs WHERE {_QUEUED}").fetchone()[0]
                progress = {}
                if running:
                    cur.execute("SELECT run_id, count(*) FROM node_runs WHERE iteration = '' AND status != 'running' "
                                f"AND run_id IN ({', '.join('?' * len(running))}) GROUP BY run_id",
                                [r.id for r in running])
                    progress = dict(cur.fetchall())
            finally:
                cur.execute("COMMIT")
                cur.close()
        finally:
            conn.close()
        return QueueView(bool(paused and json.loads(paused[0])), running, queued, progress, waiting)

    def waiting(self) -> int:
        with self.db.read() as s:
            return s.scalar(select(func.count()).select_from(RunRow).where(_queued()))

    def paused(self) -> bool:
        with self.db.read() as s:
            return bool(getattr(s.get(SettingRow, PAUSED_KEY), "value", False))

    # -- pausing and ordering --------------------------------------------------------------------------------

    def pause(self, paused: bool = True) -> None:
        with self.db.write() as s:
            s.merge(SettingRow(key=PAUSED_KEY, value=paused))

    def resume(self) -> None:
        self.pause(False)

    def _queued_row(self, s, run_id: str) -> RunRow:
        row = s.get(RunRow, run_id)
        if row is None:
            raise QueueError(f"no run with id {run_id!r}")
        if row.status != "queued" or not row.from_queue:
            raise QueueError(f"run {run_id} is {row.status}, not queued")
        return row

    def set_priority(self, run_id: str, priority: int) -> None:
        priority = check_priority(priority)
        with self.db.write() as s:
            self._queued_row(s, run_id).priority = priority

    def move(self, run_id: str, *, before: str | None = None, after: str | None = None) -> None:
        """Put a queued run just before or just after another queued run (taking its priority)."""
        if (before is None) == (after is None):
            raise QueueError("give exactly one of before and after")
        other_id = before if before is not None else after
        if other_id == run_id:
            raise QueueError("a run cannot move relative to itself")
        with self.db.write() as s:
            me, other = self._queued_row(s, run_id), self._queued_row(s, other_id)
            for _ in range(2):
                pos = other.queue_position
                same = _queued() & (RunRow.priority == other.priority) & (RunRow.id != run_id)
                if before is not None:
                    near = s.scalar(select(func.max(RunRow.queue_position)).where(same, RunRow.queue_position < pos))
                    new = pos - 1.0 if near is None else (near + pos) / 2
                else:
                    near = s.scalar(select(func.min(RunRow.queue_position)).where(same, RunRow.queue_position > pos))
                    new = pos + 1.0 if near is None else (near + pos) / 2
                if near is None or abs(new - near) > _TINY:
                    break
                self._renumber(s, other.priority)
            me.priority, me.queue_position = other.priority, new

    @staticmethod
    def _renumber(s, priority: int) -> None:
        ids = s.scalars(select(RunRow.id).where(_queued(), RunRow.priority == priority).order_by(*_order())).all()
        for i, rid in enumerate(ids):
            s.execute(update(RunRow).where(RunRow.id == rid).values(queue_position=float(i)))
        s.flush()
        s.expire_all()

    def to_front(self, run_id: str) -> None:
        """"Run next": the run goes to the head of the queue."""
        with self.db.write() as s:
            me = self._queued_row(s, run_id)
            head = s.scalars(select(RunRow).where(_queued(), RunRow.id != run_id).order_by(*_order())).first()
            if head is None:
                return
            me.priority = max(me.priority, head.priority)
            first = s.scalar(select(func.min(RunRow.queue_position)).where(
                _queued(), RunRow.priority == me.priority, RunRow.id != run_id))
            if first is not None:
                me.queue_position = first - 1.0

    # -- starting and cancelling -------------------------------------------------------------------------------

    def claim(self, lease_id: str, max_running: int, limit: int | None = None, *, cursor=None) -> list[RunInfo]:
        """Take the next queued runs for ``lease_id`` and mark them ``running``, in one transaction (``cursor``'s,
        a DBAPI cursor in a write transaction, when given): nothing when the lease does not dispatch (or
        expired) or the queue is paused; never more than ``max_running`` queued runs running at once over
        every process."""
        if cursor is not None:
            return self._claim(cursor, lease_id, max_running, limit)
        with self.db.write_cursor() as cur:
            return self._claim(cur, lease_id, max_running, limit)

    @staticmethod
    def _claim(cur, lease_id: str, max_running: int, limit: int | None) -> list[RunInfo]:
        # plain SQL on the DBAPI cursor, as the recorder does: a claim follows every finished queued run, on the
        # recorder's thread, and building SQLAlchemy statements cost ~3 ms of GIL each time
        now = time.time()
        dispatching, expires_at, paused, running = cur.execute(_CLAIMING, (lease_id, lease_id, PAUSED_KEY)).fetchone()
        if not dispatching or expires_at is None or expires_at < now or (paused and json.loads(paused)):
            return []
        n = max_running - running if limit is None else min(limit, max_running - running)
        if n <= 0:
            return []
        rows = _runs(cur, _QUEUED + " ORDER BY priority DESC, queue_position, created_at LIMIT ?", (n,))
        if rows:
            cur.execute(f"UPDATE runs SET status = 'running', owner = ?, started_at = ?, attempt = attempt + 1 "
                        f"WHERE id IN ({', '.join('?' * len(rows))})", (lease_id, now, *(r.id for r in rows)))
        return [dataclasses.replace(r, status="running", owner=lease_id, started_at=now, attempt=r.attempt + 1)
                for r in rows]

    def cancel(self, run_id: str) -> str:
        """Cancel a run: a queued one at once (``"cancelled"``); a running one is asked to stop — its process
        sees the request within about a second (``"requested"``). A finished run: QueueError."""
        now = time.time()
        with self.db.write() as s:
            row = s.get(RunRow, run_id)
            if row is None:
                raise QueueError(f"no run with id {run_id!r}")
            if row.status == "queued":
                row.status, row.finished_at, row.error = "cancelled", now, "cancelled before it started"
                store_ended(s, [run_id], row.status, row.error, now)
                return "cancelled"
            if row.status == "running":
                row.cancel_requested = True
                return "requested"
            raise QueueError(f"run {run_id} already ended ({row.status})")

    def clear(self) -> int:
        """Cancel every queued run (running ones go on). Returns how many."""
        now, why = time.time(), "cancelled before it started (queue cleared)"
        with self.db.write() as s:
            ids = list(s.scalars(select(RunRow.id).where(_queued())))
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                s.execute(update(RunRow).where(RunRow.id.in_(chunk)).values(status="cancelled", finished_at=now,
                                                                             error=why))
                store_ended(s, chunk, "cancelled", why, now)
            return len(ids)

    def cancel_requests(self, lease_id: str) -> list[str]:
        """Runs of ``lease_id`` that another process asked to cancel (plain SQL: asked twice a second)."""
        with self.db.read_cursor() as cur:
            return [r[0] for r in cur.execute("SELECT id FROM runs WHERE owner = ? AND status = 'running' AND "
                                              "cancel_requested = 1", (lease_id,))]

    def put_back(self, run_ids: list[str], lease_id: str | None) -> int:
        """Queued runs this process was running when it stopped cleanly go back to the queue, in their place
        (their node rows dropped: they run again from the start, cached nodes reporting ``cached``)."""
        if not run_ids:
            return 0
        with self.db.write() as s:
            ids = list(s.scalars(select(RunRow.id).where(RunRow.id.in_(run_ids), RunRow.from_queue.is_(True),
                                                         RunRow.owner == lease_id, RunRow.cancel_requested.is_(False),
                                                         RunRow.status.in_(("running", "cancelled")))))
            if ids:
                s.execute(NodeRunRow.__table__.delete().where(NodeRunRow.run_id.in_(ids)))
                s.execute(update(RunRow).where(RunRow.id.in_(ids)).values(
                    status="queued", owner=None, started_at=None, finished_at=None, duration_ms=None, outputs=None,
                    error=None))
            return len(ids)
