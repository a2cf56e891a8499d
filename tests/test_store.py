"""Workflows and versions on a real SQLite file in a temp folder (SPEC §7)."""

import json
import sqlite3

import pytest

from engine import WorkflowInvalid, load_workflow
from engine.model import Edge, Workflow
from engine.folders import templates_dir
from engine.store import ConfigChange, Link, NodeChange, NotFound, Store, WorkflowDiff
from engine.store.db import open_database
from engine.store.migrations.versions import HEAD

from .builder import Flow


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path, install_templates=False)
    yield s
    s.close()


def simple(name="Flow", value=1, **extra):
    return (Flow(name).node("c", "constant", value=value).node("t", "transform", expression="data + 1")
            .node("o", "output", name="out").edge("c.value", "t.data", "e1").edge("t.result", "o.value", "e2")
            .build().model_copy(update=extra))


def test_an_empty_file_is_upgraded_to_the_newest_schema(tmp_path):
    db = open_database(tmp_path / "fresh.db")
    assert db.revision() == HEAD
    tables = {r[0] for r in sqlite3.connect(tmp_path / "fresh.db").execute(
        "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"workflows", "workflow_versions", "runs", "node_runs", "settings", "alembic_version"} <= tables
    with db.read() as s:
        c = s.connection()
        pragmas = [c.exec_driver_sql(f"PRAGMA {p}").scalar() for p in
                   ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")]
    assert pragmas == ["wal", 1, 10000, 2]  # synchronous 2 = FULL
    db.close()


def test_crud_and_version_numbering(store):
    info = store.workflows.create(simple(), message="first")
    assert info.current_version == 1 and info.name == "Flow"
    same = store.workflows.save(info.id, simple())
    assert (same.version, same.created) == (1, False)  # an unchanged save makes no version
    meta_only = simple()
    meta_only.meta["zoom"] = 3
    assert store.workflows.save(info.id, meta_only).created is False  # editor state is not content
    v2 = store.workflows.save(info.id, simple(value=2), message="value 2", tag="good")
    assert (v2.version, v2.created) == (2, True)
    moved = simple(value=2)
    moved.nodes[0].position = (50, 60)
    assert store.workflows.save(info.id, moved).version == 3  # layout changes are versions too
    assert store.workflows.document(info.id).nodes[0].position == (50, 60)
    assert store.workflows.document(info.id, 1).nodes[0].config == {"value": 1}
    assert [(v.number, v.message, v.tag) for v in store.workflows.versions(info.id)] == [
        (1, "first", None), (2, "value 2", "good"), (3, None, None)]
    store.workflows.tag_version(info.id, 1, "baseline")
    assert store.workflows.versions(info.id)[0].tag == "baseline"
    renamed = store.workflows.save(info.id, simple(name="Renamed", value=2))
    assert renamed.version == 4 and store.workflows.get(info.id).name == "Renamed"
    with pytest.raises(NotFound):
        store.workflows.document(info.id, 9)
    with pytest.raises(NotFound):
        store.workflows.get("nope")


def test_soft_delete_and_restore(store):
    info = store.workflows.create(simple())
    store.workflows.delete(info.id)
    with pytest.raises(NotFound):
        store.workflows.get(info.id)
    assert store.workflows.list().total == 0
    assert [w.id for w in store.workflows.list(deleted=True).items] == [info.id]
    assert store.workflows.document(info.id).name == "Flow"  # nothing is lost
    store.workflows.restore(info.id)
    assert store.workflows.get(info.id).deleted_at is None and store.workflows.list().total == 1


def test_list_search_tags_templates_sort_and_pages(store):
    a = store.workflows.create(simple("Alpha resize", tags=["image", "batch"], description="thumbs"))
    b = store.workflows.create(simple("Beta", tags=["text"], description="resize words"))
    c = store.workflows.create(simple("Gamma 50%_off", tags=["image"]), is_template=True)
    names = lambda page: [w.name for w in page.items]  # noqa: E731
    assert names(store.workflows.list(search="resize", sort="name", descending=False)) == ["Alpha resize", "Beta"]
    assert names(store.workflows.list(search="50%_", sort="name")) == ["Gamma 50%_off"]
    assert names(store.workflows.list(search="%", sort="name")) == ["Gamma 50%_off"]
    assert names(store.workflows.list(tag="image", sort="name", descending=False)) == ["Alpha resize", "Gamma 50%_off"]
    assert names(store.workflows.list(templates=True)) == ["Gamma 50%_off"]
    assert names(store.workflows.list(templates=False, sort="name", descending=False)) == ["Alpha resize", "Beta"]
    page = store.workflows.list(sort="name", descending=False, limit=2, offset=1)
    assert names(page) == ["Beta", "Gamma 50%_off"] and page.total == 3
    store.workflows.save(a.id, simple("Alpha resize", value=5, tags=["image", "batch"], description="thumbs"))
    assert names(store.workflows.list(sort="updated"))[0] == "Alpha resize"
    assert {b.id, c.id} < {w.id for w in store.workflows.list().items}


def test_diff_of_two_versions(store):
    v1 = (Flow("D").node("load", "image_load", source="a.png").node("resize", "image_resize", width=100)
          .node("gone", "image_grayscale").node("out", "output", name="o")
          .edge("load.image", "resize.image", "e1").edge("resize.image", "gone.image", "e2")
          .edge("gone.image", "out.value", "e3").build())
    info = store.workflows.create(v1)
    doc = v1.model_copy(deep=True)
    doc.nodes = [n for n in doc.nodes if n.id != "gone"]
    doc.nodes[1].config = {"width": 200, "keep_aspect": False}
    doc.nodes[1].settings.timeout_s = 5
    doc.nodes[0].position = (10, 20)
    doc.nodes.append(Workflow.model_validate({"nodes": [{"id": "blur", "type": "image_blur", "pinned": {"image": None}}]}).nodes[0])
    doc.edges = [doc.edges[0], *(Edge.model_validate(e) for e in Flow().edge("resize.image", "blur.image", "e4")
                                 .edge("blur.image", "out.value", "e5").doc["edges"])]
    doc = Workflow.model_validate(doc.model_dump())
    store.workflows.save(info.id, doc)
    d = store.workflows.diff(info.id, 1, 2)
    default_settings = {"retry": None, "timeout_s": None, "on_error": "fail"}
    assert d == WorkflowDiff(
        nodes_added=("blur",),
        nodes_removed=("gone",),
        nodes_changed=(NodeChange("resize", config=(ConfigChange("keep_aspect", "<missing>", False),
                                                     ConfigChange("width", 100, 200)),
                                  settings=(default_settings, {**default_settings, "timeout_s": 5.0})),),
        nodes_moved=("load",),
        edges_added=(Link("e4", "resize", "image", "blur", "image"), Link("e5", "blur", "image", "out", "value")),
        edges_removed=(Link("e2", "resize", "image", "gone", "image"), Link("e3", "gone", "image", "out", "value")),
    )
    assert store.workflows.diff(info.id, 2, 2).empty
    assert json.loads(json.dumps(d.to_json()))["nodes_changed"][0]["config"][1] == {"key": "width", "old": 100, "new": 200}


def test_rollback_creates_a_new_version_equal_to_the_old_one(store):
    info = store.workflows.create(simple(value=1))
    store.workflows.save(info.id, simple(value=2))
    store.workflows.save(info.id, simple(value=3))
    r = store.workflows.rollback(info.id, 1)
    assert (r.version, r.created) == (4, True)
    assert store.workflows.document(info.id) == store.workflows.document(info.id, 1)
    assert [v.number for v in store.workflows.versions(info.id)] == [1, 2, 3, 4]
    assert store.workflows.versions(info.id)[3].message == "rollback to version 1"
    assert store.workflows.document(info.id, 3).nodes[0].config == {"value": 3}  # history kept


def test_templates_install_once_and_clone(tmp_path):
    s = Store(tmp_path)
    templates = s.workflows.list(templates=True)
    assert templates.total == len(list(templates_dir().glob("*.json"))) >= 3
    s.close()
    s = Store(tmp_path)  # second start: not installed again
    assert s.workflows.list(templates=True).total == templates.total
    tpl = next(w for w in templates.items if w.name == "Big or small")
    clone = s.workflows.new_from_template(tpl.id, name="My copy")
    assert not s.workflows.get(clone.id).is_template and clone.name == "My copy"
    assert s.workflows.document(clone.id).nodes == s.workflows.document(tpl.id).nodes
    s.workflows.set_template(clone.id, True)
    assert s.workflows.get(clone.id).is_template
    s.workflows.set_template(clone.id, False)
    assert not s.workflows.get(clone.id).is_template
    assert s.base_dir(clone.id) == templates_dir()
    s.close()


def test_import_export_import_round_trip(store, tmp_path):
    source = templates_dir() / "image_pipeline.json"
    first = store.workflows.import_file(source)
    out = tmp_path / "exported.json"
    store.workflows.export_file(first.id, out)
    second = store.workflows.import_file(out)
    assert store.workflows.document(second.id) == store.workflows.document(first.id) == load_workflow(source)
    assert not list(tmp_path.glob(".exported.json.*"))  # the temp file was renamed into place
    out.chmod(0o640)
    store.workflows.export_file(first.id, out)
    assert out.stat().st_mode & 0o777 == 0o640  # written again, it keeps its mode


def _rows(store) -> tuple:
    con = sqlite3.connect(store.db.path)
    counts = tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                   for t in ("workflows", "workflow_versions"))
    con.close()
    return counts


def test_an_invalid_import_writes_nothing(store, tmp_path):
    store.workflows.create(simple())
    before = _rows(store)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "nodeloom.workflow", "schema_version": 1,
                               "nodes": [{"id": "x", "type": "nope"}, {"id": "t", "type": "transform"}]}))
    with pytest.raises(WorkflowInvalid) as info:
        store.workflows.import_file(bad)
    assert {i.code for i in info.value.issues} == {"unknown_block", "missing_config"}
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    from engine import DocumentError

    with pytest.raises(DocumentError):
        store.workflows.import_file(broken)
    assert _rows(store) == before


def test_the_data_folder_chosen_in_settings_is_used_unless_overridden(tmp_path, monkeypatch):
    from engine.folders import config_file, configure_home, home

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("NODELOOM_HOME")
    assert config_file().is_relative_to(tmp_path / "config")
    configure_home(tmp_path / "chosen")
    assert home() == (tmp_path / "chosen").resolve()
    assert home(tmp_path / "flag") == (tmp_path / "flag").resolve()  # --home wins
    monkeypatch.setenv("NODELOOM_HOME", str(tmp_path / "env"))
    assert home() == (tmp_path / "env").resolve()  # and NODELOOM_HOME
    config_file().write_text("{not json")
    monkeypatch.delenv("NODELOOM_HOME")
    assert home() == (tmp_path / "data" / "nodeloom").resolve()  # an unreadable choice is no choice: the default
