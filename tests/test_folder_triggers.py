"""Folder triggers (SPEC §7, issue 15) on a real temp folder and a real OS watch: copied pictures each start
one run with a complete file (one written slowly in chunks), a link out of the folder starts none, a rename
within it does not fire again, and files that arrived while nobody watched are picked up on start."""

import asyncio
import os
import shutil
import time
from pathlib import Path

import pytest
from PIL import Image

from engine.runs import RunService, RunSettings
from engine.store import Store

from .builder import Flow
from .test_queue import until

FAST = RunSettings(max_concurrent_runs=4, heartbeat_s=0.2, lease_ttl_s=1.0, queue_poll_s=0.05, trigger_poll_s=0.2)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "home", install_templates=False)
    yield s
    s.close()


def sizes_flow(store):
    """path → the picture's size (a half-written picture would fail to load)."""
    wf = (Flow("sizes").node("path", "input", name="path", type="string").node("load", "image_load")
          .node("w", "output", name="width").node("h", "output", name="height")
          .edge("path.value", "load.source").edge("load.width", "w.value").edge("load.height", "h.value").build())
    return store.workflows.create(wf).id


def folder_runs(store):
    return [r for r in store.runs.list(limit=1000) if r.trigger == "folder"]


def picture(path: Path, n: int) -> None:
    Image.new("RGB", (20 + n, 10 + n), (n * 10 % 255, 0, 0)).save(path)


async def watching(service, tid):
    await until(lambda: tid in service.firer.watches, what="the watch started")
    await asyncio.sleep(0.5)  # the OS watch is set up on its thread


