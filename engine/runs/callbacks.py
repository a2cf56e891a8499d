"""Run callbacks (SPEC §9): when a run with a ``callback_url`` ends, its run object (:func:`engine.store.run_json`,
node runs included) is POSTed there, signed like a webhook — Standard Webhooks headers (``webhook-id``: the run's
id, the same on every attempt; ``webhook-timestamp``; ``webhook-signature``, made anew for each attempt) under the
workflow's ``whsec_`` secret (:mod:`engine.runs.webhooks`) — retried with backoff (3 attempts), and only to
addresses the settings allow (:mod:`engine.safenet`: checked on the resolved address at connect time and on every
redirect hop).

Where the delivery stands is written to the run after every attempt (``runs.callback``: ``attempts``,
``last_error``, ``delivered_at``, ``status_code``), so every front's run object shows it. A run of no stored
workflow (a file or a document run in-process) has no secret to sign with: its callback is not sent — an unsigned
one could not be told from a forged one — and its run says so."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from ..values import json_text
from .webhooks import signed_headers

if TYPE_CHECKING:  # pragma: no cover - httpx costs a sixth of a second at start-up: imported when a callback goes
    from ..safenet import AddressPolicy, Resolver

__all__ = ["Callbacks", "ATTEMPTS", "NO_SECRET"]

log = logging.getLogger(__name__)
ATTEMPTS = 3
NO_SECRET = "not sent: the run has no stored workflow, so no webhook secret to sign its callback with"

Note = Callable[[dict], Awaitable[None]]


class Callbacks:
    """Sends callbacks for a run service. ``policy``: fixed (tests), else read from the service's settings at
    each send (``allow_private_callbacks``)."""

    def __init__(self, *, policy: AddressPolicy | None = None, resolve: Resolver | None = None,
                 delays: tuple[float, ...] = (1.0, 4.0), timeout: float = 15.0):
        self.policy, self.resolve, self.delays, self.timeout = policy, resolve, delays, timeout
        self._tasks: set[asyncio.Task] = set()

    def send(self, run_id: str, url: str, payload: Callable[[], Awaitable[Any]],
             secret: Callable[[], Awaitable[str | None]], note: Note, allow_private: bool) -> asyncio.Task:
        """Deliver in the background: ``payload()`` and ``secret()`` are awaited there (both may read the store;
        a None secret: not sent), and ``note(state)`` after each attempt."""
        task = asyncio.ensure_future(self._deliver(run_id, url, payload, secret, note, allow_private))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def run_ended(self, service, run_id: str, workflow_id: str | None, url: str, task: asyncio.Task) -> None:
        """A run of ``service`` with a callback ended: send its run object once it is recorded."""
        store = service.store

        async def payload() -> dict:
            from .objects import recorded_run_json

            return await recorded_run_json(service, run_id)

        async def secret() -> str | None:
            return await asyncio.to_thread(store.hooks.signing_secret, workflow_id) if workflow_id else None

        async def note(state: dict) -> None:
            try:
                try:  # (its row first: an UPDATE before it would be lost)
                    await asyncio.wait_for(service.recorder.recorded(run_id), 30)
                except asyncio.TimeoutError:
                    pass
                await asyncio.to_thread(store.runs.note_callback, run_id, state)
            except Exception:  # noqa: BLE001 - a callback never takes the service down
                log.exception("run %s: could not record its callback's delivery", run_id)

        self.send(run_id, url, payload, secret, note, service.settings.allow_private_callbacks)

    async def _deliver(self, run_id: str, url: str, payload, secret, note: Note, allow_private: bool) -> None:
        state = {"attempts": 0, "status_code": None, "last_error": None, "delivered_at": None}
        try:
            key = await secret()
            body = json_text(await payload()).encode("utf-8") if key else b""
        except Exception as e:  # noqa: BLE001 - a callback never takes the service down
            log.exception("run %s: could not prepare its callback", run_id)
            state["last_error"] = f"not sent: {type(e).__name__}: {e}"
            return await note(state)
        if not key:
            log.warning("run %s: callback to %s %s", run_id, url, NO_SECRET)
            state["last_error"] = NO_SECRET
            return await note(state)
        await self._attempts(run_id, url, body, key, state, note, allow_private)

    async def _attempts(self, run_id: str, url: str, body: bytes, key: str, state: dict, note: Note,
                        allow_private: bool) -> None:
        import httpx

        from ..safenet import AddressPolicy, Refused, guarded_client

        policy = self.policy or AddressPolicy(allow_private=allow_private)
        async with guarded_client(policy, resolve=self.resolve, timeout=self.timeout) as client:
            for attempt in range(1, ATTEMPTS + 1):
                state["attempts"] = attempt
                headers = {"Content-Type": "application/json", **signed_headers(key, run_id, body)}
                again = True
                try:
                    resp = await client.post(url, content=body, headers=headers)
                    state["status_code"] = resp.status_code
                    if resp.status_code < 300:
                        state.update(last_error=None, delivered_at=time.time())
                        return await note(state)
                    state["last_error"] = f"answered {resp.status_code}"
                    # a refusal (4xx but a timeout or too many requests) would be refused again
                    again = resp.status_code >= 500 or resp.status_code in (408, 429)
                except httpx.ConnectError as e:
                    state["status_code"], state["last_error"] = None, str(e) or type(e).__name__
                    if isinstance(e.__context__, Refused) or str(e).startswith("refused:"):
                        again = False  # an address the settings refuse: never sent
                except (httpx.HTTPError, OSError) as e:
                    state["status_code"], state["last_error"] = None, f"{type(e).__name__}: {e}"
                if not again or attempt == ATTEMPTS:
                    break
                await note(state)  # (the run shows each failed attempt as it happens)
                await asyncio.sleep(self.delays[min(attempt - 1, len(self.delays) - 1)])
        log.warning("run %s: callback to %s failed after %d attempt(s): %s", run_id, url, state["attempts"],
                    state["last_error"])
        await note(state)

    async def idle(self) -> None:
        """Wait until the deliveries under way have ended."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

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
