"""The queue and the store's verbs from the command line, run as a user runs them: real subprocesses."""

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine.store import Store

from .builder import Flow

ROOT = Path(__file__).resolve().parents[1]


def nodeloom(home, *args, timeout=60):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)


@pytest.fixture
def home(tmp_path):
    store = Store(tmp_path, install_templates=False)
    wf = (Flow("add one").node("n", "input", name="n", type="integer", required=True)
          .node("t", "transform", expression="data + 1").node("o", "output", name="r")
          .edge("n.value", "t.data").edge("t.result", "o.value").build())
    store.workflows.create(wf)
    store.close()
    return tmp_path


def queued(home) -> list[dict]:
    return json.loads(nodeloom(home, "queue", "--json").stdout)["queued"]


def test_enqueue_list_reorder_cancel_and_a_worker_that_runs_the_rest(home):
    assert nodeloom(home, "queue", "pause").returncode == 0
    one = nodeloom(home, "run", "add one", "--enqueue", "-i", "n=1")
    assert one.returncode == 0, one.stderr
    [first] = one.stdout.split()
    inputs = home / "list.jsonl"
    inputs.write_text('{"n": 10}\n\n{"n": 20}\n')
    more = nodeloom(home, "run", "add one", "--enqueue", "--inputs-list", inputs, "--copies", "2", "--priority", "3")
    assert more.returncode == 0, more.stderr
    later = more.stdout.split()
    assert len(later) == 4
    assert [q["id"] for q in queued(home)] == [first, *later]
    assert [q["inputs"] for q in queued(home)] == [{"n": 1}, {"n": 10}, {"n": 10}, {"n": 20}, {"n": 20}]
    assert nodeloom(home, "queue", "next", later[-1]).returncode == 0
    assert nodeloom(home, "queue", "move", later[0], "--after", later[1]).returncode == 0
    assert nodeloom(home, "queue", "priority", later[2], "9").returncode == 0
    said = nodeloom(home, "queue", "cancel", first)
    assert (said.returncode, said.stdout.strip()) == (0, "cancelled")
    order = [later[2], later[3], later[1], later[0]]
    assert [q["id"] for q in queued(home)] == order
    listing = nodeloom(home, "queue")
    assert listing.stdout.startswith("(paused") and listing.stdout.count("  queued  ") == 4
    assert nodeloom(home, "queue", "resume").returncode == 0
    worker = subprocess.Popen([sys.executable, "-m", "app.cli", "--home", str(home), "worker"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = worker.stdout.readline()
        assert line.startswith(f"dispatching the queue of {home}"), worker.stderr.read()
        deadline = time.time() + 30
        while queued(home) or json.loads(nodeloom(home, "queue", "--json").stdout)["running"]:
            assert time.time() < deadline
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0  # SIGTERM stops it cleanly
    runs = {r["id"]: r for r in json.loads(nodeloom(home, "runs", "--json").stdout)}
    assert [runs[i]["outputs"]["r"] for i in order] == [21, 21, 11, 11]
    assert runs[first]["status"] == "cancelled"
    started = sorted(order, key=lambda i: runs[i]["started_at"])
    assert started == order  # the worker started them in queue order
    table = {line.split()[0]: line for line in nodeloom(home, "runs").stdout.splitlines()[1:]}
    assert table[first].split()[-2:] == ["—", "—"]  # cancelled before it started: no start time, no duration
    assert "—" not in table[order[0]]  # (an outside tester saw its queued time under STARTED)


def test_bad_queue_arguments_are_clear_errors(home):
    cases = [
        (("run", "add one", "--enqueue", "--priority", "11"), "priority must be a whole number from 1 to 10, not 11"),
        (("run", "add one", "--enqueue", "--copies", "0"), "copies must be from 1 to 100000, not 0"),
        (("run", "add one", "--enqueue", "-i", "n=x"), "input 'n' must be of type integer, not str"),
        (("run", "add one", "--enqueue"), "missing required input 'n'"),
        (("run", "add one", "--copies", "2"), "--copies goes with --enqueue"),
        (("run", "no such flow", "--enqueue"), "no workflow with id or name 'no such flow'"),
        (("queue", "cancel", "nope"), "no run with id 'nope'"),
        (("queue", "priority", "nope"), "usage: nodeloom queue priority ID N"),
        (("queue", "move", "a"), "queue move needs exactly one of --before OTHER and --after OTHER"),
        (("worker", "--max-concurrent", "0"), "max_concurrent_runs must be from 1 to 1000, not 0"),
        (("replay", "nope"), "no run with id 'nope'"),
        (("diff", "add one", "1", "7"), "has no version 7"),
        (("rollback", "add one", "7"), "has no version 7"),
        (("delete", "nope"), "no workflow with id or name 'nope'"),
    ]
    for n, (content, message) in enumerate([(b'{"n": 1}\n[1]\n', "line 2 is not a JSON object"),
                                            (b'{"n": 1}\n{"n": \n', "line 2 is not valid JSON"),
                                            (b"\xff\xfe\x00", "is not UTF-8 text"),
                                            (b"[" * 100_000, "not a valid JSON array"),
                                            (b"", "no inputs yet")]):
        bad = home / f"bad{n}.jsonl"
        bad.write_bytes(content)
        cases.append((("run", "add one", "--enqueue", "--inputs-list", bad), message))
    with ThreadPoolExecutor(4) as pool:  # independent refusals: four processes at a time
        done = list(pool.map(lambda case: nodeloom(home, *case[0]), cases))
    for (args, message), proc in zip(cases, done):
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr, (args, proc.stderr)
    assert queued(home) == []  # nothing refused was queued


def test_replay_diff_rollback_delete_restore(home):
    first = json.loads(nodeloom(home, "run", "add one", "-i", "n=4", "--json").stdout)
    assert first["outputs"] == {"r": 5}
    again = nodeloom(home, "replay", first["run_id"], "--from", "t", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["outputs"] == {"r": 5}
    assert json.loads(again.stdout)["nodes"]["n"]["status"] == "cached"  # reused from the first run
    store = Store(home, install_templates=False)
    wid = store.workflows.resolve("add one").id
    changed = Flow("add one").node("n", "input", name="n", type="integer", required=True) \
        .node("t", "transform", expression="data + 2").node("o", "output", name="r") \
        .edge("n.value", "t.data").edge("t.result", "o.value").build()
    store.workflows.save(wid, changed)
    store.close()
    diff = nodeloom(home, "diff", "add one", "1", "2")
    assert diff.returncode == 0 and "~ node t" in diff.stdout
    assert 'expression: "data + 1" → "data + 2"' in diff.stdout
    as_json = json.loads(nodeloom(home, "diff", wid, "1", "2", "--json").stdout)
    assert as_json["nodes_changed"][0]["node_id"] == "t"
    back = nodeloom(home, "rollback", "add one", "1")
    assert back.returncode == 0 and "version 3 is version 1 again" in back.stdout
    assert json.loads(nodeloom(home, "run", "add one", "-i", "n=4", "--json").stdout)["outputs"] == {"r": 5}
    assert nodeloom(home, "delete", wid).returncode == 0
    assert nodeloom(home, "run", "add one", "-i", "n=4").returncode == 2
    assert nodeloom(home, "restore", wid).returncode == 0
    assert nodeloom(home, "run", "add one", "-i", "n=4", "-q").stdout.strip() == "r: 5"


def test_a_lone_surrogate_in_queued_inputs_is_refused_and_the_queue_stays_readable(tmp_path):
    store = Store(tmp_path, install_templates=False)
    store.workflows.create(Flow("echo").node("s", "input", name="s", type="string").node("o", "output", name="s")
                           .edge("s.value", "o.value").build())
    store.close()
    assert nodeloom(tmp_path, "queue", "pause").returncode == 0
    refused = nodeloom(tmp_path, "run", "echo", "--enqueue", "-i", 's="\\ud800"')
    assert refused.returncode == 2 and "input 's': the text at the top has a lone surrogate" in refused.stderr
    listing = nodeloom(tmp_path, "queue")
    assert listing.returncode == 0
    as_json = nodeloom(tmp_path, "queue", "--json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout)["queued"] == []


def test_triggers_from_the_command_line(home, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    added = nodeloom(home, "triggers", "add", "add one", "--cron", "*/15 * * * *", "--tz", "Europe/Berlin",
                     "-i", "n=3", "--priority", "8")
    assert added.returncode == 0, added.stderr
    tid = added.stdout.strip()
    assert "next:" in added.stderr
    listed = json.loads(nodeloom(home, "triggers", "list", "add one", "--json").stdout)
    assert [(t["id"], t["kind"], t["config"], t["inputs"], t["priority"]) for t in listed] == [
        (tid, "schedule", {"cron": "*/15 * * * *", "tz": "Europe/Berlin"}, {"n": 3}, 8)]
    bad = nodeloom(home, "triggers", "add", "add one", "--cron", "* * *", "-i", "m=1", "--priority", "0")
    assert bad.returncode == 2 and bad.stdout == ""
    assert "5 fields" in bad.stderr and "unknown input 'm'" in bad.stderr and "priority" in bad.stderr
    folder = nodeloom(home, "triggers", "add", "add one", "--folder", inbox, "--webhook")
    assert folder.returncode == 2 and "exactly one of" in folder.stderr
    assert "is off" in nodeloom(home, "triggers", "disable", tid).stdout
    table = nodeloom(home, "triggers").stdout
    assert tid in table and "off" in table and "*/15 * * * * (Europe/Berlin)" in table
    assert nodeloom(home, "triggers", "remove", tid).returncode == 0
    gone = nodeloom(home, "triggers", "remove", tid)
    assert gone.returncode == 2 and "no trigger with id" in gone.stderr


def test_a_worker_waiting_for_a_dispatcher_that_is_gone_says_so(home):
    """A dispatcher killed (kill -9) still holds the queue until its lease runs out; a worker started meanwhile
    said "worker process N dispatches the queue" of the dead process (an outside tester) — it says it is gone."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # (a pid that was, and is no more)
    store = Store(home, install_templates=False)
    lease = store.leases.acquire("worker", 30.0)
    assert store.leases.take_dispatch(lease)
    with store.db.write_cursor() as cur:
        cur.execute("UPDATE leases SET pid = ?, proc_start = NULL WHERE id = ?", (gone.pid, lease))
    store.close()
    worker = subprocess.Popen([sys.executable, "-m", "app.cli", "--home", str(home), "worker"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        said = worker.stderr.readline()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    assert said.startswith(f"waiting: worker process {gone.pid}, which dispatched the queue, is gone; this worker "
                           "takes the queue over when its lease runs out (in "), said
