"""Bypass (SPEC §2, issue 26): a bypassed node does not run; each output carries its first connected input of a
compatible type, or nothing (what needs it is skipped); its status is ``bypassed``; it is part of the cache key of
what follows, like config — and toggling it off again finds the earlier run's results."""

import asyncio

import pytest
from PIL import Image, ImageChops

from engine.cache import ResultCache
from engine.errors import InputError, WorkflowInvalid
from engine.events import NODE_STATUSES, NodeFinished, NodeStarted
from engine.executor import Executor
from engine.folders import resources_dir
from engine.graph import bypass_skips, validate
from engine.model import Workflow, dump_workflow, parse_document, semantic_hash
from engine.store.diff import diff_workflows

from .builder import Flow

SAMPLE = str(resources_dir() / "samples" / "landscape.png")


def bypass(wf: Workflow, *node_ids: str, on: bool = True) -> Workflow:
    """The same workflow with ``node_ids`` bypassed (or not), as the editor's toggle leaves it."""
    doc = wf.model_dump(mode="json")
    for n in doc["nodes"]:
        if n["id"] in node_ids:
            n["bypass"] = on
    return Workflow.model_validate(doc)


def run(wf, cache=None, **kw):
    async def go():
        ex = Executor(cache=cache)
        sub = ex.subscribe()
        result = await ex.run(wf, **kw)
        ex.close()
        return result, sub.drain()

    return asyncio.run(go())


def finished(events) -> dict[str, str]:
    return {e.node_id: e.status for e in events if isinstance(e, NodeFinished) and not e.iteration}


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and a.mode == b.mode and ImageChops.difference(a, b).getbbox() is None


def blur_chain() -> Workflow:
    return (Flow().node("load", "image_load", source=SAMPLE).node("blur", "image_blur", radius=4)
            .node("mask", "image_threshold", level=100).node("out", "output", name="image")
            .node("out_mask", "output", name="mask")
            .chain("load.image", "blur.image", "mask.image", "out.value").edge("mask.mask", "out_mask.value").build())


@pytest.fixture
def cache(tmp_path):
    c = ResultCache(tmp_path / "cache")
    yield c
    c.close()


def test_bypassed_is_a_node_status():
    assert "bypassed" in NODE_STATUSES


def test_a_bypassed_blur_does_not_run_and_hands_its_input_image_on(tmp_path):
    wf = (Flow().node("load", "image_load", source=SAMPLE).node("blur", "image_blur", radius=4)
          .node("out", "output", name="image").chain("load.image", "blur.image", "out.value").build())
    result, events = run(bypass(wf, "blur"))
    assert result.status == "succeeded", result.error
    assert finished(events)["blur"] == "bypassed"
    assert result.nodes["blur"].status == "bypassed"
    assert not [e for e in events if isinstance(e, NodeStarted) and e.node_id == "blur"]  # it never ran
    with Image.open(SAMPLE) as original:
        assert same_pixels(result.outputs["image"], original.convert(result.outputs["image"].mode))
    blurred, _ = run(wf)  # (and not bypassed, it blurs)
    assert not same_pixels(blurred.outputs["image"], result.outputs["image"])


def test_every_output_of_a_compatible_type_carries_the_input_and_the_others_carry_nothing():
    # threshold: image → image and mask (both images); info: image → width, height… (no image output)
    wf = (Flow().node("load", "image_load", source=SAMPLE).node("mask", "image_threshold", level=100)
          .node("info", "image_info").node("o_img", "output", name="img").node("o_mask", "output", name="mask")
          .node("o_w", "output", name="w").node("after", "transform", expression="data * 2")
          .edge("load.image", "mask.image").edge("mask.image", "o_img.value").edge("mask.mask", "o_mask.value")
          .edge("load.image", "info.image").edge("info.width", "after.data").edge("after.result", "o_w.value")
          .build())
    result, events = run(bypass(wf, "mask", "info"))
    st = finished(events)
    assert result.status == "succeeded", result.error
    assert st["mask"] == st["info"] == "bypassed"
    assert st["after"] == "skipped" and st["o_w"] == "skipped"  # width has no input to carry: nothing follows
    assert set(result.outputs) == {"img", "mask"}
    assert same_pixels(result.outputs["img"], result.outputs["mask"])  # both carry the loaded picture
    assert result.outputs["img"].size == Image.open(SAMPLE).size


