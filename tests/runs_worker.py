"""Helper processes for the multi-process run tests (``python -m tests.runs_worker MODE HOME ...``).

Each opens a real RunService on the data folder HOME with short leases (so a killed process's lease expires
in about a second) and says what it does on stdout, one line at a time:

- ``run HOME REF``: start the workflow REF; prints ``started RUN_ID``, then ``finished STATUS``.
- ``list-and-run HOME REF``: list the runs there are, run REF; prints ``listed N`` and ``finished STATUS``.
- ``recover HOME SECONDS``: keep a service open for SECONDS; prints ``recovered RUN_ID TIME`` for every run
  it finds left behind by a dead process.
- ``dispatch HOME MAX``: dispatch the queue, at most MAX runs at once; prints ``dispatching`` once it does.
- ``drain HOME MAX``: the queue (paused by the test) resumed and dispatched, at most MAX at once; prints
  ``recorded RUN_ID`` as each queued run is reported finished (``recorder.recorded`` returned).
- ``triggers HOME CLOCK``: stand by to fire triggers, told the time by the file CLOCK (epoch seconds, written
  by the test); prints ``ready`` once its service is open.
"""

import asyncio
import sys
import time

from engine.runs import RunService, RunSettings
from engine.store import Store

SHORT = RunSettings(lease_ttl_s=1.0, heartbeat_s=0.2, queue_poll_s=0.05)


def say(*words) -> None:
    print(*words, flush=True)


async def main(mode: str, home: str, arg: str) -> None:
    store = Store(home, install_templates=False)
    settings = SHORT.replace(max_concurrent_runs=int(arg)) if mode in ("dispatch", "drain") else SHORT
    clock = time.time
    if mode == "triggers":
        settings, clock = SHORT.replace(trigger_poll_s=0.05), lambda: float(open(arg).read())
    service = RunService(store, settings, front="worker" if mode in ("dispatch", "triggers", "drain") else "cli",
                         dispatch=mode in ("dispatch", "triggers", "drain"), clock=clock)
    await service.open()
    if mode == "run":
        handle = service.start(arg)
        say("started", handle.run_id)
        say("finished", (await handle.result()).status)
    elif mode == "list-and-run":
        say("listed", len(store.runs.list(limit=1000)))
        say("finished", (await service.start(arg).result()).status)
    elif mode == "recover":
        deadline = time.monotonic() + float(arg)
        reported = set()
        while time.monotonic() < deadline:
            for run_id in service.recovered.interrupted + service.recovered.requeued:
                if run_id not in reported:
                    reported.add(run_id)
                    say("recovered", run_id, repr(time.time()))
            await asyncio.sleep(0.02)
    elif mode == "dispatch":
        await service.dispatcher.holding.wait()
        say("dispatching")
        await asyncio.Event().wait()  # until killed
    elif mode == "drain":
        await service.dispatcher.holding.wait()
        waiting = [r.id for r in service.queue().queued]
        reported = [asyncio.ensure_future(service.recorder.recorded(run_id)) for run_id in waiting]
        service.resume()
        for run_id, fut in zip(waiting, reported):  # (in queue order, which is start order)
            await fut
            say("recorded", run_id)
        await asyncio.Event().wait()  # until killed
    elif mode == "triggers":
        say("ready")
        await asyncio.Event().wait()  # until killed
    await service.close()
    store.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
