"""Stored run events (SPEC §9): what a late subscriber is sent first. The run recorder writes those of runs that
run; :func:`store_ended` writes the ``run_finished`` of a run that ends without running on — cancelled while
queued, interrupted (its process gone), refused when claimed — in the same transaction as its row, so every run
that ended has its end among its stored events and a stream never has to make one up."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from ..events import RunFinished, attempt_base, event_to_json
from ..values import json_text
from .db import Database
from .models import RunEventRow, RunRow

__all__ = ["EventRepo", "MAX_STORED_EVENTS", "store_ended"]

#: a run keeps at most this many events (a huge loop's later node events are not stored; its run events are)
MAX_STORED_EVENTS = 200_000


class EventRepo:
    def __init__(self, db: Database):
        self.db = db

    def after(self, run_id: str, seq: int = 0, limit: int = 1000) -> list[dict]:
        """The run's stored events with ``seq`` greater than ``seq``, in order (at most ``limit``)."""
        with self.db.read() as s:
            rows = s.execute(select(RunEventRow.data).where(RunEventRow.run_id == run_id, RunEventRow.seq > seq)
                             .order_by(RunEventRow.seq).limit(limit)).scalars().all()
        return [json.loads(r) for r in rows]


def store_ended(s, run_ids, status: str, error: str, ts: float, *, started: bool = False) -> None:
    """The ``run_finished`` of runs that end here without an executor (``s``: the write session that ends their
    rows). Its seq comes after every attempt so far (``started``: the attempt just claimed never emitted one)."""
    for run_id, attempt in s.execute(select(RunRow.id, RunRow.attempt).where(RunRow.id.in_(list(run_ids)))).all():
        seq = attempt_base((attempt or 0) + (0 if started else 1)) + 1
        last = s.scalar(select(func.max(RunEventRow.seq)).where(RunEventRow.run_id == run_id))
        seq = max(seq, (last or 0) + 1)  # (an attempt that did start and say things: after what it said)
        ev = RunFinished(run_id, seq, ts, status, {}, error, None)  # (it never ran to an end: no duration)
        s.add(RunEventRow(run_id=run_id, seq=seq, kind=ev.kind, data=json_text(event_to_json(ev))))
