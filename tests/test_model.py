"""The workflow document: loading, saving, schema versions, hashing (SPEC §2)."""

import json

import pytest

from engine import DocumentError, WorkflowInvalid, load_workflow, parse_document, save_workflow, semantic_hash
from engine.model import MIGRATIONS, SCHEMA_VERSION
from engine.folders import templates_dir


def test_templates_round_trip(tmp_path):
    for path in templates_dir().glob("*.json"):
        wf = load_workflow(path)
        save_workflow(wf, tmp_path / "copy.json")
        assert load_workflow(tmp_path / "copy.json") == wf


def test_semantic_hash_ignores_layout_and_order():
    wf = load_workflow(templates_dir() / "condition_merge.json")
    moved = wf.model_copy(deep=True)
    moved.nodes[0].position = (999, 999)
    moved.nodes[0].label = "renamed"
    moved.nodes.reverse()
    moved.meta["zoom"] = 2
    assert semantic_hash(moved) == semantic_hash(wf)
    changed = wf.model_copy(deep=True)
    changed.nodes[1].config["value"] = 11
    assert semantic_hash(changed) != semantic_hash(wf)


@pytest.mark.parametrize("text,fragment", [
    ("{", "not valid JSON"),
    ("[" * 100_000, "nested too deeply"),
    ("[1, 2]", "JSON object"),
    ('{"format": "other"}', "not a Nodeloom workflow"),
    ('{"schema_version": 2}', "newer Nodeloom"),
    ('{"schema_version": "x"}', "positive integer"),
])
def test_unreadable_documents(text, fragment):
    with pytest.raises(DocumentError, match=fragment):
        parse_document(text)


def test_field_problems_name_the_node():
    doc = {"nodes": [{"id": "a", "type": "constant", "settings": {"timeout_s": -1}},
                     {"id": "b", "type": "constant", "bogus": 1}]}
    with pytest.raises(WorkflowInvalid) as info:
        parse_document(json.dumps(doc))
    assert {i.node_id for i in info.value.issues} == {"a", "b"}


def test_migration_hook_upgrades_old_documents(monkeypatch):
    """A document of an older schema passes through every migration step in order."""
    import engine.model as model

    monkeypatch.setattr(model, "SCHEMA_VERSION", 3)
    calls = []
    monkeypatch.setitem(MIGRATIONS, 1, lambda d: calls.append(1) or {**d, "name": d["title"]})
    monkeypatch.setitem(MIGRATIONS, 2, lambda d: calls.append(2) or {k: v for k, v in d.items() if k != "title"})
    monkeypatch.setattr(model.Workflow, "model_validate", classmethod(lambda cls, raw: raw))
    out = parse_document('{"schema_version": 1, "title": "Old"}')
    assert calls == [1, 2] and out["name"] == "Old" and out["schema_version"] == 3
    assert SCHEMA_VERSION == 1
