"""Run records (SPEC §7): reading runs and node runs, adopting a never-saved tab's runs, and recovering the runs
of processes that died. The run service's recorder writes them (:mod:`engine.runs.recorder`)."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import delete, or_, select, update

from ..errors import NotFound
from ..events import cache_json
from .db import Database
from .events import store_ended
from .leases import lease_gone
from .models import LeaseRow, NodeRunRow, RunRow

__all__ = ["RunRepo", "RunInfo", "NodeRunInfo", "Recovered", "RUN_FINISHED", "run_json"]

log = logging.getLogger(__name__)
RUN_FINISHED = ("succeeded", "failed", "cancelled", "interrupted")


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
    owner: str | None = None
    from_queue: bool = False
    queue_position: float | None = None
    requeued: int = 0
    cancel_requested: bool = False
    options: dict = field(default_factory=dict)
    draft_id: str | None = None
    node_count: int | None = None
    has_document: bool = False
    trigger_id: str | None = None
    attempt: int = 0            # times it was started (1: once); its events' seq goes on from attempt to attempt
    callback: dict | None = None  # its callback_url's delivery: attempts, last_error, delivered_at
    cache_hits: int | None = None    # its cache look-ups that found a node's result (None: unknown)
    cache_misses: int | None = None  # those that did not (the node computed)

    @classmethod
    def of(cls, r, **changed) -> "RunInfo":
        """From a ``RunRow`` or a Core row of the runs table (``changed``: columns written since it was read)."""
        info = cls(r.id, r.workflow_id, r.version, r.workflow_name, r.status, r.mode, r.priority, r.trigger,
                   r.inputs or {}, r.outputs, r.error, r.created_at, r.started_at, r.finished_at, r.duration_ms,
                   r.replay_of, r.from_node, r.parent_run_id, r.owner, bool(r.from_queue), r.queue_position,
                   r.requeued or 0, bool(r.cancel_requested), dict(r.options or {}), r.draft_id, r.node_count,
                   r.document is not None, getattr(r, "trigger_id", None), getattr(r, "attempt", 0) or 0,
                   getattr(r, "callback", None), getattr(r, "cache_hits", None), getattr(r, "cache_misses", None))
        return dataclasses.replace(info, **changed) if changed else info

    @property
    def finished(self) -> bool:
        return self.status in RUN_FINISHED

    def to_json(self, nodes: "list[NodeRunInfo] | None" = None) -> dict:
        return run_json(self, nodes)


def run_json(info: RunInfo, nodes: list[NodeRunInfo] | None = None) -> dict:
    """One shape per concept (SPEC §6a): a run as JSON is built here and nowhere else — the same object from
    ``nodeloom run --json``, ``runs --json``, ``queue list --json``, every HTTP route and a callback's body: the
    run object of SPEC §10 (``run_id``, ``status``, ``duration_ms``, ``outputs``, ``nodes``, ``error``) with
    ``id`` beside ``run_id`` and where it comes from; with its node runs, ``nodes`` maps each top-level node to
    its status and ``node_runs`` lists every node run (ForEach iterations included); without them, both are empty
    (the keys are the same either way). ``cache`` is its cache use, ``{hits, misses, hit_rate}`` (None: unknown). Images and bytes in
    ``outputs`` and ``inputs`` are in their SPEC §10 JSON form, as stored."""
    d = {"id": info.id, "run_id": info.id, "status": info.status,
         "duration_ms": round(info.duration_ms, 3) if info.duration_ms is not None else None,
         "outputs": info.outputs, "error": info.error, "nodes": {},
         "workflow_id": info.workflow_id, "version": info.version, "workflow_name": info.workflow_name,
         "mode": info.mode, "priority": info.priority, "trigger": info.trigger, "trigger_id": info.trigger_id,
         "inputs": info.inputs, "created_at": info.created_at, "started_at": info.started_at,
         "finished_at": info.finished_at, "replay_of": info.replay_of, "from_node": info.from_node,
         "parent_run_id": info.parent_run_id, "draft_id": info.draft_id, "queue_position": info.queue_position,
         "from_queue": info.from_queue, "attempt": info.attempt, "requeued": info.requeued, "owner": info.owner,
         "cancel_requested": info.cancel_requested, "node_count": info.node_count, "options": info.options,
         "has_document": info.has_document, "callback": info.callback,
         "cache": cache_json(info.cache_hits, info.cache_misses), "node_runs": []}
    if nodes is not None:
        d["nodes"] = {n.node_id: {"status": n.status, "duration_ms": n.duration_ms, "attempts": n.attempts,
                                  "error": n.error} for n in nodes if not n.iteration}
        d["node_runs"] = [n.to_json() for n in nodes]
    return d


@dataclass(frozen=True)
class Recovered:
    """What :meth:`RunRepo.recover` did: runs marked ``interrupted``, runs queued again, leases removed."""

    interrupted: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)
    leases: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.interrupted or self.requeued or self.leases)


_RUN_COLUMNS = ("id", "workflow_id", "version", "workflow_name", "status", "mode", "priority", "trigger", "inputs",
                "outputs", "error", "created_at", "started_at", "finished_at", "duration_ms", "replay_of", "from_node",
                "parent_run_id", "owner", "from_queue", "queue_position", "requeued", "cancel_requested", "options",
                "draft_id", "node_count", "trigger_id", "attempt", "callback", "cache_hits", "cache_misses",
                "has_document")
_RUN_SQL = ", ".join(_RUN_COLUMNS[:-1]) + ", document IS NOT NULL"
_NODE_SQL = ("node_id, iteration, status, attempts, started_at, finished_at, duration_ms, cached, error, "
             "output_summary, output_ref")


def _loads(text: str | None):
    """A JSON column's value as the ORM reads it (NULL and JSON null both None)."""
    return None if text is None else json.loads(text)


