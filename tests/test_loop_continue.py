"""``on_error: continue`` on a ForEach: an item whose body fails gives null in the collect and the loop goes on
(SPEC §2: continue = the node emits null and its error; an outside tester set it on the loop and one bad item
still failed the whole run). Without it, one failed item fails the loop (tests/test_executor.py)."""

import pytest

from engine.events import NodeFinished

from .builder import Flow


def divide_each(parallel: bool, on_error: str):
    return (Flow().node("items", "constant", value=[1, 0, 2, 5])
            .node("each", "foreach", parallel=parallel, batch_size=4, settings={"on_error": on_error})
            .node("div", "transform", expression="10 / data").node("plus", "transform", expression="data + 1")
            .node("col", "collect", filter_nulls=False).node("out", "output", name="out")
            .edge("items.value", "each.items").edge("each.item", "div.data").edge("div.result", "plus.data")
            .edge("plus.result", "col.value").edge("col.items", "out.value").build())


@pytest.mark.parametrize("parallel", [False, True])
def test_a_failed_item_of_a_loop_set_to_continue_is_null_and_the_others_run(run_flow, parallel):
    result, events = run_flow(divide_each(parallel, "continue"))
    assert result.status == "succeeded", result.error
    assert result.outputs == {"out": [11.0, None, 6.0, 3.0]}
    assert result.nodes["each"].status == "succeeded"
    failed = [(e.node_id, e.iteration) for e in events if isinstance(e, NodeFinished) and e.status == "failed"]
    assert failed == [("div", (1,))]
    done = {e.iteration for e in events if isinstance(e, NodeFinished) and e.node_id == "plus"}
    assert done == {(0,), (2,), (3,)}


def test_a_loop_not_set_to_continue_still_fails_on_one_item(run_flow):
    result, _ = run_flow(divide_each(False, "fail"))
    assert result.status == "failed"
    assert result.error == "node 'div' (iteration 1) failed: division by zero in '10 / data'"


def test_a_loop_set_to_continue_says_which_items_failed_on_its_error_port(run_flow):
    """As any node with on_error: continue does, on the error port every node has (an outside tester wired it to an
    output and got nothing); and its progress says how many failed (the run log shows it)."""
    wf = divide_each(False, "continue")
    wf = wf.model_copy(update={
        "nodes": [*wf.nodes, *Flow().node("errs", "output", name="errs").build().nodes],
        "edges": [*wf.edges, *Flow().node("each", "foreach").node("errs", "output", name="errs")
                  .edge("each.error", "errs.value", "e-errs").build().edges]})
    result, events = run_flow(wf)
    assert result.status == "succeeded", result.error
    assert result.outputs["errs"] == {
        "message": "1 of 4 items failed: div[1]: division by zero in '10 / data'", "type": "NodeFailed",
        "node_id": "each", "items": [{"index": 1, "node_id": "div", "message": "division by zero in '10 / data'"}]}
    said = [e.message for e in events if type(e).__name__ == "NodeProgress" and e.node_id == "each"]
    assert said[-1] == "4/4, 1 failed"
    [ended] = [e for e in events if isinstance(e, NodeFinished) and e.node_id == "each"]
    assert ended.status == "succeeded" and ended.outputs["error"] == result.outputs["errs"]  # (what the preview shows)
    clean, _ = run_flow(wf.model_copy(update={"nodes": [
        n.model_copy(update={"config": {"value": [1, 2]}}) if n.id == "items" else n for n in wf.nodes]}))
    assert clean.status == "succeeded" and "errs" not in clean.outputs  # (no failure: the port is dead)
