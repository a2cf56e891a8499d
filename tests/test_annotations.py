"""Annotations (SPEC §2): groups and notes are layout only. They load and save with the document, a malformed one
is refused with a message naming it, and they never change a run, the cache or the semantic diff; the layout
part of a version diff says which were added, removed or changed."""

import json

import pytest

from engine import WorkflowInvalid, parse_document, semantic_hash
from engine.cache import ResultCache
from engine.graph import validate
from engine.model import Annotation, Workflow, dump_workflow
from engine.store.diff import diff_workflows

from .builder import Flow, run_statuses


def plain() -> dict:
    return (Flow("annotated").node("a", "constant", value=2).node("b", "transform", expression="data * 10")
            .node("out", "output", name="result").chain("a.value", "b.data").edge("b.result", "out.value")).doc


GROUP = {"id": "g1", "kind": "group", "position": [-20, -40], "size": [600, 200], "title": "Maths",
         "color": "#3a6ea5", "nodes": ["a", "b"]}
NOTE = {"id": "n1", "kind": "note", "position": [0, 300], "size": [240, 120], "text": "**Read me** first"}


def annotated(*annotations) -> dict:
    return {**plain(), "annotations": list(annotations or (GROUP, NOTE))}


def test_annotations_load_save_and_reload_unchanged():
    wf = parse_document(json.dumps(annotated()))
    group, note = wf.annotations
    assert isinstance(group, Annotation) and group.kind == "group" and group.nodes == ["a", "b"]
    assert group.position == (-20.0, -40.0) and group.size == (600.0, 200.0) and group.title == "Maths"
    assert note.kind == "note" and note.text == "**Read me** first" and note.nodes == [] and note.color is None
    assert parse_document(dump_workflow(wf)) == wf
    assert validate(wf) == []
    assert Workflow().annotations == []  # optional: a document without them is as before


def test_annotations_are_not_in_the_semantic_hash():
    bare, with_notes = Workflow.model_validate(plain()), Workflow.model_validate(annotated())
    assert semantic_hash(bare) == semantic_hash(with_notes)
    moved = with_notes.model_copy(deep=True)
    moved.annotations[0].position = (500, 500)
    moved.annotations[1].text = "changed"
    assert semantic_hash(moved) == semantic_hash(bare)


@pytest.mark.parametrize("annotation,fragment", [
    ({**GROUP, "kind": "sticker"}, "kind"),
    ({**GROUP, "size": [-5, 100]}, "size"),
    ({**GROUP, "size": [100, 0]}, "size"),
    ({**GROUP, "color": "red"}, "color"),
    ({**GROUP, "bogus": 1}, "bogus"),
    ({**GROUP, "position": ["x", 0]}, "position"),
])
def test_a_malformed_annotation_is_refused_naming_it(annotation, fragment):
    with pytest.raises(WorkflowInvalid) as info:
        parse_document(json.dumps(annotated(annotation)))
    [issue] = info.value.issues
    assert "annotation 'g1'" in str(issue) and fragment in str(issue), str(issue)


def test_an_annotation_without_an_id_is_named_by_its_place():
    with pytest.raises(WorkflowInvalid) as info:
        parse_document(json.dumps(annotated(NOTE, {k: v for k, v in GROUP.items() if k != "id"})))
    assert "annotation #1" in str(info.value), str(info.value)


def test_validation_names_a_group_of_missing_nodes_a_note_with_nodes_and_a_reused_id():
    wf = Workflow.model_validate(annotated({**GROUP, "nodes": ["a", "ghost"]}, {**NOTE, "nodes": ["a"]},
                                           {**NOTE, "id": "g1"}, {**GROUP, "id": "g2", "nodes": ["a", "a"]}))
    messages = [str(i) for i in validate(wf)]
    assert all(i.code == "invalid_annotation" for i in validate(wf))
    assert any("annotation 'g1'" in m and "missing node 'ghost'" in m for m in messages), messages
    assert any("annotation 'n1'" in m and "a note frames no nodes" in m for m in messages), messages
    assert any("annotation id 'g1' is used more than once" in m for m in messages), messages
    assert any("annotation 'g2'" in m and "names node 'a' twice" in m for m in messages), messages
    assert len(messages) == 4