def _iteration(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split("/")) if text else ()


class RunRepo:
    def __init__(self, db: Database):
        self.db = db

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

    def with_nodes(self, run_id: str) -> tuple[RunInfo, list[NodeRunInfo]]:
        """:meth:`get` and :meth:`nodes` in one read transaction of plain SQL: the answer to every sync HTTP run,
        where two ORM sessions cost more of the server's CPU than the run. The same values as those two."""
        conn = self.db.engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute("BEGIN")
            try:
                row = cur.execute(f"SELECT {_RUN_SQL} FROM runs WHERE id = ?", (run_id,)).fetchone()
                nodes = cur.execute(f"SELECT {_NODE_SQL} FROM node_runs WHERE run_id = ? ORDER BY id",
                                    (run_id,)).fetchall()
            finally:
                cur.execute("COMMIT")
                cur.close()
        finally:
            conn.close()
        if row is None:
            raise NotFound(f"no run with id {run_id!r}")
        r = dict(zip(_RUN_COLUMNS, row))
        for name in ("inputs", "outputs", "options", "callback"):
            r[name] = _loads(r[name])
        r["document"] = True if r.pop("has_document") else None
        return RunInfo.of(SimpleNamespace(**r)), [
            NodeRunInfo(n[0], _iteration(n[1]), n[2], n[3], n[4], n[5], n[6], bool(n[7]), n[8], _loads(n[9]), n[10])
            for n in nodes]

    def nodes(self, run_id: str) -> list[NodeRunInfo]:
        with self.db.read() as s:
            rows = s.scalars(select(NodeRunRow).where(NodeRunRow.run_id == run_id).order_by(NodeRunRow.id)).all()
            return [NodeRunInfo(r.node_id, _iteration(r.iteration), r.status, r.attempts, r.started_at,
                                r.finished_at, r.duration_ms, r.cached, r.error, r.output_summary, r.output_ref)
                    for r in rows]

    def list(self, workflow_id: str | None = None, *, limit: int = 50, offset: int = 0,
             status: str | None = None, draft_id: str | None = None) -> list[RunInfo]:
        """Newest first. ``draft_id``: the runs of an editor tab that was never saved."""
        q = select(RunRow)
        if workflow_id is not None:
            q = q.where(RunRow.workflow_id == workflow_id)
        if draft_id is not None:
            q = q.where(RunRow.draft_id == draft_id)
        if status is not None:
            q = q.where(RunRow.status == status)
        with self.db.read() as s:
            rows = s.scalars(q.order_by(RunRow.created_at.desc(), RunRow.id).limit(limit).offset(offset)).all()
            return [RunInfo.of(r) for r in rows]

    def note_callback(self, run_id: str, state: dict) -> None:
        """Where the delivery of the run's callback stands (``attempts``, ``last_error``, ``delivered_at``,
        ``status_code``): its run object shows it from now on."""
        with self.db.write() as s:
            s.execute(update(RunRow).where(RunRow.id == run_id).values(callback=dict(state)))

    def end_unstarted(self, run_id: str, status: str, error: str) -> None:
        """A claimed run that could not start (its workflow was deleted, its inputs no longer fit)."""
        now = time.time()
        with self.db.write() as s:
            s.execute(update(RunRow).where(RunRow.id == run_id).values(status=status, error=error, finished_at=now))
            store_ended(s, [run_id], status, error, now, started=True)

    def adopt(self, draft_id: str, workflow_id: str, version: int | None = None) -> int:
        """A never-saved tab was saved: its runs become runs of the workflow. Returns how many."""
        with self.db.write() as s:
            return s.execute(update(RunRow).where(RunRow.draft_id == draft_id, RunRow.workflow_id.is_(None))
                             .values(workflow_id=workflow_id)).rowcount

    def recover(self, dead_leases: list[str], *, now: float | None = None) -> Recovered:
        """The run service's recovery: the runs of processes that are gone (``dead_leases``, and runs no live
        lease owns) are settled (:func:`_settle`). Queued runs stay queued. One transaction; finished runs are
        untouched."""
        now = time.time() if now is None else now
        with self.db.write() as s:
            if dead_leases:  # still expired now, inside the transaction (a heartbeat may have come meanwhile)
                dead_leases = list(s.scalars(select(LeaseRow.id).where(LeaseRow.id.in_(dead_leases),
                                                                       LeaseRow.expires_at < now)))
            live = select(LeaseRow.id).where(LeaseRow.id.not_in(dead_leases or [""]))
            rows = s.execute(select(RunRow.id, RunRow.from_queue, RunRow.requeued).where(
                _unfinished(), or_(RunRow.owner.is_(None), RunRow.owner.not_in(live)))).all()
            requeue, interrupt = _settle(s, rows, now)
            if dead_leases:
                s.execute(delete(LeaseRow).where(LeaseRow.id.in_(dead_leases)))
        return _told(Recovered(interrupt, requeue, list(dead_leases)))

    def recover_gone(self, leases: list[str], *, now: float | None = None) -> Recovered:
        """A reader's recovery (:mod:`.reconcile`): the runs of those of ``leases`` whose process is still gone
        (:func:`.leases.lease_gone`, judged again inside the transaction, so two readers racing settle a run
        once and a lease renewed meanwhile keeps its runs) are settled as :meth:`recover` settles them, and
        those leases removed. Runs of any other owner are never touched. One transaction."""
        if not leases:
            return Recovered()
        now = time.time() if now is None else now
        with self.db.write() as s:
            rows = s.execute(select(LeaseRow.id, LeaseRow.host, LeaseRow.pid, LeaseRow.proc_start,
                                    LeaseRow.expires_at).where(LeaseRow.id.in_(leases))).all()
            gone = [r.id for r in rows if lease_gone(r.host, r.pid, r.proc_start, r.expires_at, now)]
            if not gone:
                return Recovered()
            runs = s.execute(select(RunRow.id, RunRow.from_queue, RunRow.requeued).where(
                _unfinished(), RunRow.owner.in_(gone))).all()
            requeue, interrupt = _settle(s, runs, now)
            s.execute(delete(LeaseRow).where(LeaseRow.id.in_(gone)))
        return _told(Recovered(interrupt, requeue, gone))


