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


def test_diff_and_the_http_compare_name_the_annotations_that_changed(tmp_path):
    from engine.model import Workflow

    store = Store(tmp_path, install_templates=False)
    try:
        wid = store.workflows.create(Workflow.model_validate(annotated(GROUP, NOTE))).id
        store.workflows.save(wid, Workflow.model_validate(annotated({**GROUP, "title": "Sums"})))
        proc = nodeloom_at(tmp_path, "diff", wid, 1, 2)
        assert proc.returncode == 0, proc.stderr
        lines = [line.strip() for line in proc.stdout.splitlines()]
        assert "~ annotation g1" in lines and "- annotation n1" in lines, proc.stdout
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
