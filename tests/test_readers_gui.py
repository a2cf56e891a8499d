"""The editor's lists see the truth (SPEC §6a, §8): a run whose process was SIGKILLed shows ``interrupted`` in the
past-runs list, and a queued run whose worker was SIGKILLed shows queued again in the Queue dock — at once, before
the dead process's lease expired, with the window's own run service never opened (nothing else recovers it)."""

import asyncio
import signal
import subprocess
import sys
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QTreeWidget

from .builder import Flow
from .test_queue_gui import ROOT, on_loop, until


def _slow(window) -> str:
    wf = Flow("Slow").node("d", "delay", seconds=60).node("o", "output", name="o").edge("d.value", "o.value").build()
    return window.store.workflows.create(wf).id


async def _nodeloom(window, *args):
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "app.cli", "--home", str(window.home), *args,
                                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


async def _kill(window, proc) -> float:
    """SIGKILL ``proc``; when its lease would have expired."""
    [lease] = [x for x in window.store.leases.list() if x.pid == proc.pid]
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    return lease.expires_at


def _past(window) -> list[tuple[str, str]]:
    rows = window.findChild(QListWidget, "pastRuns")
    return [(rows.item(i).data(Qt.ItemDataRole.UserRole), rows.item(i).text().split()[1]) for i in range(rows.count())]


def _queue(window) -> list[tuple[str, str]]:
    rows = window.findChild(QTreeWidget, "queueList")
    return [(rows.topLevelItem(i).text(7), rows.topLevelItem(i).text(1)) for i in range(rows.topLevelItemCount())]


def test_past_runs_show_a_killed_process_run_interrupted_at_once(window):
    window.workflows.open(_slow(window))
    window.run_dock.show()

    async def go():
        proc = await _nodeloom(window, "run", "Slow", "-q")
        await until(lambda: [s for _, s in _past(window)] == ["running"], timeout=30,
                    what="the other process's run in past runs, running")
        expires = await _kill(window, proc)
        await until(lambda: [s for _, s in _past(window)] == ["interrupted"], timeout=3,
                    what="the killed run shown interrupted")
        return time.time() < expires

    assert on_loop(window, go), "shown interrupted only after the dead process's lease expired"
    assert window.runs.service is None  # no run service of this window recovered it


def test_the_queue_dock_shows_a_killed_workers_run_queued_again_at_once(window):
    wid = _slow(window)
    window.watch.stop()  # the dock's own reads, and nothing else, follow the store
    window.queue_dock.show()
    window.queue_dock.raise_()

    async def go():
        enqueued = await _nodeloom(window, "run", wid, "--enqueue")
        out, _ = await enqueued.communicate()
        run = out.decode().split()[0][:8]
        await until(lambda: _queue(window) == [(run, "queued")], timeout=15, what="the queued run in the dock")
        worker = await _nodeloom(window, "worker")
        await until(lambda: _queue(window) == [(run, "running")], timeout=30, what="the run running in the worker")
        expires = await _kill(window, worker)
        await until(lambda: _queue(window) == [(run, "queued (again)")], timeout=3,
                    what="the killed worker's run queued again")
        return time.time() < expires

    assert on_loop(window, go), "queued again only after the dead worker's lease expired"
    assert window.runs.service is None


def test_the_welcome_page_lists_a_workflow_another_process_made(window):
    """`nodeloom import` (or any other process) adds a workflow while the window shows its welcome page: it is
    listed without the user typing in the search box (an outside tester had to)."""
    listed = window.findChild(QListWidget, "workflowList")

    def names():
        return [listed.item(i).text().split("\n")[0] for i in range(listed.count())]

    async def go():
        await until(lambda: window.watch.workflows is not None, timeout=10, what="the watcher's first look")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "import sys; from engine.store import Store; from tests.builder import Flow; "
            "s = Store(sys.argv[1], install_templates=False); "
            "s.workflows.create(Flow('Made elsewhere').node('i', 'input', name='x').build()); s.close()",
            str(window.home), cwd=ROOT)
        assert await proc.wait() == 0
        await until(lambda: any("Made elsewhere" in n for n in names()), timeout=10, what="the new workflow listed")

    assert window.current_tab() is None
    on_loop(window, go)
