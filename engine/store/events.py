"""Stored run events (SPEC §9): what a late subscriber is sent first. The run recorder writes them."""

from __future__ import annotations

import json

from sqlalchemy import select

from .db import Database
from .models import RunEventRow

__all__ = ["EventRepo", "MAX_STORED_EVENTS"]

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
