"""Run callbacks (SPEC §9): when a run with a ``callback_url`` ends, its run object is POSTed there, signed
like a webhook (``X-Nodeloom-Signature: sha256=<hex HMAC-SHA256 of the body>`` with the workflow's hook
secret), retried with backoff (3 attempts), and only to addresses the settings allow (:mod:`engine.safenet`:
checked on the resolved address at connect time and on every redirect hop)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover - httpx costs a sixth of a second at start-up: imported when a callback goes
    from ..safenet import AddressPolicy, Resolver

__all__ = ["Callbacks", "sign"]

log = logging.getLogger(__name__)
ATTEMPTS = 3


def sign(secret: str, body: bytes) -> str:
    """The ``X-Nodeloom-Signature`` value of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Callbacks:
    """Sends callbacks for a run service. ``policy``: fixed (tests), else read from the service's settings at
    each send (``allow_private_callbacks``)."""

    def __init__(self, *, policy: AddressPolicy | None = None, resolve: Resolver | None = None,
                 delays: tuple[float, ...] = (1.0, 4.0), timeout: float = 15.0):
        self.policy, self.resolve, self.delays, self.timeout = policy, resolve, delays, timeout
        self._tasks: set[asyncio.Task] = set()
        self.delivered: dict[str, int] = {}  # run id → the status the callback answered (the last 1,000)

    def send(self, run_id: str, url: str, payload: Callable[[], Any], secret: Callable[[], Any],
             allow_private: bool) -> asyncio.Task:
        """Deliver in the background: ``payload()`` and ``secret()`` are awaited there (both may read the store)."""
        task = asyncio.ensure_future(self._deliver(run_id, url, payload, secret, allow_private))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def run_ended(self, service, run_id: str, workflow_id: str | None, url: str, task: asyncio.Task) -> None:
        """A run of ``service`` with a callback ended: send its run object once it is recorded."""
        async def payload() -> dict:
            from .objects import recorded_run_json

            return await recorded_run_json(service, run_id)

        async def secret() -> str:
            return await asyncio.to_thread(service.store.hooks.secret, workflow_id) if workflow_id else ""

        self.send(run_id, url, payload, secret, service.settings.allow_private_callbacks)

    async def _deliver(self, run_id: str, url: str, payload, secret, allow_private: bool) -> None:
        import httpx

        from ..safenet import AddressPolicy, Refused, guarded_client

        try:
            body = json.dumps(await payload(), ensure_ascii=False).encode()
            headers = {"Content-Type": "application/json", "X-Nodeloom-Delivery": run_id,
                       "X-Nodeloom-Event": "run.finished", "X-Nodeloom-Signature": sign(await secret(), body)}
        except Exception:  # noqa: BLE001 - a callback never takes the service down
            log.exception("run %s: could not prepare its callback", run_id)
            return
        policy = self.policy or AddressPolicy(allow_private=allow_private)
        async with guarded_client(policy, resolve=self.resolve, timeout=self.timeout) as client:
            for attempt in range(ATTEMPTS):
                try:
                    resp = await client.post(url, content=body, headers=headers)
                    if resp.status_code < 300:
                        self._note(run_id, resp.status_code)
                        return
                    why = f"answered {resp.status_code}"
                    if resp.status_code < 500 and resp.status_code not in (408, 429):
                        break  # the receiver refuses it: sending it again would not help
                except httpx.ConnectError as e:
                    why = str(e)
                    if isinstance(e.__context__, Refused) or str(e).startswith("refused:"):
                        log.warning("run %s: callback to %s %s", run_id, url, why)
                        self._note(run_id, 0)
                        return
                except (httpx.HTTPError, OSError) as e:
                    why = f"{type(e).__name__}: {e}"
                if attempt < ATTEMPTS - 1:
                    await asyncio.sleep(self.delays[min(attempt, len(self.delays) - 1)])
            log.warning("run %s: callback to %s failed: %s", run_id, url, why)
            self._note(run_id, -1)

    def _note(self, run_id: str, status: int) -> None:
        self.delivered[run_id] = status
        while len(self.delivered) > 1000:
            del self.delivered[next(iter(self.delivered))]

    async def close(self, timeout: float = 1.0) -> None:
        """Let deliveries under way finish for ``timeout`` seconds, then drop them (logged)."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("%d callback(s) not delivered: the service stopped", len(pending))
            await asyncio.gather(*pending, return_exceptions=True)
