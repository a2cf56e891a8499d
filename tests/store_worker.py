"""Helper processes for the crash tests (run as ``python -m tests.store_worker MODE HOME``)."""

import asyncio
import os
import sys

from engine.store import Store


def save_versions(home: str) -> None:
    """Create a workflow, then save a new version in a loop, forever (until killed)."""
    from tests.builder import Flow

    store = Store(home, install_templates=False)
    page = store.workflows.list()
    wid = page.items[0].id if page.items else store.workflows.create(Flow("crash").node("c", "constant").build()).id
    n = store.workflows.get(wid).current_version
    print("ready", os.getpid(), flush=True)
    while True:
        n += 1
        f = Flow("crash")
        for i in range(n % 7 + 1):  # documents of varying size, so pages split differently
            f.node(f"c{i}", "constant", value={"n": n, "text": "x" * (n % 500)})
        store.workflows.save(wid, f.build(), message=f"save {n}")


def save_forks(home: str) -> None:
    """A zygote: imports done once, then for each line on stdin a forked child that saves versions until it
    is killed (it prints ``ready PID``). Children are reaped by the OS; 50 kills cost 50 forks, not 50 starts."""
    import signal

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for _line in sys.stdin:
        if os.fork() == 0:
            try:
                save_versions(home)
            finally:
                os._exit(1)


async def long_run(home: str) -> None:
    """Finish one run, then start one that waits 60 s and say so once it is recorded as running."""
    from engine.runs import RunService, RunSettings
    from tests.builder import Flow

    store = Store(home, install_templates=False)
    service = await RunService(store, RunSettings(lease_ttl_s=1, heartbeat_s=0.2), trigger="cli").open()
    quick = Flow("quick").node("c", "constant", value=1).node("o", "output", name="o").edge("c.value", "o.value")
    done = await service.start(quick.build()).result()
    print("finished", done.run_id, flush=True)
    slow = Flow("slow").node("w", "delay", seconds=60).node("o", "output", name="o").edge("w.value", "o.value")
    handle = service.start(slow.build())
    while not store.runs.list(status="running"):
        await asyncio.sleep(0.01)
    print("running", store.runs.list(status="running")[0].id, flush=True)
    await handle.result()


if __name__ == "__main__":
    mode, home = sys.argv[1], sys.argv[2]
    if mode == "save":
        save_versions(home)
    elif mode == "save-forks":
        save_forks(home)
    else:
        asyncio.run(long_run(home))
