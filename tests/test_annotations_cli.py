"""Annotations from the command line and over HTTP: ``nodeloom run`` of an annotated document runs as the same
document without them; ``nodeloom validate`` refuses a malformed one naming it; ``nodeloom diff`` and the HTTP
compare name the annotations that changed; the server's document schema knows them."""

import json

from engine.store import Store

from .server_helpers import with_api
from .test_annotations import GROUP, NOTE, annotated, plain
from .test_cli import nodeloom
from .test_diff_links import nodeloom as nodeloom_at


def write(tmp_path, name: str, doc: dict):
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return str(path)


def test_run_of_an_annotated_document_is_the_run_without_them(tmp_path):
    home = tmp_path / "home"
    outs = []
    for name, doc in (("plain.json", plain()), ("annotated.json", annotated())):
        proc = nodeloom_at(home, "run", write(tmp_path, name, doc), "--json")
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        outs.append((out["status"], out["outputs"], {n: v["status"] for n, v in out["nodes"].items()}))
    assert outs[0] == ("succeeded", {"result": 20}, {"a": "succeeded", "b": "succeeded", "out": "succeeded"})
    # the same run: what the plain document computed is reused whole (annotations are not in the cache key)
    assert outs[1] == ("succeeded", {"result": 20}, {"a": "cached", "b": "cached", "out": "cached"})
    proc = nodeloom("validate", write(tmp_path, "annotated.json", annotated()))
    assert proc.returncode == 0 and "valid (3 nodes, 2 edges)" in proc.stdout, proc.stderr


def test_validate_refuses_a_malformed_annotation_naming_it(tmp_path):
    bad_kind = write(tmp_path, "kind.json", annotated({**NOTE, "kind": "sticker"}))
    proc = nodeloom("validate", bad_kind)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "annotation 'n1'" in proc.stderr and "kind" in proc.stderr, proc.stderr
    missing = write(tmp_path, "missing.json", annotated({**GROUP, "nodes": ["a", "ghost"]}))
    for command in ("validate", "run"):
        proc = nodeloom(command, missing)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert "annotation 'g1': a group names missing node 'ghost'" in proc.stderr, proc.stderr
    proc = nodeloom("validate", missing, "--json")
    assert [i["code"] for i in json.loads(proc.stdout)["issues"]] == ["invalid_annotation"]
    negative = write(tmp_path, "negative.json", annotated({**GROUP, "size": [100, -1]}))
    proc = nodeloom("validate", negative)
    assert proc.returncode == 2 and "annotation 'g1'" in proc.stderr and "size" in proc.stderr, proc.stderr


def grey_photo(annotations: list, *extra_nodes: dict) -> dict:
    """An outside tester's document (issue 26): four image nodes, bypassed blur, and ``annotations``."""
    node = lambda nid, kind, x, **config: {"id": nid, "type": kind, "position": [x, 0], "config": config}  # noqa: E731
    return {"format": "nodeloom.workflow", "schema_version": 1, "name": "Grey photo",
            "nodes": [node("image_load_1", "image_load", 0, source="/tmp/t3/photo.png"),
                      node("image_save_1", "image_save", 936, path="/tmp/t3/out.png"),
                      {**node("image_blur_1", "image_blur", 168, radius=4.0), "bypass": True},
                      node("image_grayscale_1", "image_grayscale", 440), *extra_nodes],
            "edges": [{"id": "e1", "source": "image_load_1", "source_port": "image", "target": "image_blur_1",
                       "target_port": "image"},
                      {"id": "e2", "source": "image_grayscale_1", "source_port": "image", "target": "image_save_1",
                       "target_port": "image"},
                      {"id": "e3", "source": "image_blur_1", "source_port": "image", "target": "image_grayscale_1",
                       "target_port": "image"}],
            "annotations": annotations}