def test_twenty_pictures_copied_in_start_twenty_runs_each_with_a_complete_file(store, tmp_path):
    inbox, source, outside = tmp_path / "inbox", tmp_path / "source", tmp_path / "outside"
    for d in (inbox, source, outside):
        d.mkdir()
    for n in range(20):
        picture(source / f"p{n:02}.png", n)
    picture(outside / "secret.png", 99)
    wid = sizes_flow(store)

    async def go():
        async with RunService(store, FAST, dispatch=True) as service:
            t = service.triggers.add(wid, "folder", {"path": str(inbox), "patterns": ["*.png"], "debounce_s": 1.0})
            await watching(service, t.id)
            for n in range(19):
                shutil.copy(source / f"p{n:02}.png", inbox / f"p{n:02}.png")
            data = (source / "p19.png").read_bytes()
            with open(inbox / "p19.png", "wb") as f:  # slowly, in chunks over 2 s
                for i in range(8):
                    f.write(data[i * len(data) // 8:(i + 1) * len(data) // 8])
                    f.flush()
                    await asyncio.sleep(0.25)
            os.symlink(outside / "secret.png", inbox / "link.png")  # out of the folder: never run
            (inbox / "notes.txt").write_text("not a picture")      # not a pattern: never run
            await until(lambda: len([r for r in folder_runs(store) if r.finished]) >= 20, timeout=60,
                        what="20 runs finished")
            os.rename(inbox / "p03.png", inbox / "renamed.png")     # a rename within: not again
            await until(lambda: str(inbox / "renamed.png") in store.triggers.seen(t.id), what="the rename was noted")
            await asyncio.sleep(0.5)
            return t.id

    tid = asyncio.run(go())
    runs = folder_runs(store)
    assert len(runs) == 20, " ".join(sorted(r.inputs["path"].rsplit("/", 1)[1] for r in runs))
    assert all(r.status == "succeeded" for r in runs), [r.error for r in runs if r.status != "succeeded"]
    by_path = {r.inputs["path"]: store.runs.get(r.id).outputs for r in runs}
    assert set(by_path) == {str(inbox / f"p{n:02}.png") for n in range(20)}
    assert all(out == {"width": 20 + n, "height": 10 + n} for n, out in
               ((int(Path(p).stem[1:]), o) for p, o in by_path.items()))
    assert all(r.trigger_id == tid for r in runs)
    t = store.triggers.get(tid)
    assert t.fired == 20 and t.last_error is None
    assert str(inbox / "p03.png") not in store.triggers.seen(tid)  # the old name is forgotten


def test_files_that_arrived_while_nobody_watched_are_picked_up_on_start(store, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    picture(inbox / "before.png", 1)  # there before the trigger: never fired
    time.sleep(0.05)
    wid = sizes_flow(store)

    async def go(catch_up, names):
        async with RunService(store, FAST, dispatch=True) as service:
            service.pause()  # the runs wait in the queue: counted, not run
            if not store.triggers.list():
                t = service.triggers.add(wid, "folder", {"path": str(inbox), "debounce_s": 0.3}, catch_up=catch_up)
            else:
                t = service.triggers.change(store.triggers.list()[0].id, catch_up=catch_up)
            await watching(service, t.id)
            await asyncio.sleep(1.5)
        for name in names:  # while no process watches
            picture(inbox / name, 2)

    asyncio.run(go("once", ["while-closed-1.png", "while-closed-2.png"]))
    assert folder_runs(store) == []
    asyncio.run(go("once", ["while-closed-3.png"]))  # the next start finds the two
    assert sorted(Path(r.inputs["path"]).name for r in folder_runs(store)) == ["while-closed-1.png",
                                                                               "while-closed-2.png"]
    asyncio.run(go("skip", []))  # with skip, the third is only noted
    assert len(folder_runs(store)) == 2
    assert {Path(p).name for p in store.triggers.seen(store.triggers.list()[0].id)} == {
        "before.png", "while-closed-1.png", "while-closed-2.png", "while-closed-3.png"}


def test_two_processes_with_the_same_schedule_make_one_run_per_fire(store, tmp_path):
    """Both stand by to fire; the one dispatching fires; it is SIGKILLed half-way and the other takes over:
    each of the 8 fires still makes exactly one run."""
    from datetime import datetime, timezone

    from .test_processes import line, worker

    start = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc).timestamp()
    clock = tmp_path / "clock"
    clock.write_text(repr(start))
    service = RunService(store, clock=lambda: float(clock.read_text()))
    service.pause()
    t = service.triggers.add(sizes_flow(store), "schedule", {"cron": "*/15 * * * *", "tz": "UTC"},
                             inputs={"path": "/nowhere.png"})
    procs = [worker("triggers", store.home, clock) for _ in range(2)]
    try:
        for p in procs:
            assert line(p) == ["ready"]
        for n in range(1, 9):
            clock.write_text(repr(start + n * 900 + 1))
            deadline = time.monotonic() + 20
            while store.triggers.get(t.id).fired < n:
                assert time.monotonic() < deadline, f"fire {n} did not happen"
                time.sleep(0.02)
            if n == 4:  # the dispatcher dies; the other takes over once its lease expires
                victim = next(p for p in procs if p.pid == store.leases.dispatcher().pid)
                victim.kill()
                victim.wait()
        time.sleep(1.0)  # time for a second fire, if there were one
    finally:
        for p in procs:
            p.kill()
            p.wait()
    runs = [r for r in store.runs.list(limit=100) if r.trigger == "schedule"]
    assert sorted(r.options["due_at"] for r in runs) == [start + n * 900 for n in range(1, 9)]
    assert store.triggers.get(t.id).fired == 8


def test_a_folder_that_is_away_on_start_is_an_error_not_every_file_gone(store, tmp_path):
    """An unplugged drive: the watch says so on the trigger, and once the folder is back only new files run."""
    inbox, away = tmp_path / "inbox", tmp_path / "away"
    inbox.mkdir()
    wid = sizes_flow(store)

    async def go(step):
        async with RunService(store, FAST, dispatch=True) as service:
            service.pause()
            if step == "first":
                t = service.triggers.add(wid, "folder", {"path": str(inbox), "debounce_s": 0.2})
                await watching(service, t.id)
                picture(inbox / "one.png", 1)
                await until(lambda: len(folder_runs(store)) == 1, what="the first file fired")
                return
            [t] = store.triggers.list()
            await until(lambda: store.triggers.get(t.id).last_error, what="the missing folder was reported")
            assert "is not there" in store.triggers.get(t.id).last_error
            inbox.parent.joinpath("away").rename(inbox)  # plugged in again: the watch starts again by itself
            await until(lambda: t.id in service.firer.watches and service.firer.watches[t.id].alive,
                        what="the watch started again")
            await asyncio.sleep(1.0)
            picture(inbox / "two.png", 2)
            await until(lambda: len(folder_runs(store)) == 2, what="the new file fired")
            await asyncio.sleep(1.0)

    asyncio.run(go("first"))
    inbox.rename(away)
    asyncio.run(go("again"))
    assert sorted(Path(r.inputs["path"]).name for r in folder_runs(store)) == ["one.png", "two.png"]
    assert set(Path(p).name for p in store.triggers.seen(store.triggers.list()[0].id)) == {"one.png", "two.png"}
