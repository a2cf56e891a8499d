"""A version diff names links by their endpoints (SPEC §7): an edge id reused for another link is a removal
named by its old endpoints plus an addition named by its new ones, and an id that changed on the same link is
no change — in the store, in ``nodeloom diff`` (text and --json) and over HTTP, with one JSON shape for both."""

import json
import os
import subprocess
import sys

import pytest

from engine.store import Link, Store

from .diff_helpers import three_versions, version
from .server_helpers import with_api

pytestmark = pytest.mark.timeout(120)

BLUR_SAVE = {"id": "e3", "source": "blur", "source_port": "image", "target": "save", "target_port": "image"}
BLUR_GRAY = {"id": "e3", "source": "blur", "source_port": "image", "target": "gray", "target_port": "image"}


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path, install_templates=False)
    yield s
    s.close()


def nodeloom(home, *args):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), *map(str, args)],
                          capture_output=True, text=True, timeout=60, env=env)


def test_a_reused_edge_id_is_the_old_link_removed_and_the_new_one_added(store):
    wid = three_versions(store.workflows)
    d = store.workflows.diff(wid, 1, 3)
    assert d.nodes_added == ("gray",)
    assert d.edges_removed == (Link(**BLUR_SAVE),)
    assert d.edges_added == (Link(**BLUR_GRAY),)
    assert d.summary() == "1 node added, 1 link added, 1 link removed"
    assert store.workflows.diff(wid, 1, 2).edges_removed == (Link(**BLUR_SAVE),)
    assert store.workflows.diff(wid, 2, 3).edges_added == (Link(**BLUR_GRAY),)
    assert store.workflows.diff(wid, 2, 3).edges_removed == ()
    back = store.workflows.diff(wid, 3, 1)  # the other way round: the same links, the other way
    assert (back.edges_added, back.edges_removed) == ((Link(**BLUR_SAVE),), (Link(**BLUR_GRAY),))


def test_a_link_whose_id_changed_on_the_same_endpoints_is_no_change(store):
    wid = three_versions(store.workflows)
    renamed = version(3)
    for e in renamed.edges:
        e.id = {"e1": "load-to-blur", "e3": "e9"}[e.id]
    assert store.workflows.save(wid, renamed).version == 4
    assert store.workflows.diff(wid, 3, 4).empty
    assert store.workflows.diff(wid, 3, 4).summary() == "no change"
    d = store.workflows.diff(wid, 1, 4)
    assert d.edges_removed == (Link(**BLUR_SAVE),)
    assert d.edges_added == (Link(**{**BLUR_GRAY, "id": "e9"}),)


def test_a_removed_node_takes_its_links_named_by_their_ends(store):
    wid = three_versions(store.workflows)
    doc = version(3)
    doc.nodes = [n for n in doc.nodes if n.id != "blur"]
    doc.edges = []
    store.workflows.save(wid, doc)
    d = store.workflows.diff(wid, 3, 4)
    assert d.nodes_removed == ("blur",)
    assert [(e.source, e.target) for e in d.edges_removed] == [("load", "blur"), ("blur", "gray")]
    assert d.summary() == "1 node removed, 2 links removed"


def test_change_summaries_of_every_version(store):
    wid = three_versions(store.workflows)
    assert store.workflows.change_summaries(wid, [1, 2, 3]) == {
        1: "created", 2: "1 link removed", 3: "1 node added, 1 link added"}
    assert store.workflows.change_summaries(wid, [3]) == {3: "1 node added, 1 link added"}


def test_cli_diff_names_links_by_their_endpoints(tmp_path, store):
    wid = three_versions(store.workflows)
    proc = nodeloom(tmp_path, "diff", wid, 1, 3)
    assert proc.returncode == 0, proc.stderr
    lines = [line.strip() for line in proc.stdout.splitlines()]
    assert "- link blur.image → save.image (e3)" in lines
    assert "+ link blur.image → gray.image (e3)" in lines
    assert "+ node gray" in lines
    assert not any("edge" in line for line in lines), proc.stdout
    proc = nodeloom(tmp_path, "diff", wid, 1, 3, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["edges_removed"] == [BLUR_SAVE] and out["edges_added"] == [BLUR_GRAY]
    assert (out["workflow_id"], out["a"], out["b"]) == (wid, 1, 3)
    assert out["summary"] == "1 node added, 1 link added, 1 link removed"


def test_http_compare_answers_the_same_json_as_the_cli(tmp_path, store):
    wid = three_versions(store.workflows)
    cli = nodeloom(tmp_path, "diff", wid, 1, 3, "--json")
    assert cli.returncode == 0, cli.stderr

    async def check(c, service, server):
        r = await c.get(f"/workflows/{wid}/versions/compare", params={"a": 1, "b": 3})
        assert r.status_code == 200, r.text
        assert r.json()["edges_removed"] == [BLUR_SAVE] and r.json()["edges_added"] == [BLUR_GRAY]
        assert r.json() == json.loads(cli.stdout)
        schema = (await c.get("/openapi.json")).json()
        answer = schema["paths"]["/api/v1/workflows/{workflow_id}/versions/compare"]["get"]["responses"]["200"]
        ref = answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        link = schema["components"]["schemas"][ref]["properties"]["edges_added"]["items"]["$ref"].rsplit("/", 1)[1]
        assert set(schema["components"]["schemas"][link]["properties"]) == set(BLUR_SAVE)
        missing = await c.get(f"/workflows/{wid}/versions/compare", params={"a": 1, "b": 9})
        assert missing.status_code == 404 and "no version 9" in missing.json()["detail"]

    with_api(store, check)


def test_a_renamed_node_is_renamed_not_moved(tmp_path):
    from engine.store import Store

    from .builder import Flow

    store = Store(tmp_path)
    try:
        wf = Flow("Named").node("c", "constant", value=1).build()
        wf.nodes[0].position = (10.0, 20.0)
        wid = store.workflows.create(wf).id
        renamed = wf.model_copy(deep=True)
        renamed.nodes[0].label = "Blur B"
        store.workflows.save(wid, renamed)
        d = store.workflows.diff(wid, 1, 2)
        assert d.nodes_moved == () and [(r.node_id, r.old, r.new) for r in d.nodes_renamed] == [("c", None, "Blur B")]
        assert d.summary() == "layout: 1 node renamed"
    finally:
        store.close()


def test_a_config_key_left_to_its_default_in_one_version_is_named_by_the_default(tmp_path, store):
    from .builder import Flow

    wf = Flow("Soft").node("soft", "image_blur").build()  # radius left out: the block's default, 2.0
    wid = store.workflows.create(wf).id
    set_ = wf.model_copy(deep=True)
    set_.nodes[0].config["radius"] = 4.0
    store.workflows.save(wid, set_)
    store.workflows.save(wid, wf)
    lines = [line.strip() for line in nodeloom(tmp_path, "diff", wid, 1, 2).stdout.splitlines()]
    assert "radius: default 2.0 → 4.0" in lines, lines
    lines = [line.strip() for line in nodeloom(tmp_path, "diff", wid, 2, 3).stdout.splitlines()]
    assert "radius: 4.0 → default 2.0" in lines, lines
    assert json.loads(nodeloom(tmp_path, "diff", wid, 1, 2, "--json").stdout)["nodes_changed"][0]["config"] == [
        {"key": "radius", "old": "<missing>", "new": 4.0}]  # (the JSON keeps its shape)
