"""The run recorder's writes (SPEC §7): the SQL behind :class:`engine.runs.RunRecorder`, which batches the
executor's events and calls these on its writer thread, inside one transaction per batch
(:meth:`engine.store.db.Database.write_cursor`).

All of it is plain SQL on a DBAPI cursor: building SQLAlchemy statements cost ~1 ms of GIL per event, which the
GUI thread felt, and the run rows' Core statements, a session and a savepoint cost ~0.5 ms a run — a third of
what draining the queue cost. JSON columns are written as SQLAlchemy's ``JSON`` type writes them
(``json.dumps``, None as ``null``), so the ORM reads them back the same.
"""

from __future__ import annotations

import json
from typing import Any

from ..events import RunQueued, event_to_json
from ..values import json_text

__all__ = ["node_started", "node_finished", "node_row", "add_node_rows", "node_retrying", "add_events", "run_queued", "run_claimed",
           "run_started", "run_finished"]

_NODE_STARTED = ("INSERT INTO node_runs (run_id, node_id, iteration, status, attempts, started_at, cached) "
                 "VALUES (?, ?, ?, 'running', 1, ?, 0)")
_FINISH_COLUMNS = "status, attempts, finished_at, duration_ms, cached, error, error_type, output_summary, output_ref"
_NODE_FINISHED = ("UPDATE node_runs SET " + ", ".join(f"{c.strip()} = ?" for c in _FINISH_COLUMNS.split(","))
                  + " WHERE id = ?")
_NODE_FINISHED_NEW = (f"INSERT INTO node_runs (run_id, node_id, iteration, {_FINISH_COLUMNS}) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_NODE_ROW = (f"INSERT INTO node_runs (run_id, node_id, iteration, started_at, {_FINISH_COLUMNS}) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_NODE_RETRYING = "UPDATE node_runs SET attempts = ? WHERE id = ?"
_EVENT = "INSERT OR REPLACE INTO run_events (run_id, seq, kind, data) VALUES (?, ?, ?, ?)"
_EVENT_KEPT = "INSERT OR IGNORE INTO run_events (run_id, seq, kind, data) VALUES (?, ?, ?, ?)"
_RUN_QUEUED = ("INSERT INTO runs (id, workflow_id, version, workflow_name, document, status, mode, priority, trigger, "
               "inputs, created_at, replay_of, from_node, parent_run_id, owner, draft_id, options, attempt, from_queue, "
               "requeued, cancel_requested) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, 0, 0)")
_RUN_CLAIMED = "UPDATE runs SET workflow_name = ?, inputs = ? WHERE id = ?"
_RUN_STARTED = "UPDATE runs SET status = 'running', started_at = ?, node_count = ? WHERE id = ?"
_RUN_FINISHED = ("UPDATE runs SET status = ?, outputs = ?, error = ?, finished_at = ?, duration_ms = ?, cache_hits = ?, "
                 "cache_misses = ? WHERE id = ?")


def _json(value: Any) -> str:
    return json.dumps(value)


def _iteration(iteration: tuple) -> str:
    return "/".join(map(str, iteration))


def node_started(cur, run_id: str, node_id: str, iteration: tuple, ts: float) -> int:
    """A node run row, ``running``; returns its id (for :func:`node_finished` and :func:`node_retrying`)."""
    cur.execute(_NODE_STARTED, (run_id, node_id, _iteration(iteration), ts))
    return cur.lastrowid


_SUMMARY = json.JSONEncoder(ensure_ascii=False)  # (built once: json.dumps with options builds one a call)


def node_row(run_id: str, node_id: str, iteration: tuple, *, started_at: float | None, status: str, attempts: int,
             finished_at: float, duration_ms: float, error: str | None, error_type: str | None,
             summary: dict | None, output_ref: str | None) -> tuple:
    """The values of a node run's whole row (it started and ended within one batch, or ended without starting:
    ``started_at`` None), for :func:`add_node_rows`."""
    return (run_id, node_id, _iteration(iteration), started_at, status, attempts, finished_at, duration_ms,
            status == "cached", error, error_type, _SUMMARY.encode(summary) if summary else None, output_ref)


def add_node_rows(cur, rows: list[tuple]) -> None:
    """Whole node run rows (:func:`node_row`), in one statement."""
    cur.executemany(_NODE_ROW, rows)


def node_finished(cur, row_id: int | None, run_id: str, node_id: str, iteration: tuple, *, status: str,
                  attempts: int, finished_at: float, duration_ms: float, error: str | None, error_type: str | None,
                  summary: dict | None, output_ref: str | None) -> None:
    """The node run's end, on its row (``row_id``), or as a new row when it never started (skipped, bypassed, cached)."""
    values = (status, attempts, finished_at, duration_ms, status == "cached", error, error_type,
              _SUMMARY.encode(summary) if summary else None, output_ref)
    if row_id is None:
        cur.execute(_NODE_FINISHED_NEW, (run_id, node_id, _iteration(iteration), *values))
    else:
        cur.execute(_NODE_FINISHED, (*values, row_id))


def node_retrying(cur, row_id: int, attempts: int) -> None:
    """The node run's row counts ``attempts`` from now on."""
    cur.execute(_NODE_RETRYING, (attempts, row_id))


def add_events(cur, events: list[tuple[str, int, str, str]], *, keep: bool = False) -> None:
    """Stored events, each ``(run_id, seq, kind, JSON text)``; one with a seq already stored replaces it (``keep``:
    is passed over — the run_queued a queued run was given when it was queued)."""
    cur.executemany(_EVENT_KEPT if keep else _EVENT, events)


def queued_event(run_id: str, workflow_name: str, inputs: dict, ts: float) -> tuple[str, int, str, str]:
    """The run_queued event of a run put in the queue (attempt 1's first event), stored with it: its stream says
    it waits, with the time it was queued; the run's start does not rewrite it (``add_events(keep=True)``)."""
    ev = RunQueued(run_id, 1, ts, workflow_name, inputs)
    return run_id, 1, ev.kind, json_text(event_to_json(ev, inputs=inputs))


def run_queued(cur, run_id: str, meta: dict[str, Any], *, workflow_name: str, inputs: str,
               created_at: float) -> None:
    """The run's row, ``queued``; ``meta`` is what the recorder was told of the run (``RunRecorder.expect``);
    ``inputs`` is JSON text."""
    cur.execute(_RUN_QUEUED, (
        run_id, meta.get("workflow_id"), meta.get("version"), workflow_name, meta.get("document"),
        meta.get("mode", "sync"), meta.get("priority", 5), meta.get("trigger", "cli"), inputs, created_at,
        meta.get("replay_of"), meta.get("from_node"), meta.get("parent_run_id"), meta.get("owner"),
        meta.get("draft_id"), _json(meta.get("options"))))


def run_claimed(cur, run_id: str, *, workflow_name: str, inputs: str) -> None:
    """A run claimed from the queue starts: its row is there, already ``running`` (an earlier attempt's events
    stay: their seq goes on). ``inputs`` is JSON text."""
    cur.execute(_RUN_CLAIMED, (workflow_name, inputs, run_id))


def run_started(cur, run_id: str, *, started_at: float, node_count: int) -> None:
    cur.execute(_RUN_STARTED, (started_at, node_count, run_id))


def run_finished(cur, run_id: str, *, status: str, outputs: str, error: str | None, finished_at: float,
                 duration_ms: float, cache_hits: int | None = None, cache_misses: int | None = None) -> None:
    """The run's end; ``outputs`` is JSON text."""
    cur.execute(_RUN_FINISHED, (status, outputs, error, finished_at, duration_ms, cache_hits, cache_misses, run_id))
