"""Triggers and the files folder triggers have seen (SPEC §7): persistence only — what a trigger means (cron,
folders) is the run service's (engine/runs/triggers). Firing is one transaction: the trigger moves on only
if it is still where the firing process read it, and the queued run is stored with it, so two processes that
both think they should fire store one run."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import delete, select, update

from ..errors import NotFound
from .db import Database
from .models import TriggerFileRow, TriggerRow, WorkflowRow
from .queue import insert_queued

__all__ = ["TriggerRepo", "TriggerInfo", "SeenFile", "TRIGGER_KINDS"]

TRIGGER_KINDS = ("schedule", "folder", "webhook")
_FIELDS = ("enabled", "config", "inputs", "priority", "catch_up", "next_due", "last_error")


@dataclass(frozen=True)
class TriggerInfo:
    id: str
    workflow_id: str
    kind: str
    enabled: bool
    config: dict
    inputs: dict
    priority: int
    catch_up: str
    created_at: float
    updated_at: float
    last_fired: float | None = None
    next_due: float | None = None
    last_error: str | None = None
    fired: int = 0

    @classmethod
    def of(cls, r: TriggerRow) -> "TriggerInfo":
        return cls(r.id, r.workflow_id, r.kind, bool(r.enabled), dict(r.config or {}), dict(r.inputs or {}),
                   r.priority, r.catch_up, r.created_at, r.updated_at, r.last_fired, r.next_due, r.last_error,
                   r.fired or 0)

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SeenFile:
    path: str
    inode: int
    size: int
    mtime_ns: int
    run_id: str | None = None


class TriggerRepo:
    def __init__(self, db: Database):
        self.db = db

    # -- CRUD ------------------------------------------------------------------------------------------------

    def create(self, workflow_id: str, kind: str, config: dict, *, inputs: dict | None = None, priority: int = 5,
               catch_up: str = "once", enabled: bool = True, next_due: float | None = None,
               now: float | None = None) -> TriggerInfo:
        if kind not in TRIGGER_KINDS:
            raise ValueError(f"unknown trigger kind {kind!r}: one of {', '.join(TRIGGER_KINDS)}")
        now = time.time() if now is None else now
        with self.db.write() as s:
            wf = s.get(WorkflowRow, workflow_id)
            if wf is None or wf.deleted_at is not None:
                raise NotFound(f"no workflow with id {workflow_id!r}")
            row = TriggerRow(id=uuid.uuid4().hex, workflow_id=workflow_id, kind=kind, enabled=enabled,
                             config=config, inputs=inputs or {}, priority=priority, catch_up=catch_up,
                             created_at=now, updated_at=now, next_due=next_due, fired=0)
            s.add(row)
            s.flush()
            return TriggerInfo.of(row)

    @staticmethod
    def _row(s, trigger_id: str) -> TriggerRow:
        row = s.get(TriggerRow, trigger_id)
        if row is None:
            raise NotFound(f"no trigger with id {trigger_id!r}")
        return row

    def get(self, trigger_id: str) -> TriggerInfo:
        with self.db.read() as s:
            return TriggerInfo.of(self._row(s, trigger_id))

    def list(self, workflow_id: str | None = None, *, kind: str | None = None,
             enabled: bool | None = None) -> list[TriggerInfo]:
        """Triggers (of one workflow, one kind, enabled or not) of workflows that are not deleted, oldest first."""
        q = select(TriggerRow).join(WorkflowRow, WorkflowRow.id == TriggerRow.workflow_id).where(
            WorkflowRow.deleted_at.is_(None))
        if workflow_id is not None:
            q = q.where(TriggerRow.workflow_id == workflow_id)
        if kind is not None:
            q = q.where(TriggerRow.kind == kind)
        if enabled is not None:
            q = q.where(TriggerRow.enabled.is_(enabled))
        with self.db.read() as s:
            return [TriggerInfo.of(r) for r in s.scalars(q.order_by(TriggerRow.created_at, TriggerRow.id))]

    def update(self, trigger_id: str, *, now: float | None = None, **changes) -> TriggerInfo:
        unknown = set(changes) - set(_FIELDS)
        if unknown:
            raise ValueError(f"a trigger has no field {sorted(unknown)[0]!r}")
        with self.db.write() as s:
            row = self._row(s, trigger_id)
            for k, v in changes.items():
                setattr(row, k, v)
            row.updated_at = time.time() if now is None else now
            s.flush()
            return TriggerInfo.of(row)

    def delete(self, trigger_id: str) -> None:
        with self.db.write() as s:
            row = self._row(s, trigger_id)
            s.execute(delete(TriggerFileRow).where(TriggerFileRow.trigger_id == trigger_id))
            s.delete(row)

    # -- firing ----------------------------------------------------------------------------------------------

    def fire(self, trigger_id: str, expected_due: float | None, next_due: float | None, rows: list[dict], *,
             now: float | None = None) -> list[str] | None:
        """Queue ``rows`` and move the trigger on to ``next_due``, in one transaction — only if it is enabled and
        still due at ``expected_due`` (else another process fired it: None)."""
        now = time.time() if now is None else now
        with self.db.write() as s:
            moved = s.execute(update(TriggerRow).where(
                TriggerRow.id == trigger_id, TriggerRow.enabled.is_(True),
                TriggerRow.next_due.is_(None) if expected_due is None else TriggerRow.next_due == expected_due,
            ).values(next_due=next_due, last_fired=now if rows else TriggerRow.last_fired, last_error=None,
                     fired=TriggerRow.fired + len(rows)))
            if moved.rowcount != 1:
                return None
            return insert_queued(s, rows) if rows else []

    def failed(self, trigger_id: str, error: str, next_due: float | None = None, *,
               expected_due: float | None = None) -> None:
        """Note why the trigger could not fire (and move it on to ``next_due`` when given)."""
        with self.db.write() as s:
            q = update(TriggerRow).where(TriggerRow.id == trigger_id)
            values = {"last_error": error[:2000]}
            if expected_due is not None:
                q = q.where(TriggerRow.next_due == expected_due)
                values["next_due"] = next_due
            s.execute(q.values(**values))

    # -- files of folder triggers ------------------------------------------------------------------------------

    def seen(self, trigger_id: str) -> dict[str, SeenFile]:
        with self.db.read() as s:
            return {r.path: SeenFile(r.path, r.inode, r.size, r.mtime_ns, r.run_id)
                    for r in s.scalars(select(TriggerFileRow).where(TriggerFileRow.trigger_id == trigger_id))}

    def note_files(self, trigger_id: str, *, fired: Iterable[tuple[SeenFile, dict]] = (),
                   quiet: Iterable[SeenFile] = (), gone: Iterable[str] = (),
                   now: float | None = None) -> list[str] | None:
        """In one transaction: queue a run for each ``fired`` file (its queue row beside it) and record the file,
        record the ``quiet`` ones (seen, not fired: a rename, a file there before), forget the ``gone`` paths.
        None when the trigger is gone, or disabled while there was something to fire (nothing is recorded)."""
        now = time.time() if now is None else now
        fired, quiet, gone = list(fired), list(quiet), list(gone)
        with self.db.write() as s:
            row = s.get(TriggerRow, trigger_id)
            if row is None or (fired and not row.enabled):
                return None
            if gone:
                s.execute(delete(TriggerFileRow).where(TriggerFileRow.trigger_id == trigger_id,
                                                       TriggerFileRow.path.in_(gone)))
            ids = insert_queued(s, [r for _, r in fired]) if fired else []
            for f, run_id in [*((f, rid) for (f, _), rid in zip(fired, ids)), *((f, f.run_id) for f in quiet)]:
                s.merge(TriggerFileRow(trigger_id=trigger_id, path=f.path, inode=f.inode, size=f.size,
                                       mtime_ns=f.mtime_ns, seen_at=now, run_id=run_id))
            if fired:
                row.last_fired, row.last_error, row.fired = now, None, (row.fired or 0) + len(fired)
            return ids