def test_the_first_connected_input_that_fits_is_the_one_carried():
    # merge has four optional inputs a..d of type any: with only c and d linked, c is carried
    wf = (Flow().node("c", "constant", value="from c").node("d", "constant", value="from d")
          .node("m", "merge").node("out", "output", name="v")
          .edge("c.value", "m.c").edge("d.value", "m.d").edge("m.value", "out.value").build())
    result, events = run(bypass(wf, "m"))
    assert finished(events)["m"] == "bypassed" and result.outputs == {"v": "from c"}
    # a string input carried to a string output (template: data:any → text:string)
    wf = (Flow().node("c", "constant", value="raw").node("t", "template", template="<{{ data }}>")
          .node("out", "output", name="v").edge("c.value", "t.data").edge("t.text", "out.value").build())
    assert run(wf)[0].outputs == {"v": "<raw>"}
    assert run(bypass(wf, "t"))[0].outputs == {"v": "raw"}


def test_a_bypassed_node_on_an_untaken_branch_is_still_bypassed_and_carries_nothing():
    wf = (Flow().node("c", "constant", value=3).node("cond", "condition", operator="gt", value=10)
          .node("t", "transform", expression="data + 1").node("after", "transform", expression="data * 2")
          .node("out", "output", name="v")
          .edge("c.value", "cond.value").edge("cond.true_output", "t.data").edge("t.result", "after.data")
          .edge("after.result", "out.value").build())
    result, events = run(bypass(wf, "t"))
    st = finished(events)
    assert st["t"] == "bypassed" and st["after"] == "skipped" and st["out"] == "skipped"
    assert result.status == "succeeded" and result.outputs == {}


def doubled_input() -> Workflow:
    return (Flow().node("in", "input", name="x", type="number", required=True)
            .node("t", "transform", expression="data * 2").node("out", "output", name="doubled")
            .node("c", "constant", value=1).node("kept", "output", name="kept")
            .edge("in.value", "t.data").edge("t.result", "out.value").edge("c.value", "kept.value").build())


def test_a_bypassed_required_input_is_not_asked_for_and_what_needs_it_is_skipped():
    with pytest.raises(InputError, match="missing required input 'x'"):
        run(doubled_input())
    wf = bypass(doubled_input(), "in")
    for given in ({}, {"x": 4}):  # (a value given anyway is no error: it is not used)
        result, events = run(wf, inputs=given)
        st = finished(events)
        assert result.status == "succeeded", result.error
        assert st["in"] == "bypassed" and st["t"] == st["out"] == "skipped"
        assert result.outputs == {"kept": 1}


def test_the_outputs_a_bypass_left_without_a_value_name_the_bypassed_nodes():
    wf = bypass(doubled_input(), "in")
    result, _ = run(wf)
    assert bypass_skips(wf, {n: r.status for n, r in result.nodes.items()}) == {"out": ["in"]}
    # a bypassed node that hands its input on leaves nothing without a value
    wf = (Flow().node("c", "constant", value=2).node("t", "transform", expression="data + 100")
          .node("out", "output", name="v").edge("c.value", "t.data").edge("t.result", "out.value").build())
    result, _ = run(bypass(wf, "t"))
    assert result.outputs == {"v": 2} and bypass_skips(bypass(wf, "t"), {n: r.status for n, r in result.nodes.items()}) == {}
    # an untaken branch is not the bypass's doing, even with a bypassed node on it
    wf = bypass(doubled_input(), "in")
    assert bypass_skips(wf, {"in": "succeeded", "t": "skipped", "out": "skipped", "c": "succeeded",
                             "kept": "succeeded"}) == {}


