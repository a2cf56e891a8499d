"""``nodeloom models`` and a workflow through a model block, as a user runs them: real subprocesses on a data
folder, a detector built with onnx.helper (issue 29's done-when)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PIL import Image

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from . import onnx_models as m  # noqa: E402

BOXES = [{"label": "cat", "score": 0.9, "left": 44, "top": 22, "right": 84, "bottom": 42},
         {"label": "dog", "score": 0.7, "left": 46, "top": 22, "right": 86, "bottom": 42},
         {"label": "cat", "score": 0.5, "left": 110, "top": 0, "right": 128, "bottom": 18}]


def cli(home, *args):
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "NODELOOM_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, timeout=90,
                          env=env)


def workflow(tmp_path):
    Image.new("RGB", (128, 64), "white").save(tmp_path / "pic.png")
    doc = {"format": "nodeloom.workflow", "schema_version": 1, "name": "Detect and draw", "nodes": [
        {"id": "load", "type": "image_load", "config": {"source": "pic.png"}},
        {"id": "detect", "type": "model_detect", "config": {"model": "pets"}},
        {"id": "draw", "type": "image_draw_boxes", "config": {"color": "#ff0000", "width": 1}},
        {"id": "save", "type": "image_save", "config": {"path": "boxed.png"}},
        {"id": "out", "type": "output", "config": {"name": "boxes"}}],
        "edges": [
            {"id": "e1", "source": "load", "source_port": "image", "target": "detect", "target_port": "image"},
            {"id": "e2", "source": "load", "source_port": "image", "target": "draw", "target_port": "image"},
            {"id": "e3", "source": "detect", "source_port": "boxes", "target": "draw", "target_port": "boxes"},
            {"id": "e4", "source": "draw", "source_port": "image", "target": "save", "target_port": "image"},
            {"id": "e5", "source": "detect", "source_port": "boxes", "target": "out", "target_port": "value"}]}
    path = tmp_path / "detect.json"
    path.write_text(json.dumps(doc))
    return path


def test_models_commands_import_list_and_remove(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "labels.txt").write_text("red\ngreen\nblue\n")
    done = cli(home, "models", "import", str(m.classifier(tmp_path / "colours.onnx")), "--task", "classify",
               "--labels", str(tmp_path / "labels.txt"))
    assert done.returncode == 0, done.stderr
    listed = json.loads(cli(home, "models", "list", "--json").stdout)
    assert [(c["name"], c["task"], c["labels"]) for c in listed["models"]] == [
        ("colours", "classify", ["red", "green", "blue"])]
    (tmp_path / "two.txt").write_text("a\nb\n")
    refused = cli(home, "models", "import", str(tmp_path / "colours.onnx"), "--task", "classify", "--name", "other",
                  "--labels", str(tmp_path / "two.txt"))
    assert refused.returncode == 2 and "2 labels, but its output 'scores' gives 3 scores" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert cli(home, "models", "remove", "colours").returncode == 0
    assert json.loads(cli(home, "models", "list", "--json").stdout)["models"] == []
    gone = cli(home, "models", "remove", "colours")
    assert gone.returncode != 0 and "no model 'colours'" in gone.stderr


def test_models_import_without_a_task_takes_what_the_outputs_say_and_says_so(tmp_path):
    home = tmp_path / "home"
    done = cli(home, "models", "import", str(m.yolo_detector(tmp_path / "pets.onnx")))
    assert done.returncode == 0, done.stderr
    assert "imported pets (detect" in done.stdout and "--task" in done.stderr  # (what it took, and how to choose)
    card = json.loads(cli(home, "models", "list", "--json").stdout)["models"][0]
    assert (card["task"], card["decoding"], card["resize"]) == ("detect", "yolo", "letterbox")


def test_detect_draw_save_gives_exact_boxes_then_caches_then_reruns_the_model_when_its_file_changes(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "pets.txt").write_text("cat\ndog\n")
    imported = cli(home, "models", "import", str(m.yolo_detector(tmp_path / "pets.onnx")), "--task", "detect",
                   "--labels", str(tmp_path / "pets.txt"))
    assert imported.returncode == 0, imported.stderr
    wf = workflow(tmp_path)
    first = cli(home, "run", str(wf), "--json", "-q")
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert result["outputs"]["boxes"] == BOXES
    drawn = Image.open(tmp_path / "boxed.png").convert("RGB")
    assert drawn.getpixel((44, 30)) == (255, 0, 0) and drawn.getpixel((75, 38)) == (255, 255, 255)
    assert drawn.getpixel((64, 22)) == (255, 0, 0)

    again = json.loads(cli(home, "run", str(wf), "--json", "-q").stdout)
    # (image_save writes its file each run: it acts on the world, so it is never taken from the cache)
    assert {n: s["status"] for n, s in again["nodes"].items()} == {
        "load": "cached", "detect": "cached", "draw": "cached", "out": "cached", "save": "succeeded"}

    rows = m.YOLO_ROWS.copy()
    rows[0, 4] = 0.95  # the same model name, other bytes: another first box score
    replaced = cli(home, "models", "import", str(m.yolo_detector(tmp_path / "pets2.onnx", rows)), "--task", "detect",
                   "--labels", str(tmp_path / "pets.txt"), "--name", "pets", "--replace")
    assert replaced.returncode == 0, replaced.stderr
    third = json.loads(cli(home, "run", str(wf), "--json", "-q").stdout)
    statuses = {n: s["status"] for n, s in third["nodes"].items()}
    # the picture is taken from the cache; the model runs again (and what its new boxes feed)
    assert statuses == {"load": "cached", "detect": "succeeded", "draw": "succeeded", "out": "succeeded",
                        "save": "succeeded"}
    assert third["outputs"]["boxes"][0]["score"] == 0.95


def test_the_http_route_lists_the_library(tmp_path):
    import asyncio

    import httpx

    from engine.models import ModelLibrary
    from engine.store import Store

    from .server_helpers import OPEN, started

    store = Store(tmp_path / "home")
    card = ModelLibrary(store.home / "models").import_model(m.classifier(tmp_path / "colours.onnx"), "classify",
                                                              labels=["red", "green", "blue"])

    async def go():
        service, server, token = await started(store, **OPEN)
        try:
            async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30) as client:
                refused = await client.get("/models")
                client.headers["Authorization"] = f"Bearer {token}"
                return refused, await client.get("/models"), (await client.get("/openapi.json")).json()
        finally:
            await server.stop()
            await service.close()

    try:
        refused, answer, spec = asyncio.run(go())
    finally:
        store.close()
    assert refused.status_code == 401 and answer.status_code == 200
    assert answer.json() == {"folder": str(store.home / "models"), "models": [card.to_json()]}
    assert spec["paths"]["/api/v1/models"]["get"]["operationId"] == "listModels"


def test_the_same_file_under_another_name_hits_the_cache(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "pets.txt").write_text("cat\ndog\n")
    model = m.yolo_detector(tmp_path / "pets.onnx")
    for name in ("pets", "renamed"):
        done = cli(home, "models", "import", str(model), "--task", "detect", "--labels", str(tmp_path / "pets.txt"),
                   "--name", name)
        assert done.returncode == 0, done.stderr
    wf = workflow(tmp_path)
    first = json.loads(cli(home, "run", str(wf), "--json", "-q").stdout)
    assert first["nodes"]["detect"]["status"] == "succeeded"
    doc = json.loads(wf.read_text())
    doc["nodes"][1]["config"]["model"] = "renamed"
    wf.write_text(json.dumps(doc))
    again = json.loads(cli(home, "run", str(wf), "--json", "-q").stdout)
    assert again["nodes"]["detect"]["status"] == "cached" and again["outputs"]["boxes"] == BOXES
