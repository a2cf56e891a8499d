"""Webhook deliveries (SPEC §9), per Standard Webhooks (https://www.standardwebhooks.com, the
``standardwebhooks`` package signs and verifies):

    webhook-id: <the message's id, kept across the sender's retries>
    webhook-timestamp: <whole seconds since 1970, UTC, when it was signed>
    webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}" under the secret's key>

with the workflow's secret in the ``whsec_<base64 key>`` form (:mod:`engine.store.hooks`). The signature alone
authenticates a delivery — it covers the id, so a captured delivery sent again under a new id fails; one sent
again under its id within 24 hours is a duplicate and is not run; a timestamp more than 5 minutes off is refused.

:func:`deliver` is everything a delivery does, the route only parses and formats: it checks the signature, the
workflow's webhook trigger (switched off: refused; on: its inputs and priority go to the run), the id, the body,
then queues the run through the launcher — which counts it toward the requester's runs a minute. Outgoing
callbacks are signed the same way (:func:`signed_headers`, used by :mod:`engine.runs.callbacks`).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Mapping

from ..errors import WebhookRefused
from ..store import DEFAULT_PRIORITY

if TYPE_CHECKING:  # pragma: no cover
    from .service import RunService

__all__ = ["Delivery", "deliver", "verify", "signed_headers", "HEADERS", "TOLERANCE_S"]

#: the headers a delivery carries, in the order the signature covers them (then the body)
HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
TOLERANCE_S = 5 * 60  # a timestamp further off than this (either way) is refused
_ID = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")
_SECONDS = re.compile(r"^[0-9]{1,12}$")
_RECIPE = ('sign "{webhook-id}.{webhook-timestamp}.{body}" with HMAC-SHA256 under the workflow\'s whsec_ secret '
           "(the base64 after whsec_ is the key) and send v1,<base64 signature>")


@dataclass(frozen=True)
class Delivery:
    """What a delivery became: ``queued`` (a new run) or ``duplicate`` (its id was seen: the run it started)."""

    status: str
    run_id: str | None


def verify(secret: str, body: bytes, headers: Mapping[str, str], *, now: float | None = None) -> str:
    """The delivery's ``webhook-id`` when ``headers`` sign ``body`` with ``secret`` at a time within 5 minutes of
    ``now``; else :class:`WebhookRefused` (``signature``) saying what is wrong."""
    headers = _signed(headers)
    stamp = headers["webhook-timestamp"].strip()
    if not _SECONDS.match(stamp):
        raise WebhookRefused("signature", f"webhook-timestamp must be the whole seconds since 1970 (UTC) when the "
                                          f"delivery was signed, not {stamp[:40]!r}")
    off = (time.time() if now is None else now) - int(stamp)
    if abs(off) > TOLERANCE_S:
        way = "old" if off > 0 else "ahead of this computer's clock"
        raise WebhookRefused("signature", f"the webhook-timestamp is {abs(off):.0f} s {way}: one more than 5 minutes "
                                          "off is refused (sign each delivery as it is sent; check the clocks)")
    from standardwebhooks import Webhook  # (here: a run's path does not need it)
    from standardwebhooks.webhooks import WebhookVerificationError

    try:
        Webhook(secret).verify(body, headers, json_parse=False)
    except WebhookVerificationError as e:
        if "timestamp" in str(e).lower():  # (the clock moved between the two checks)
            raise WebhookRefused("signature", f"the webhook-timestamp is more than 5 minutes off: {e}") from None
        raise WebhookRefused("signature", f"the webhook-signature does not match this delivery: {_RECIPE}") from None
    return headers["webhook-id"]


def _signed(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` with lower-case names; WebhookRefused (``signature``) naming each Standard Webhooks header that
    is missing."""
    headers = {k.lower(): v for k, v in headers.items()}
    missing = [h for h in HEADERS if not headers.get(h)]
    if missing:
        raise WebhookRefused("signature", f"the delivery has no {', '.join(missing)} header: {_RECIPE}")
    return headers


def signed_headers(secret: str, msg_id: str, body: bytes, *, when: datetime | None = None) -> dict[str, str]:
    """The Standard Webhooks headers that sign ``body`` as message ``msg_id`` with ``secret`` (now)."""
    from standardwebhooks import Webhook

    when = when or datetime.now(timezone.utc)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, when, body)}


def _inputs(body: bytes) -> dict:
    try:
        inputs = json.loads(body) if body.strip() else {}
    except (ValueError, RecursionError) as e:
        raise WebhookRefused("body", f"the body is not JSON: {e}") from None
    if not isinstance(inputs, dict):
        raise WebhookRefused("body", "the body must be a JSON object of input name: value (or empty)")
    return inputs


async def deliver(service: "RunService", workflow_id: str, body: bytes, headers: Mapping[str, str], *,
                  requester: str | None = None) -> Delivery:
    """Run one webhook delivery: queue a run of the workflow with the body's inputs (as data) over its webhook
    trigger's, at the trigger's priority, counted toward ``requester``'s runs a minute — or say why not.

    Raises WebhookRefused (``signature``: a header missing — said before anything is looked up —, not signed with
    its secret, or stale; ``off``: its webhook trigger is switched off; ``body``: a bad id or body), NotFound (no
    such workflow), InputError (inputs that do not fit the workflow), RunsLimited or QueueFull. A delivery refused
    after its id was noted is forgotten, so the sender may send it again."""
    store, blocking = service.store, service.run_blocking
    _signed(headers)  # an unsigned delivery is refused before anything is looked up
    secret = await blocking(store.hooks.secret, workflow_id)
    msg_id = verify(secret, body, headers)
    hooks = await blocking(lambda: store.triggers.list(workflow_id, kind="webhook"))
    on = [t for t in hooks if t.enabled]
    if hooks and not on:
        raise WebhookRefused("off", "the workflow's webhook is switched off (its trigger is off)")
    if not _ID.match(msg_id):
        raise WebhookRefused("body", "webhook-id must be 1-200 letters, digits or . _ : -")
    inputs = _inputs(body)
    trigger = on[0] if on else None
    if not await blocking(store.hooks.first_delivery, workflow_id, msg_id):
        return Delivery("duplicate", await blocking(store.hooks.run_of, workflow_id, msg_id))
    try:
        [run_id] = await service.launcher.enqueue_many(
            workflow_id, [{**(trigger.inputs if trigger else {}), **inputs}], trigger="webhook", mode="async",
            priority=trigger.priority if trigger else DEFAULT_PRIORITY, requester=requester,
            trigger_id=trigger.id if trigger else None)
    except BaseException:
        await blocking(store.hooks.forget, workflow_id, msg_id)  # refused: the sender may send it again
        raise
    await blocking(store.hooks.delivered, workflow_id, msg_id, run_id)
    return Delivery("queued", run_id)
