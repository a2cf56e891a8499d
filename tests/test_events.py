"""Event sequences, compared as literal lists (SPEC §6)."""

import time

from .builder import Flow, brief


def test_diamond(run_flow):
    wf = (Flow().node("a", "constant", value=2)
          .node("b", "transform", expression="data + 1")
          .node("c", "transform", expression="data * 10")
          .node("d", "merge", mode="list")
          .node("out", "output", name="out")
          .edge("a.value", "b.data").edge("a.value", "c.data")
          .edge("b.result", "d.a").edge("c.result", "d.b").edge("d.value", "out.value").build())
    result, events = run_flow(wf)
    assert [brief(e) for e in events] == [
        ("run_queued",), ("run_started",),
        ("started", "a"), ("succeeded", "a"),
        ("started", "b"), ("succeeded", "b"),
        ("started", "c"), ("succeeded", "c"),
        ("started", "d"), ("succeeded", "d"),
        ("started", "out"), ("succeeded", "out"),
        ("run_finished", "succeeded"),
    ]
    assert result.outputs == {"out": [3, 20]}
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert len({e.run_id for e in events}) == 1


def _branching():
    return (Flow().node("x", "input", name="x", type="number", required=True)
            .node("cond", "condition", operator="gte", value=10)
            .node("big", "transform", expression="'big ' + str(data)")
            .node("small", "transform", expression="'small ' + str(data)")
            .node("after_small", "transform", expression="upper(data)")
            .node("join", "merge")
            .node("out", "output", name="out")
            .edge("x.value", "cond.value")
            .edge("cond.true_output", "big.data").edge("cond.false_output", "small.data")
            .edge("small.result", "after_small.data")
            .edge("big.result", "join.a").edge("after_small.result", "join.b")
            .edge("join.value", "out.value").build())


def test_condition_skips_a_branch_and_merge_joins(run_flow):
    result, events = run_flow(_branching(), {"x": 12})
    assert [brief(e) for e in events] == [
        ("run_queued",), ("run_started",),
        ("started", "x"), ("succeeded", "x"),
        ("started", "cond"), ("succeeded", "cond"),
        ("started", "big"), ("succeeded", "big"),
        ("skipped", "small"),
        ("skipped", "after_small"),
        ("started", "join"), ("succeeded", "join"),
        ("started", "out"), ("succeeded", "out"),
        ("run_finished", "succeeded"),
    ]
    assert result.outputs == {"out": "big 12"}
    result, _ = run_flow(_branching(), {"x": 3})
    assert result.outputs == {"out": "SMALL 3"}
    assert result.nodes["big"].status == "skipped"


def test_nested_foreach(run_flow):
    wf = (Flow().node("rows", "constant", value=[[1, 2], [3]])
          .node("outer", "foreach")
          .node("inner", "foreach")
          .node("cell", "transform", expression="data * 10 + loop.parent.index")
          .node("row", "collect")
          .node("table", "collect")
          .node("out", "output", name="table")
          .chain("rows.value", "outer.items").chain("outer.item", "inner.items")
          .chain("inner.item", "cell.data").chain("cell.result", "row.value")
          .chain("row.items", "table.value").chain("table.items", "out.value").build())
    result, events = run_flow(wf)
    assert result.outputs == {"table": [[10, 20], [31]]}
    assert [brief(e) for e in events] == [
        ("run_queued",), ("run_started",),
        ("started", "rows"), ("succeeded", "rows"),
        ("started", "outer"),
        ("started", "inner", (0,)),
        ("started", "cell", (0, 0)), ("succeeded", "cell", (0, 0)),
        ("progress", "inner", "1/2"),
        ("started", "cell", (0, 1)), ("succeeded", "cell", (0, 1)),
        ("progress", "inner", "2/2"),
        ("succeeded", "inner", (0,)),
        ("started", "row", (0,)), ("succeeded", "row", (0,)),
        ("progress", "outer", "1/2"),
        ("started", "inner", (1,)),
        ("started", "cell", (1, 0)), ("succeeded", "cell", (1, 0)),
        ("progress", "inner", "1/1"),
        ("succeeded", "inner", (1,)),
        ("started", "row", (1,)), ("succeeded", "row", (1,)),
        ("progress", "outer", "2/2"),
        ("succeeded", "outer"),
        ("started", "table"), ("succeeded", "table"),
        ("started", "out"), ("succeeded", "out"),
        ("run_finished", "succeeded"),
    ]


def test_retry_succeeds_on_attempt_3(run_flow):
    retry = {"max_attempts": 3, "backoff_s": 0.01, "factor": 2.0, "jitter": 0}
    wf = (Flow().node("flaky", "test_flaky", succeed_on=3, settings={"retry": retry})
          .node("out", "output", name="out").edge("flaky.value", "out.value").build())
    result, events = run_flow(wf)
    assert [brief(e) for e in events] == [
        ("run_queued",), ("run_started",),
        ("started", "flaky"),
        ("retrying", "flaky", 1, 0.01),
        ("retrying", "flaky", 2, 0.02),
        ("succeeded", "flaky"),
        ("started", "out"), ("succeeded", "out"),
        ("run_finished", "succeeded"),
    ]
    finished = [e for e in events if e.kind == "node_finished" and e.node_id == "flaky"][0]
    assert finished.attempts == 3
    assert result.outputs == {"out": 3}
    assert [e.error for e in events if e.kind == "node_retrying"] == [
        "RuntimeError: flaky failure on attempt 1", "RuntimeError: flaky failure on attempt 2"]


def test_timeout(run_flow):
    wf = (Flow().node("slow", "delay", seconds=5, settings={"timeout_s": 0.1})
          .node("out", "output", name="out").edge("slow.value", "out.value").build())
    t0 = time.monotonic()
    result, events = run_flow(wf)
    assert time.monotonic() - t0 < 2
    assert [brief(e) for e in events] == [
        ("run_queued",), ("run_started",),
        ("started", "slow"), ("failed", "slow"),
        ("run_finished", "failed"),
    ]
    assert events[3].error == "timed out after 0.1 s"
    assert result.error == "node 'slow' failed: timed out after 0.1 s"


def test_cancel_in_the_middle_of_a_run(run_flow):
    wf = (Flow().node("a", "constant", value="x")
          .node("wait", "delay", seconds=30)
          .node("b", "transform", expression="data")
          .node("out", "output", name="out")
          .edge("a.value", "wait.value").edge("wait.value", "b.data").edge("b.result", "out.value").build())
    t0 = time.monotonic()
    result, events = run_flow(wf, cancel_after=("started", "wait"))
    assert time.monotonic() - t0 < 1.0
    assert [brief(e) for e in events] == [
        ("run_queued",), ("run_started",),
        ("started", "a"), ("succeeded", "a"),
        ("started", "wait"), ("cancelled", "wait"),
        ("run_finished", "cancelled"),
    ]
    assert result.status == "cancelled"
