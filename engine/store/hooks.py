"""Webhook secrets and recent delivery ids (SPEC §9).

A secret is in the Standard Webhooks form, ``whsec_<base64 of 32 random bytes>``: the bytes after the prefix,
decoded, are the HMAC-SHA256 key that signs deliveries and callbacks (:mod:`engine.runs.webhooks`). Secrets
made before were plain text used as the key itself; migration 0006 rewrote them as ``whsec_`` + the base64 of
that text, so the key a sender holds did not change."""

from __future__ import annotations

import base64
import secrets
import time

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..errors import NotFound
from .db import Database
from .models import HookDeliveryRow, HookRow, WorkflowRow

__all__ = ["HookRepo", "DELIVERY_TTL_S", "SECRET_PREFIX", "new_secret"]

DELIVERY_TTL_S = 24 * 3600  # a delivery id seen this recently is a repeat
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A new webhook secret: ``whsec_`` and the base64 of 32 random bytes (the key)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


class HookRepo:
    def __init__(self, db: Database):
        self.db = db

    def secret(self, workflow_id: str) -> str:
        """The workflow's webhook secret, made on first use."""
        with self.db.write() as s:
            self._live(s, workflow_id)
            row = s.get(HookRow, workflow_id)
            if row is None:
                row = HookRow(workflow_id=workflow_id, secret=new_secret(), created_at=time.time())
                s.add(row)
            return row.secret

    def regenerate(self, workflow_id: str) -> str:
        """A new secret: deliveries signed with the old one are refused from now on."""
        with self.db.write() as s:
            self._live(s, workflow_id)
            row = s.get(HookRow, workflow_id)
            new = new_secret()
            if row is None:
                s.add(HookRow(workflow_id=workflow_id, secret=new, created_at=time.time()))
            else:
                row.secret, row.created_at = new, time.time()
            return new

    def signing_secret(self, workflow_id: str) -> str | None:
        """The secret that signs a run's callback: the workflow's (made now if it has none) — its own still when
        the workflow was deleted (to the bin) since the run began; None when the workflow is gone for good."""
        with self.db.write() as s:
            row = s.get(HookRow, workflow_id)
            if row is not None:
                return row.secret
            if s.get(WorkflowRow, workflow_id) is None:
                return None
            row = HookRow(workflow_id=workflow_id, secret=new_secret(), created_at=time.time())
            s.add(row)
            return row.secret

    def first_delivery(self, workflow_id: str, delivery: str, *, now: float | None = None) -> bool:
        """Note a delivery id; False when it was received in the last 24 hours (then it is not run again)."""
        now = time.time() if now is None else now
        try:
            with self.db.write() as s:
                s.execute(delete(HookDeliveryRow).where(HookDeliveryRow.received_at < now - DELIVERY_TTL_S))
                s.add(HookDeliveryRow(workflow_id=workflow_id, delivery=delivery, received_at=now))
        except IntegrityError:
            return False
        return True

    def delivered(self, workflow_id: str, delivery: str, run_id: str) -> None:
        with self.db.write() as s:
            row = s.get(HookDeliveryRow, (workflow_id, delivery))
            if row is not None:
                row.run_id = run_id

    def forget(self, workflow_id: str, delivery: str) -> None:
        """A delivery that was refused after it was noted (bad inputs): the sender may send it again."""
        with self.db.write() as s:
            s.execute(delete(HookDeliveryRow).where(HookDeliveryRow.workflow_id == workflow_id,
                                                    HookDeliveryRow.delivery == delivery))

    def run_of(self, workflow_id: str, delivery: str) -> str | None:
        with self.db.read() as s:
            return s.scalar(select(HookDeliveryRow.run_id).where(HookDeliveryRow.workflow_id == workflow_id,
                                                                 HookDeliveryRow.delivery == delivery))

    @staticmethod
    def _live(s, workflow_id: str) -> None:
        row = s.get(WorkflowRow, workflow_id)
        if row is None or row.deleted_at is not None:
            raise NotFound(f"no workflow with id {workflow_id!r}")