def _unfinished():
    """Runs a process was running: started, or recorded and about to start (``queued`` outside the queue)."""
    return or_(RunRow.status == "running", (RunRow.status == "queued") & RunRow.from_queue.is_(False))


def _settle(s, rows, now: float) -> tuple[list[str], list[str]]:
    """In ``s``'s transaction, the unfinished runs ``rows`` (id, from_queue, requeued) of processes that are gone:
    a run that came from the queue and was never queued again goes back to the queue (its node rows dropped, it
    will run again); every other becomes ``interrupted`` and its running nodes ``cancelled``. (requeued ids,
    interrupted ids)"""
    requeue = [r.id for r in rows if r.from_queue and not r.requeued]
    again = set(requeue)
    interrupt = [r.id for r in rows if r.id not in again]
    if requeue:
        s.execute(delete(NodeRunRow).where(NodeRunRow.run_id.in_(requeue)))
        s.execute(update(RunRow).where(RunRow.id.in_(requeue)).values(
            status="queued", owner=None, started_at=None, requeued=RunRow.requeued + 1,
            error="its process stopped while it ran; queued again"))
    if interrupt:
        why = "the program stopped while this run was running"
        s.execute(update(RunRow).where(RunRow.id.in_(interrupt)).values(status="interrupted", finished_at=now,
                                                                         error=why))
        store_ended(s, interrupt, "interrupted", why, now)  # (its end among its events: a stream ends there)
        s.execute(update(NodeRunRow).where(NodeRunRow.run_id.in_(interrupt), NodeRunRow.status == "running")
                  .values(status="cancelled", finished_at=now, error="interrupted"))
    return requeue, interrupt


def _told(done: Recovered) -> Recovered:
    if done.interrupted or done.requeued:
        log.warning("runs of stopped processes: %d interrupted, %d queued again", len(done.interrupted),
                    len(done.requeued))
    return done
