"""sub_workflow: stored workflows run as child runs, nested, linked to their parents, recursion refused."""

import asyncio
import time

import pytest

from engine.executor import Executor
from engine.errors import WorkflowInvalid
from engine.runs import NodeFinished, NodeProgress, RunService
from engine.store import Store

from .builder import Flow


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "home", install_templates=False)
    yield s
    s.close()


def leaf():
    """times_ten: input x → x * 10 → output y"""
    return (Flow("times ten").node("x", "input", name="x").node("t", "transform", expression="data * 10")
            .node("y", "output", name="y").chain("x.value", "t.data").chain("t.result", "y.value").build())


def caller(name, target, mapping, out_field, **sub_config):
    """input n → {mapping: n} → sub_workflow(target) → output_data[out_field] → output"""
    return (Flow(name).node("n", "input", name="n", required=False, default=4)
            .node("pack", "transform", expression=f"{{'{mapping}': data}}")
            .node("sub", "sub_workflow", workflow=target, **sub_config)
            .node("pick", "get_field", path=out_field).node("out", "output", name="result")
            .node("rid", "output", name="child_run")
            .chain("n.value", "pack.data").chain("pack.result", "sub.input_data")
            .chain("sub.output_data", "pick.data").chain("pick.value", "out.value")
            .edge("sub.run_id", "rid.value").build())


def launch(store, ref, inputs=None, **kw):
    async def go():
        async with RunService(store, front="cli") as service:
            sub = service.subscribe()
            result = await service.start(ref, inputs, **kw).result()
            await asyncio.sleep(0)
            return result, sub.drain()

    return asyncio.run(go())


def test_nested_two_levels_outputs_mapped_and_runs_linked(store):
    store.workflows.create(leaf())
    store.workflows.create(caller("middle", "times ten", "x", "y"))
    top = store.workflows.create(caller("top", "middle", "n", "result"))
    result, events = launch(store, top.id, {"n": 3})
    assert result.status == "succeeded", result.error
    assert result.outputs["result"] == 30
    runs = {r.id: r for r in store.runs.list()}
    top_run = runs[result.run_id]
    middle_run = runs[result.outputs["child_run"]]
    (leaf_run,) = [r for r in runs.values() if r.workflow_name == "times ten"]
    assert (top_run.parent_run_id, middle_run.parent_run_id, leaf_run.parent_run_id) == (
        None, top_run.id, middle_run.id)
    assert middle_run.trigger == leaf_run.trigger == "sub_workflow"
    assert middle_run.inputs == {"n": 3} and leaf_run.inputs == {"x": 3} and leaf_run.outputs == {"y": 30}
    # the child's progress shows on the parent's node
    progress = [e.message for e in events if isinstance(e, NodeProgress) and e.run_id == result.run_id]
    assert "middle › sub: succeeded" in progress and "middle › out: succeeded" in progress


def test_a_given_version_runs_that_version(store):
    info = store.workflows.create(leaf())
    changed = leaf().model_copy(update={"nodes": [n if n.id != "t" else n.model_copy(
        update={"config": {"expression": "data * 100"}}) for n in leaf().nodes]})
    store.workflows.save(info.id, changed)
    latest = store.workflows.create(caller("latest", info.id, "x", "y"))
    first = store.workflows.create(caller("first", info.id, "x", "y", version=1))
    assert launch(store, latest.id, {"n": 2})[0].outputs["result"] == 200
    assert launch(store, first.id, {"n": 2})[0].outputs["result"] == 20


def test_recursive_references_are_refused_before_anything_runs(store):
    a = store.workflows.create(caller("ping", "pong", "n", "result"))
    store.workflows.create(caller("pong", "ping", "n", "result"))
    with pytest.raises(WorkflowInvalid) as e:
        launch(store, a.id)
    (issue,) = e.value.issues
    assert (issue.code, issue.node_id) == ("recursive_sub_workflow", "sub")
    assert "ping → pong → ping" in issue.message
    me = store.workflows.create(caller("myself", "myself", "n", "result"))
    with pytest.raises(WorkflowInvalid, match="sub_workflow calls itself: myself → myself"):
        launch(store, me.id)
    ghost = store.workflows.create(caller("ghost", "no such workflow", "n", "result"))
    with pytest.raises(WorkflowInvalid, match="no stored workflow 'no such workflow'"):
        launch(store, ghost.id)
    assert store.runs.list() == []  # nothing was started