def test_bypass_wins_over_pins_and_works_in_every_iteration_of_a_loop():
    wf = (Flow().node("c", "constant", value=2).node("t", "transform", expression="data + 100")
          .node("out", "output", name="v").edge("c.value", "t.data").edge("t.result", "out.value").build())
    pinned = wf.model_dump(mode="json")
    pinned["nodes"][1]["pinned"] = {"result": 7}
    pinned = Workflow.model_validate(pinned)
    assert run(pinned, use_pins=True)[0].outputs == {"v": 7}
    assert run(bypass(pinned, "t"), use_pins=True)[0].outputs == {"v": 2}
    loop = (Flow().node("items", "constant", value=[1, 2, 3]).node("each", "foreach")
            .node("sq", "transform", expression="data * data").node("col", "collect").node("out", "output", name="v")
            .edge("items.value", "each.items").edge("each.item", "sq.data").edge("sq.result", "col.value")
            .edge("col.items", "out.value").build())
    assert run(loop)[0].outputs == {"v": [1, 4, 9]}
    result, events = run(bypass(loop, "sq"))
    assert result.outputs == {"v": [1, 2, 3]}
    assert [e.status for e in events if isinstance(e, NodeFinished) and e.node_id == "sq"] == ["bypassed"] * 3
    assert result.nodes["sq"].status == "bypassed"


def test_a_foreach_or_a_collect_cannot_be_bypassed_and_validation_names_it():
    loop = (Flow().node("items", "constant", value=[1, 2]).node("each", "foreach").node("col", "collect")
            .node("out", "output", name="v").chain("items.value", "each.items").chain("each.item", "col.value")
            .edge("col.items", "out.value").build())
    issues = validate(bypass(loop, "each", "col"))
    assert {(i.code, i.node_id) for i in issues} == {("bypass_loop", "each"), ("bypass_loop", "col")}
    assert all("cannot be bypassed" in i.message for i in issues)
    with pytest.raises(WorkflowInvalid):
        run(bypass(loop, "each"))


def test_toggling_bypass_off_again_finds_the_earlier_runs_results(cache):
    wf = blur_chain()
    first, events = run(wf, cache)
    assert set(finished(events).values()) == {"succeeded"}
    second, events = run(bypass(wf, "blur"), cache)
    st = finished(events)
    assert st["blur"] == "bypassed" and st["load"] == "cached"
    assert st["mask"] == "succeeded"  # fed another picture: computed, not the first run's result
    assert not same_pixels(second.outputs["image"], first.outputs["image"])
    third, events = run(bypass(wf, "blur"), cache)
    assert finished(events) == {"load": "cached", "blur": "bypassed", "mask": "cached", "out": "cached",
                                "out_mask": "cached"}  # bypassed again: what follows is cached too
    fourth, events = run(bypass(bypass(wf, "blur"), "blur", on=False), cache)
    assert set(finished(events).values()) == {"cached"}  # the blur and its followers: the first run's results
    assert same_pixels(fourth.outputs["image"], first.outputs["image"])


def test_bypass_is_part_of_the_key_of_what_follows(cache):
    direct = (Flow().node("load", "image_load", source=SAMPLE).node("mask", "image_threshold", level=100)
              .node("out", "output", name="image").chain("load.image", "mask.image", "out.value").build())
    run(direct, cache)
    wf = (Flow().node("load", "image_load", source=SAMPLE).node("blur", "image_blur", radius=4)
          .node("mask", "image_threshold", level=100).node("out", "output", name="image")
          .chain("load.image", "blur.image", "mask.image", "out.value").build())
    _, events = run(bypass(wf, "blur"), cache)
    # the same picture reaches the threshold, but through a bypassed node: keyed apart, like a config change
    assert finished(events)["mask"] == "succeeded"


def test_the_document_keeps_bypass_only_when_on_and_it_is_semantic():
    wf = blur_chain()
    assert '"bypass"' not in dump_workflow(wf)  # documents without bypass read as they did
    on = bypass(wf, "blur")
    text = dump_workflow(on)
    assert '"bypass": true' in text and parse_document(text).node("blur").bypass is True
    assert semantic_hash(on) != semantic_hash(wf)
    assert semantic_hash(bypass(on, "blur", on=False)) == semantic_hash(wf)
    [change] = diff_workflows(wf, on).nodes_changed
    assert change.node_id == "blur" and change.bypass == (False, True)
    assert diff_workflows(wf, on).summary() == "1 node changed"


def test_bypass_is_a_json_boolean():
    doc = blur_chain().model_dump(mode="json")
    doc["nodes"][1]["bypass"] = "yes"
    with pytest.raises(WorkflowInvalid) as e:
        parse_document(doc)
    [issue] = e.value.issues
    assert issue.node_id == "blur" and issue.message.startswith("bypass:") and "boolean" in issue.message, issue