#: the tester's bad_annot.json: a group naming a node that is not there, a note with no size, one with a colour
#: that is no colour, and a second "group1" of a kind that does not exist
TESTERS_ANNOTATIONS = [
    {"id": "group1", "kind": "group", "position": [142, 88], "size": [645, 317], "title": "Look filters",
     "color": "#3f8f56", "nodes": ["image_blur_1", "image_grayscale_1", "ghost_node"]},
    {"id": "note1", "kind": "note", "position": [427, -174], "size": [0, -5], "text": "Make it **grey**"},
    {"id": "note2", "kind": "note", "position": [759, 258], "size": [240, 120], "text": "* step", "color": "red"},
    {"id": "group1", "kind": "sticker", "position": [427, -174], "size": [0, -5], "nodes": []},
]


def test_validate_lists_every_problem_of_malformed_annotations_at_once(tmp_path):
    path = write(tmp_path, "bad_annot.json", grey_photo(TESTERS_ANNOTATIONS))
    proc = nodeloom("validate", path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    problems = [line.strip() for line in proc.stderr.splitlines() if line.strip().startswith("- ")]
    expected = ["annotation 'note1': size.0", "annotation 'note1': size.1", "annotation 'note2': color",
                "annotation 'group1': kind", "annotation 'group1': size.0", "annotation 'group1': size.1",
                "annotation 'group1': a group names missing node 'ghost_node'",
                "annotation id 'group1' is used more than once"]
    for fragment in expected:
        assert sum(fragment in p for p in problems) == 1, (fragment, proc.stderr)
    assert len(problems) == len(expected) and "(8 problems)" in proc.stderr, proc.stderr
    # the graph's own problems are listed beside them: an unknown block, a link to a port that is not there
    path = write(tmp_path, "worse.json", grey_photo(TESTERS_ANNOTATIONS, {"id": "odd", "type": "no_such_block",
                                                                          "position": [0, 300]}))
    proc = nodeloom("validate", path, "--json")
    issues = json.loads(proc.stdout)["issues"]
    assert proc.returncode == 2 and len(issues) == 9, issues
    assert [i["node_id"] for i in issues if i["code"] == "unknown_block"] == ["odd"]
    proc = nodeloom("run", path)
    assert proc.returncode == 2 and "unknown block type 'no_such_block'" in proc.stderr and "ghost_node" in proc.stderr

    async def check(c, service, server):
        r = await c.post("/validate", json={"document": grey_photo(TESTERS_ANNOTATIONS, {
            "id": "odd", "type": "no_such_block", "position": [0, 300]})})
        assert r.status_code == 200 and not r.json()["valid"]
        assert sorted(p["message"] for p in r.json()["problems"]) == sorted(i["message"] for i in issues)

    store = Store(tmp_path / "home", install_templates=False)
    try:
        with_api(store, check)
    finally:
        store.close()


def test_diff_and_the_http_compare_name_the_annotations_that_changed(tmp_path):
    from engine.model import Workflow

    store = Store(tmp_path, install_templates=False)
    try:
        wid = store.workflows.create(Workflow.model_validate(annotated(GROUP, NOTE))).id
        store.workflows.save(wid, Workflow.model_validate(annotated({**GROUP, "title": "Sums"})))
        proc = nodeloom_at(tmp_path, "diff", wid, 1, 2)
        assert proc.returncode == 0, proc.stderr
        lines = [line.strip() for line in proc.stdout.splitlines()]
        assert '~ annotation g1: title "Maths" → "Sums"' in lines and "- annotation n1" in lines, proc.stdout
        assert "(layout: 1 annotation removed, 1 changed)" in proc.stdout, proc.stdout
        cli = nodeloom_at(tmp_path, "diff", wid, 1, 2, "--json")
        assert json.loads(cli.stdout)["annotations_changed"] == ["g1"]

        async def check(c, service, server):
            r = await c.get(f"/workflows/{wid}/versions/compare", params={"a": 1, "b": 2})
            assert r.status_code == 200 and r.json() == json.loads(cli.stdout)
            schema = (await c.get("/openapi.json")).json()
            assert "annotations" in json.dumps(schema["components"]["schemas"]["WorkflowBody"])
            bad = await c.post("/workflows", json={"document": annotated({**NOTE, "size": [-1, 5]})})
            assert bad.status_code == 422 and "annotation 'n1'" in bad.text, bad.text

        with_api(store, check)
    finally:
        store.close()
