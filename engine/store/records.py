"""The run recorder's writes (SPEC §7): the SQL behind :class:`engine.runs.RunRecorder`, which batches the
executor's events and calls these on its writer thread, inside one transaction per batch.

Node rows and stored events — the many, several per node — are plain SQL on the DBAPI cursor of the
transaction's connection (:func:`cursors`): building SQLAlchemy statements cost ~1 ms of GIL per event, which
the GUI thread felt. Run rows (a few writes per run) use SQLAlchemy Core on its connection.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import insert, update

from .models import RunRow

__all__ = ["cursors", "node_started", "node_finished", "node_retrying", "add_events", "run_queued", "run_claimed",
           "run_started", "run_finished"]

_NODE_STARTED = ("INSERT INTO node_runs (run_id, node_id, iteration, status, attempts, started_at, cached) "
                 "VALUES (?, ?, ?, 'running', 1, ?, 0)")
_FINISH_COLUMNS = "status, attempts, finished_at, duration_ms, cached, error, error_type, output_summary, output_ref"
_NODE_FINISHED = ("UPDATE node_runs SET " + ", ".join(f"{c.strip()} = ?" for c in _FINISH_COLUMNS.split(","))
                  + " WHERE id = ?")
_NODE_FINISHED_NEW = (f"INSERT INTO node_runs (run_id, node_id, iteration, {_FINISH_COLUMNS}) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_NODE_RETRYING = "UPDATE node_runs SET attempts = ? WHERE id = ?"
_EVENT = "INSERT OR REPLACE INTO run_events (run_id, seq, kind, data) VALUES (?, ?, ?, ?)"
_RUNS = RunRow.__table__


@contextmanager
def cursors(session) -> Iterator[tuple[Any, Any]]:
    """The connection of ``session``'s transaction (for run rows) and a DBAPI cursor on it (for node rows and
    events), closed on leaving."""
    conn = session.connection()
    cur = conn.connection.cursor()
    try:
        yield conn, cur
    finally:
        cur.close()


def _iteration(iteration: tuple) -> str:
    return "/".join(map(str, iteration))


def node_started(cur, run_id: str, node_id: str, iteration: tuple, ts: float) -> int:
    """A node run row, ``running``; returns its id (for :func:`node_finished` and :func:`node_retrying`)."""
    cur.execute(_NODE_STARTED, (run_id, node_id, _iteration(iteration), ts))
    return cur.lastrowid


def node_finished(cur, row_id: int | None, run_id: str, node_id: str, iteration: tuple, *, status: str,
                  attempts: int, finished_at: float, duration_ms: float, error: str | None, error_type: str | None,
                  summary: dict | None, output_ref: str | None) -> None:
    """The node run's end, on its row (``row_id``), or as a new row when it never started (skipped, bypassed, cached)."""
    values = (status, attempts, finished_at, duration_ms, status == "cached", error, error_type,
              json.dumps(summary, ensure_ascii=False) if summary else None, output_ref)
    if row_id is None:
        cur.execute(_NODE_FINISHED_NEW, (run_id, node_id, _iteration(iteration), *values))
    else:
        cur.execute(_NODE_FINISHED, (*values, row_id))


def node_retrying(cur, row_id: int, attempts: int) -> None:
    """The node run's row counts ``attempts`` from now on."""
    cur.execute(_NODE_RETRYING, (attempts, row_id))


def add_events(cur, events: list[tuple[str, int, str, str]]) -> None:
    """Stored events, each ``(run_id, seq, kind, JSON text)``; one with a seq already stored replaces it."""
    cur.executemany(_EVENT, events)


def run_queued(conn, run_id: str, meta: dict[str, Any], *, workflow_name: str, inputs: dict,
               created_at: float) -> None:
    """The run's row, ``queued``; ``meta`` is what the recorder was told of the run (``RunRecorder.expect``)."""
    conn.execute(insert(_RUNS).values(
        id=run_id, workflow_id=meta.get("workflow_id"), version=meta.get("version"),
        workflow_name=workflow_name, document=meta.get("document"), status="queued",
        mode=meta.get("mode", "sync"), priority=meta.get("priority", 5),
        trigger=meta.get("trigger", "cli"), inputs=inputs, created_at=created_at,
        replay_of=meta.get("replay_of"), from_node=meta.get("from_node"),
        parent_run_id=meta.get("parent_run_id"), owner=meta.get("owner"), draft_id=meta.get("draft_id"),
        options=meta.get("options"), attempt=1))


def run_claimed(conn, run_id: str, *, workflow_name: str, inputs: dict) -> None:
    """A run claimed from the queue starts: its row is there, already ``running`` (an earlier attempt's events
    stay: their seq goes on)."""
    conn.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(workflow_name=workflow_name, inputs=inputs))


def run_started(conn, run_id: str, *, started_at: float, node_count: int) -> None:
    conn.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(
        status="running", started_at=started_at, node_count=node_count))


def run_finished(conn, run_id: str, *, status: str, outputs: dict, error: str | None, finished_at: float,
                 duration_ms: float, cache_hits: int | None = None, cache_misses: int | None = None) -> None:
    conn.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(
        status=status, outputs=outputs, error=error, finished_at=finished_at, duration_ms=duration_ms,
        cache_hits=cache_hits, cache_misses=cache_misses))