def test_a_document_with_malformed_annotations_still_gets_its_other_annotation_problems_named():
    doc = annotated({**GROUP, "nodes": ["a", "ghost"]}, {**NOTE, "color": "red"}, {**NOTE, "id": "g1", "kind": "sticker"})
    with pytest.raises(WorkflowInvalid) as info:
        parse_document(json.dumps(doc))
    messages = sorted(str(i) for i in info.value.issues)
    assert len(messages) == 4, messages
    assert any("annotation 'n1': color" in m for m in messages), messages
    assert any("annotation 'g1': kind" in m for m in messages), messages
    assert any("annotation 'g1': a group names missing node 'ghost'" in m for m in messages), messages
    assert any("annotation id 'g1' is used more than once" in m for m in messages), messages
    # only the annotations were malformed: the rest of the document is there to be validated too
    assert info.value.workflow is not None and info.value.workflow.annotations == []
    assert [n.id for n in info.value.workflow.nodes] == ["a", "b", "out"]


run = run_statuses


def test_a_run_with_annotations_computes_the_same_and_hits_the_cache_of_one_without(tmp_path):
    cache = ResultCache(tmp_path / "cache")
    try:
        first, statuses = run(cache, Workflow.model_validate(plain()))
        assert first.outputs == {"result": 20} and statuses["b"] == "succeeded"
        again, statuses = run(cache, Workflow.model_validate(annotated()))
        assert again.status == "succeeded" and again.outputs == {"result": 20}
        assert statuses["a"] == statuses["b"] == "cached"
    finally:
        cache.close()


def test_the_diff_leaves_annotations_out_of_what_computes_and_names_them_in_the_layout_part():
    a = Workflow.model_validate(annotated(GROUP, NOTE))
    b = Workflow.model_validate(annotated({**GROUP, "position": [0, 0]}, {**NOTE, "id": "n2"}))
    d = diff_workflows(a, b)
    assert d.nodes_added == d.nodes_removed == d.nodes_changed == d.nodes_moved == ()
    assert d.annotations_added == ("n2",) and d.annotations_removed == ("n1",) and d.annotations_changed == ("g1",)
    assert not d.empty
    assert d.summary() == "layout: 1 annotation added, 1 removed, 1 changed"
    assert json.loads(json.dumps(d.to_json()))["annotations_changed"] == ["g1"]
    assert diff_workflows(a, a).empty and diff_workflows(a, a).summary() == "no change"


def test_the_diff_says_what_changed_in_each_annotation_and_counts_it_as_layout_after_what_computes():
    a = Workflow.model_validate(annotated(GROUP, NOTE))
    b = Workflow.model_validate(annotated(
        {**GROUP, "title": "Sums", "color": "#aa0000", "nodes": ["a", "out"], "position": [0, 0], "size": [700, 200]},
        {**NOTE, "text": "**Read me** later"}, {**NOTE, "id": "n2"}))
    b.nodes[1].config["expression"] = "data * 3"
    b.nodes[0].position = (40, 40)
    d = diff_workflows(a, b)
    assert d.summary() == "1 node changed · layout: 1 node moved, 1 annotation added, 2 changed"
    group, note = d.annotation_changes
    assert (group.id, group.kind, note.id) == ("g1", "group", "n1")
    assert group.said() == "title 'Maths' → 'Sums', color #3a6ea5 → #aa0000, nodes +out −b, moved, resized"
    assert note.said() == "text edited"
    assert json.loads(json.dumps(d.to_json()))["annotation_changes"][0]["changes"][0] == {
        "key": "title", "old": "Maths", "new": "Sums"}
    only_layout = Workflow.model_validate(annotated({**GROUP, "color": None}, NOTE))
    assert diff_workflows(a, only_layout).summary() == "layout: 1 annotation changed"
    assert diff_workflows(a, only_layout).annotation_changes[0].said() == "color #3a6ea5 → none"