def test_async_mode_returns_the_child_run_id_at_once(store):
    slow = (Flow("slow child").node("x", "input", name="x").node("d", "delay", seconds=2)
            .node("y", "output", name="y").chain("x.value", "d.value").chain("d.value", "y.value").build())
    store.workflows.create(slow)
    top = store.workflows.create(caller("starter", "slow child", "x", "y", execution_mode="async"))

    async def go():
        async with RunService(store) as service:
            t0 = time.perf_counter()
            result = await service.start(top.id, {"n": 1}).result()
            took = time.perf_counter() - t0
            child = result.outputs["child_run"]
            await service.handle(child).result()
        return result, took, child

    result, took, child = asyncio.run(go())
    assert result.status == "succeeded" and took < 1.5  # it did not wait for the 2 s child
    run = store.runs.get(child)
    assert (run.status, run.parent_run_id, run.mode, run.outputs) == ("succeeded", result.run_id, "async", {"y": 1})


def test_bad_input_data_and_a_failing_child_fail_the_node_clearly(store):
    store.workflows.create(leaf())
    wrong = store.workflows.create(caller("wrong name", "times ten", "nope", "y"))
    result, _ = launch(store, wrong.id)
    assert result.status == "failed" and "sub_workflow 'times ten' refused its inputs" in result.error
    assert "nope" in result.error
    broken = (Flow("broken").node("x", "input", name="x").node("t", "transform", expression="data / 0")
              .node("y", "output", name="y").chain("x.value", "t.data").chain("t.result", "y.value").build())
    store.workflows.create(broken)
    calls = store.workflows.create(caller("calls broken", "broken", "x", "y"))
    result, _ = launch(store, calls.id)
    assert result.status == "failed" and "sub_workflow 'broken' failed: node 't' failed" in result.error


def test_without_a_store_the_node_says_what_it_needs():
    wf = Flow().node("sub", "sub_workflow", workflow="anything").build()

    async def go():
        ex = Executor()
        result = await ex.run(wf)
        ex.close()
        return result

    assert "sub_workflow runs stored workflows" in asyncio.run(go()).error


def test_a_child_past_its_timeout_is_cancelled(store):
    slow = (Flow("sleepy").node("x", "input", name="x").node("d", "delay", seconds=30)
            .node("y", "output", name="y").chain("x.value", "d.value").chain("d.value", "y.value").build())
    store.workflows.create(slow)
    top = store.workflows.create(caller("impatient", "sleepy", "x", "y", timeout_seconds=10))
    t0 = time.perf_counter()
    result, events = launch(store, top.id)
    assert 10 <= time.perf_counter() - t0 < 12
    assert result.status == "failed" and "sub_workflow 'sleepy' did not finish within 10 s" in result.error
    (child,) = [r for r in store.runs.list() if r.workflow_name == "sleepy"]
    assert child.status == "cancelled" and child.parent_run_id == result.run_id
    assert [e.status for e in events if isinstance(e, NodeFinished) and e.run_id == child.id] == ["succeeded", "cancelled"]


def test_the_command_line_runs_and_validates_sub_workflows(tmp_path):
    import json
    import subprocess
    import sys

    from engine.folders import resources_dir

    home = tmp_path / "cli-home"
    store = Store(home, install_templates=False)
    store.workflows.create(leaf())
    store.workflows.create(caller("ping", "pong", "n", "result"))
    store.workflows.create(caller("pong", "ping", "n", "result"))
    store.close()

    def nodeloom(*args):
        return subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), *args], capture_output=True,
                              text=True, timeout=60, cwd=str(resources_dir().parent))

    good, loops = tmp_path / "good.json", tmp_path / "loops.json"
    good.write_text(json.dumps(caller("from a file", "times ten", "x", "y").model_dump(mode="json")))
    loops.write_text(json.dumps(caller("into the loop", "ping", "n", "result").model_dump(mode="json")))
    done = nodeloom("run", str(good), "-i", "n=5", "--json", "-q")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outputs"]["result"] == 50
    assert nodeloom("validate", str(good)).returncode == 0
    refused = nodeloom("validate", str(loops))
    assert refused.returncode == 2
    assert "node 'sub': sub_workflow calls itself: into the loop → ping → pong → ping [recursive_sub_workflow]" \
        in refused.stdout + refused.stderr
    assert nodeloom("run", str(loops)).returncode == 2
