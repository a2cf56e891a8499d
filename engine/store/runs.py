"""Run records (SPEC §7): a subscriber of the executor's events writes runs and node runs, one transaction per
batch of events; on start, runs a crash left ``running`` become ``interrupted``."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from ..executor.events import NodeFinished, NodeRetrying, NodeStarted, RunFinished, RunQueued, RunStarted
from ..values import to_json
from .db import Database
from .models import NodeRunRow, RunRow
from ..errors import NotFound

__all__ = ["RunRepo", "RunRecorder", "RunInfo", "NodeRunInfo"]

log = logging.getLogger(__name__)
COALESCE_S = 0.02  # events arriving this soon after one another are written in one transaction


@dataclass(frozen=True)
class NodeRunInfo:
    node_id: str
    iteration: tuple[int, ...]
    status: str
    attempts: int
    started_at: float | None
    finished_at: float | None
    duration_ms: float | None
    cached: bool
    error: str | None
    output_summary: dict | None
    output_ref: str | None

    def to_json(self) -> dict:
        d = dict(self.__dict__)
        d["iteration"] = list(self.iteration)
        return d


@dataclass(frozen=True)
class RunInfo:
    id: str
    workflow_id: str | None
    version: int | None
    workflow_name: str
    status: str
    mode: str
    priority: int
    trigger: str
    inputs: dict
    outputs: dict | None
    error: str | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    duration_ms: float | None
    replay_of: str | None
    from_node: str | None
    parent_run_id: str | None

    @classmethod
    def of(cls, r: RunRow) -> "RunInfo":
        return cls(r.id, r.workflow_id, r.version, r.workflow_name, r.status, r.mode, r.priority, r.trigger,
                   r.inputs or {}, r.outputs, r.error, r.created_at, r.started_at, r.finished_at, r.duration_ms,
                   r.replay_of, r.from_node, r.parent_run_id)

    def to_json(self) -> dict:
        return dict(self.__dict__)


def _iteration(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split("/")) if text else ()


class RunRepo:
    def __init__(self, db: Database):
        self.db = db

    def recover(self) -> list[str]:
        """Mark runs a crash left ``running`` as ``interrupted`` (one transaction; finished runs untouched)."""
        now = time.time()
        with self.db.write() as s:
            ids = list(s.scalars(select(RunRow.id).where(RunRow.status == "running")))
            if ids:
                s.execute(update(RunRow).where(RunRow.id.in_(ids)).values(
                    status="interrupted", finished_at=now, error="the program stopped while this run was running"))
                s.execute(update(NodeRunRow).where(NodeRunRow.run_id.in_(ids), NodeRunRow.status == "running")
                          .values(status="cancelled", finished_at=now, error="interrupted"))
        if ids:
            log.warning("marked %d run(s) interrupted: %s", len(ids), ", ".join(ids))
        return ids

    def get(self, run_id: str) -> RunInfo:
        with self.db.read() as s:
            row = s.get(RunRow, run_id)
            if row is None:
                raise NotFound(f"no run with id {run_id!r}")
            return RunInfo.of(row)

    def document(self, run_id: str) -> str | None:
        with self.db.read() as s:
            row = s.get(RunRow, run_id)
            return row.document if row else None

    def nodes(self, run_id: str) -> list[NodeRunInfo]:
        with self.db.read() as s:
            rows = s.scalars(select(NodeRunRow).where(NodeRunRow.run_id == run_id).order_by(NodeRunRow.id)).all()
            return [NodeRunInfo(r.node_id, _iteration(r.iteration), r.status, r.attempts, r.started_at,
                                r.finished_at, r.duration_ms, r.cached, r.error, r.output_summary, r.output_ref)
                    for r in rows]

    def list(self, workflow_id: str | None = None, *, limit: int = 50, offset: int = 0,
             status: str | None = None) -> list[RunInfo]:
        q = select(RunRow)
        if workflow_id is not None:
            q = q.where(RunRow.workflow_id == workflow_id)
        if status is not None:
            q = q.where(RunRow.status == status)
        with self.db.read() as s:
            rows = s.scalars(q.order_by(RunRow.created_at.desc(), RunRow.id).limit(limit).offset(offset)).all()
            return [RunInfo.of(r) for r in rows]


_NODE_STARTED = ("INSERT INTO node_runs (run_id, node_id, iteration, status, attempts, started_at, cached) "
                 "VALUES (?, ?, ?, 'running', 1, ?, 0)")
_FINISH_COLUMNS = "status, attempts, finished_at, duration_ms, cached, error, error_type, output_summary, output_ref"
_NODE_FINISHED = ("UPDATE node_runs SET " + ", ".join(f"{c.strip()} = ?" for c in _FINISH_COLUMNS.split(","))
                  + " WHERE id = ?")
_NODE_FINISHED_NEW = (f"INSERT INTO node_runs (run_id, node_id, iteration, {_FINISH_COLUMNS}) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


class RunRecorder:
    """Writes what the executor reports. ``expect()`` tells it where a run comes from before it starts."""

    def __init__(self, db: Database, executor, *, trigger: str = "editor"):
        self.db = db
        self.trigger = trigger
        self._meta: dict[str, dict[str, Any]] = {}
        self._node_rows: dict[tuple, int] = {}
        self._done: dict[str, asyncio.Future] = {}
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nodeloom-recorder")
        self.sub = executor.subscribe(maxsize=1_000_000)
        self._task = asyncio.get_running_loop().create_task(self._follow(), name="nodeloom-run-recorder")

    def expect(self, run_id: str, **meta: Any) -> None:
        """Metadata for a run about to start: workflow_id, version, trigger, mode, priority, replay_of,
        from_node, parent_run_id, document (the JSON that runs, when it is not a stored version)."""
        self._meta[run_id] = meta

    async def recorded(self, run_id: str) -> None:
        """Wait until the run's ``run_finished`` is written."""
        fut = self._done.setdefault(run_id, asyncio.get_running_loop().create_future())
        await fut

    async def _follow(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                first = await self.sub.get()
            except EOFError:
                return
            await asyncio.sleep(COALESCE_S)  # gather what follows into the same transaction
            batch = [first, *self.sub.drain()]
            try:
                await loop.run_in_executor(self._writer, self._write, batch)
            except Exception:  # noqa: BLE001 - recording must never take the program down
                log.exception("could not record %d run event(s)", len(batch))
            for ev in batch:
                if isinstance(ev, RunFinished):
                    fut = self._done.setdefault(ev.run_id, loop.create_future())
                    if not fut.done():
                        fut.set_result(None)

    def _write(self, batch: list) -> None:
        with self.db.write() as s:
            conn = s.connection()
            cur = conn.connection.cursor()  # node events, the many, go straight to sqlite3
            try:
                for ev in batch:
                    self._apply(conn, cur, ev)
            finally:
                cur.close()

    def _apply(self, conn, cur, ev) -> None:
        """One event. Node events are plain SQL on the DBAPI cursor: building SQLAlchemy statements cost
        ~1 ms of GIL per event, which the GUI thread felt; run events (a few per run) use Core."""
        runs = RunRow.__table__
        if isinstance(ev, NodeStarted):
            cur.execute(_NODE_STARTED, (ev.run_id, ev.node_id, "/".join(map(str, ev.iteration)), ev.ts))
            self._node_rows[(ev.run_id, ev.node_id, ev.iteration)] = cur.lastrowid
        elif isinstance(ev, NodeFinished):
            summary = ev.summary()
            values = (ev.status, ev.attempts, ev.ts, ev.duration_ms, ev.status == "cached", ev.error,
                      ev.error_type, json.dumps(summary, ensure_ascii=False) if summary else None, ev.output_ref)
            rid = self._node_rows.pop((ev.run_id, ev.node_id, ev.iteration), None)
            if rid is None:
                cur.execute(_NODE_FINISHED_NEW, (ev.run_id, ev.node_id, "/".join(map(str, ev.iteration)), *values))
            else:
                cur.execute(_NODE_FINISHED, (*values, rid))
        elif isinstance(ev, NodeRetrying):
            rid = self._node_rows.get((ev.run_id, ev.node_id, ev.iteration))
            if rid is not None:
                cur.execute("UPDATE node_runs SET attempts = ? WHERE id = ?", (ev.attempt + 1, rid))
        elif isinstance(ev, RunQueued):
            meta = self._meta.pop(ev.run_id, {})
            conn.execute(insert(runs).values(
                id=ev.run_id, workflow_id=meta.get("workflow_id"), version=meta.get("version"),
                workflow_name=ev.workflow, document=meta.get("document"), status="queued",
                mode=meta.get("mode", "sync"), priority=meta.get("priority", 5),
                trigger=meta.get("trigger", self.trigger), inputs=to_json(dict(ev.inputs)), created_at=ev.ts,
                replay_of=meta.get("replay_of"), from_node=meta.get("from_node"),
                parent_run_id=meta.get("parent_run_id")))
        elif isinstance(ev, RunStarted):
            conn.execute(update(runs).where(runs.c.id == ev.run_id).values(status="running", started_at=ev.ts))
        elif isinstance(ev, RunFinished):
            conn.execute(update(runs).where(runs.c.id == ev.run_id).values(
                status=ev.status, outputs=to_json(dict(ev.outputs)), error=ev.error, finished_at=ev.ts,
                duration_ms=ev.duration_ms))

    async def close(self) -> None:
        """Write what is buffered, then stop."""
        self.sub.close()
        await self._task
        self._writer.shutdown(wait=True)
