"""Bypass from the fronts (issue 26): ``nodeloom run`` and a run over HTTP honour a bypassed node — its status is
``bypassed`` in the run object, the image comes out as it went in — and a version diff names the bypass, in
``nodeloom diff`` and the HTTP compare alike."""

import base64
import io
import json

import pytest
from PIL import Image, ImageChops

from engine.folders import resources_dir
from engine.store import Store

from .builder import Flow
from .server_helpers import with_api
from .test_diff_links import nodeloom as nodeloom_at

pytestmark = pytest.mark.timeout(120)

SAMPLE = str(resources_dir() / "samples" / "landscape.png")


def blur_flow(bypass: bool = True) -> dict:
    doc = (Flow("Soft").node("load", "image_load", source=SAMPLE).node("blur", "image_blur", radius=6)
           .node("out", "output", name="image").chain("load.image", "blur.image", "out.value").build()
           .model_dump(mode="json"))
    if bypass:
        doc["nodes"][1]["bypass"] = True
    return doc


def decoded(value: dict) -> Image.Image:
    assert value["$type"] == "image", value
    return Image.open(io.BytesIO(base64.b64decode(value["png"])))


def same_as_sample(image: Image.Image) -> bool:
    with Image.open(SAMPLE) as original:
        original = original.convert(image.mode)
        return original.size == image.size and ImageChops.difference(original, image).getbbox() is None


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path, install_templates=False)
    yield s
    s.close()


def test_nodeloom_run_of_a_document_with_a_bypassed_blur(tmp_path):
    path = tmp_path / "soft.json"
    path.write_text(json.dumps(blur_flow()))
    proc = nodeloom_at(tmp_path / "home", "run", path, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["status"] == "succeeded"
    assert out["nodes"]["blur"]["status"] == "bypassed"
    assert out["nodes"]["load"]["status"] == "succeeded"
    assert same_as_sample(decoded(out["outputs"]["image"]))  # not blurred: the loaded picture itself
    assert "1 bypassed" in proc.stderr  # the closing line says a node was switched off
    path.write_text(json.dumps(blur_flow(bypass=False)))
    proc = nodeloom_at(tmp_path / "home", "run", path, "--json")
    out = json.loads(proc.stdout)
    assert out["nodes"]["blur"]["status"] == "succeeded" and not same_as_sample(decoded(out["outputs"]["image"]))
    assert "bypassed" not in proc.stderr


def test_nodeloom_validate_refuses_a_bypassed_foreach_naming_it(tmp_path):
    doc = (Flow().node("items", "constant", value=[1, 2]).node("each", "foreach").node("col", "collect")
           .node("out", "output", name="v").edge("items.value", "each.items").edge("each.item", "col.value")
           .edge("col.items", "out.value").build().model_dump(mode="json"))
    doc["nodes"][1]["bypass"] = True
    path = tmp_path / "loop.json"
    path.write_text(json.dumps(doc))
    proc = nodeloom_at(tmp_path / "home", "validate", path)
    assert proc.returncode != 0
    assert "node 'each': a loop's foreach cannot be bypassed" in proc.stderr and "Traceback" not in proc.stderr


def test_a_run_over_http_of_a_stored_workflow_with_a_bypassed_node(store):
    async def check(c, service, server):
        r = await c.post("/workflows", json={"document": blur_flow()})
        assert r.status_code == 201, r.text
        wid = r.json()["id"]
        stored = (await c.get(f"/workflows/{wid}")).json()["document"]
        assert next(n for n in stored["nodes"] if n["id"] == "blur")["bypass"] is True
        run = (await c.post(f"/workflows/{wid}/run", json={})).json()
        assert run["status"] == "succeeded", run
        assert run["nodes"]["blur"]["status"] == "bypassed"
        assert same_as_sample(decoded(run["outputs"]["image"]))
        again = (await c.get(f"/runs/{run['id']}")).json()  # as the store keeps it
        assert again["nodes"]["blur"]["status"] == "bypassed"
        assert {n["node_id"]: n["status"] for n in again["node_runs"]}["blur"] == "bypassed"
        spec = (await c.get("/openapi.json")).json()
        assert "bypassed" in spec["components"]["schemas"]["NodeSummary"]["properties"]["status"]["enum"]
        r = await c.put(f"/workflows/{wid}", json={"document": blur_flow(bypass=False)})
        assert r.json()["version"] == 2  # bypass is semantic: switching it off is a new version
        diff = (await c.get(f"/workflows/{wid}/versions/compare", params={"a": 1, "b": 2})).json()
        assert [(n["node_id"], n["bypass"]) for n in diff["nodes_changed"]] == [("blur", [True, False])]
        return wid

    wid = with_api(store, check)
    store.close()
    proc = nodeloom_at(store.home, "diff", wid, 1, 2)
    assert proc.returncode == 0, proc.stderr
    assert "~ node blur" in proc.stdout and "bypass: on → off" in proc.stdout
