"""Firing triggers (SPEC §7): whichever process dispatches the queue (§6a) fires the triggers too, so two open
processes never fire one trigger twice; every fire queues a run (nothing is lost while the queue is paused).

One task: it fires the schedules that are due and sleeps until the next one is (at most ``trigger_poll_s``,
never without a bound), and keeps a :class:`FolderWatch` for every enabled folder trigger. A schedule late by
more than ``LATE_S`` (the app was closed, the machine slept) fires once, marked as a catch-up, with
``catch_up: once``, and not at all with ``skip``; either way it is next due after now. Firing and moving the
trigger on are one transaction that only succeeds if nobody fired it meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import TYPE_CHECKING, Callable

from ..errors import InputError, NodeloomError, ScheduleError
from ..store import SeenFile, TriggerInfo
from .folders import FolderWatch
from .schedule import Schedule
from .triggers import FILE_INPUT, FILE_NAME_INPUT

if TYPE_CHECKING:  # pragma: no cover
    from .service import RunService

__all__ = ["TriggerFirer", "LATE_S"]

log = logging.getLogger(__name__)
LATE_S = 120.0  # a schedule this late (or more) missed its time: catch_up decides


class TriggerFirer:
    def __init__(self, service: "RunService", clock: Callable[[], float] = time.time):
        self.service, self.clock = service, clock
        self.store = service.store
        self.watches: dict[str, FolderWatch] = {}
        self._task: asyncio.Task | None = None
        self._woken: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._woken = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        self._task = self._loop.create_task(self._run(), name="nodeloom-triggers")

    def wake(self) -> None:
        """Look at the triggers now (one was added or changed in this process — from any thread)."""
        if self._woken is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._woken.set()
        else:
            try:
                self._loop.call_soon_threadsafe(self._woken.set)
            except RuntimeError:  # the loop is closed: nothing to wake
                pass

    async def stop(self) -> None:
        self._stopping = True  # (the loop ends even if a cancellation were lost on the way)
        if self._task is not None:
            self._woken.set()
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._stop_watches(list(self.watches))

    async def _run(self) -> None:
        holding = self.service.dispatcher.holding
        while not self._stopping:
            self._woken.clear()  # (a wake() during the work below is kept: the wait then returns at once)
            try:
                if not holding.is_set():
                    await self._stop_watches(list(self.watches))
                    await _until(holding, self.service.settings.trigger_poll_s)
                    continue
                await self.tick()
                await self.sync_watches()
                pause = await asyncio.to_thread(self._pause)
            except asyncio.TimeoutError:
                continue
            except Exception:  # noqa: BLE001 - a busy database now and then must not stop the triggers
                log.exception("firing triggers")
                pause = 5.0
            await _until(self._woken, pause)

    def _pause(self) -> float:
        """Until the next schedule is due, at most ``trigger_poll_s``."""
        dues = [t.next_due for t in self.store.triggers.list(kind="schedule", enabled=True) if t.next_due]
        wait = self.service.settings.trigger_poll_s
        if dues:
            wait = min(wait, max(0.05, min(dues) - self.clock()))
        return wait

    # -- schedules -------------------------------------------------------------------------------------------

    async def tick(self) -> list[str]:
        """Fire every schedule that is due now; the ids of the runs queued."""
        now = self.clock()
        due = [t for t in await asyncio.to_thread(self.store.triggers.list, kind="schedule", enabled=True)
               if t.next_due is not None and t.next_due <= now]
        queued: list[str] = []
        for t in due:
            queued += await asyncio.to_thread(self._fire_schedule, t, now)
        if queued:
            self.service.wake()
        return queued

    def _fire_schedule(self, t: TriggerInfo, now: float) -> list[str]:
        try:
            following = Schedule(t.config["cron"], t.config.get("tz")).next_after(now)
        except (ScheduleError, KeyError) as e:
            self.store.triggers.failed(t.id, f"cannot fire: {e}", None, expected_due=t.next_due)
            return []
        late = now - t.next_due >= LATE_S
        if late and t.catch_up == "skip":
            return self.store.triggers.fire(t.id, t.next_due, following, [], now=now) or []
        try:
            row = self._row(t, dict(t.inputs), {"due_at": t.next_due, **({"catch_up": True} if late else {})})
        except (NodeloomError, ValueError) as e:
            self.store.triggers.failed(t.id, f"could not queue a run: {e}", following, expected_due=t.next_due)
            return []
        return self.store.triggers.fire(t.id, t.next_due, following, [row], now=now) or []

    def _row(self, t: TriggerInfo, inputs: dict, extra: dict, file: str | None = None) -> dict:
        """The queued run of a fire: the workflow's current version with the trigger's inputs (checked); a
        file's path (and its name, when the workflow has an input ``file_name``)."""
        wid, version = self.store.workflows.latest(t.workflow_id)
        plan = self.service.targets.stored(wid, version)
        if file is not None:
            inputs = {**inputs, FILE_INPUT: file,
                      **({FILE_NAME_INPUT: os.path.basename(file)} if FILE_NAME_INPUT in plan.inputs else {})}
        try:
            return self.service.launcher.queued_row(plan, inputs, workflow_id=wid, version=version, document=None,
                                                    priority=t.priority, trigger=t.kind, options=extra,
                                                    trigger_id=t.id)
        except InputError as e:
            raise NodeloomError("; ".join(e.problems)) from None

    # -- folders -----------------------------------------------------------------------------------------------

    async def sync_watches(self) -> None:
        """A watch for every enabled folder trigger (a changed one is watched again with its new config)."""
        wanted = {t.id: t for t in await asyncio.to_thread(self.store.triggers.list, kind="folder", enabled=True)}
        for tid, w in self.watches.items():
            if tid in wanted and w.error and wanted[tid].last_error != w.error:
                await asyncio.to_thread(self.store.triggers.failed, tid, w.error)
        stale = [tid for tid, w in self.watches.items()
                 if tid not in wanted or wanted[tid].updated_at != w.trigger.updated_at or not w.alive]
        await self._stop_watches(stale)
        for tid, t in wanted.items():
            if tid not in self.watches:
                seen = await asyncio.to_thread(self.store.triggers.seen, tid)
                watch = FolderWatch(t, seen, self._settle, asyncio.get_running_loop(), self.clock)
                self.watches[tid] = watch
                watch.start()

    async def _stop_watches(self, ids: list[str]) -> None:
        for tid in ids:
            watch = self.watches.pop(tid, None)
            if watch is not None:
                await watch.stop()

    async def _settle(self, t: TriggerInfo, fired: list[SeenFile], quiet: list[SeenFile], gone: list[str]) -> None:
        def store() -> list[str] | None:
            rows = []
            for f in fired:
                try:
                    rows.append((f, self._row(t, dict(t.inputs), {"file": f.path}, file=f.path)))
                except (NodeloomError, ValueError) as e:
                    self.store.triggers.failed(t.id, f"could not queue a run for {f.path}: {e}")
                    quiet.append(f)
            return self.store.triggers.note_files(t.id, fired=rows, quiet=quiet, gone=gone, now=self.clock())

        if await asyncio.to_thread(store):
            self.service.wake()


async def _until(event: asyncio.Event, seconds: float) -> None:
    """Until ``event`` is set or ``seconds`` have passed. (Not ``asyncio.wait_for``: on Python 3.11 it can
    swallow a cancellation that arrives as its wait ends — the CI once hung for good in ``stop()`` that way.)"""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        pass
