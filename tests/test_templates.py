"""Every template does something real and runs to `succeeded` — from the editor and from the command line
(issue 11). The HTTP templates call a real loopback server; the folder ones write real files."""

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine.folders import templates_dir

from .editor_helpers import on_loop
from .http_server import Handler, LoopbackServer

TODOS = [{"title": "write", "completed": True}, {"title": "test", "completed": False},
         {"title": "ship", "completed": True}]


@pytest.fixture(scope="module")
def server():
    Handler.extra["/todos"] = (json.dumps(TODOS).encode(), "application/json")
    s = LoopbackServer()
    yield s
    s.close()


def inputs_for(name: str, server, tmp_path: Path, attempt: str) -> dict:
    return {
        "Thumbnail a folder": {"out": str(tmp_path / f"thumbs-{attempt}")},
        "Thumbnail each new photo": {"path": str(templates_dir().parent / "samples" / "landscape.png"),
                                     "file_name": "landscape.png", "out": str(tmp_path / f"each-{attempt}")},
        "Resize for the web in parallel": {"out": str(tmp_path / f"web-{attempt}")},
        "Fetch JSON and filter it": {"url": f"{server.url}/todos"},
        "Check a service, with retries": {"url": f"{server.url}/flaky/{attempt}/2"},  # fails twice, then answers
    }.get(name, {})


MODELS_NEEDED = "Detect, crop and classify each object"


def add_models(home: Path, tmp_path: Path) -> None:
    """The two models the detect-crop-classify template names, built with onnx.helper (tests/onnx_models.py)."""
    from engine.models import ModelLibrary

    from . import onnx_models as m

    library = ModelLibrary(Path(home) / "models")
    library.import_model(m.yolo_detector(tmp_path / "detector.onnx"), "detect", labels=["cat", "dog"], replace=True)
    library.import_model(m.classifier(tmp_path / "classifier.onnx"), "classify", labels=["red", "green", "blue"],
                         replace=True)


def check_outputs(name: str, outputs: dict) -> None:
    """What each template must have produced: not just `succeeded`."""
    if name == "Thumbnail a folder":
        assert outputs["count"] >= 1 and all(Path(p).is_file() for p in outputs["thumbnails"])
    elif name == "Thumbnail each new photo":
        assert Path(outputs["thumbnail"]).name == "thumb_landscape.png.png" and Path(outputs["thumbnail"]).is_file()
    elif name == "Resize for the web in parallel":
        assert all(Path(p).suffix == ".webp" and Path(p).is_file() for p in outputs["files"])
    elif name == "Fetch JSON and filter it":
        assert outputs["count"] == 2 and [t["title"] for t in outputs["done"]] == ["write", "ship"]
    elif name == "Check a service, with retries":
        assert outputs == {"state": "up", "status": 200}
    elif name == "A Python step":
        assert outputs["stats"] == {"mean": 3.875, "median": 3.5, "stdev": 2.748}
    elif name == "Call a sub-workflow":
        assert outputs == {"result": 50}
    elif name == "Square a number":
        assert outputs == {"square": 9}
    elif name == "Find faces and blur them":
        assert outputs["faces"] == 1  # the astronaut's
    elif name == MODELS_NEEDED:
        assert len(outputs["labels"]) == 3 and set(outputs["labels"]) <= {"red", "green", "blue"}


def template_names() -> list[str]:
    return sorted(json.loads(p.read_text("utf-8"))["name"] for p in templates_dir().glob("*.json"))


def test_there_are_at_least_eight_templates_each_described():
    names = template_names()
    assert len(names) >= 8 and len(set(names)) == len(names)
    for path in templates_dir().glob("*.json"):
        doc = json.loads(path.read_text("utf-8"))
        assert doc["description"] and "example" in doc["tags"], path.name


def test_every_template_runs_from_the_editor(window, server, tmp_path):
    from engine.runs import read_value

    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    pytest.importorskip("cv2")
    names = template_names()
    templates = {i.name: i for i in window.store.workflows.list(templates=True, limit=100).items}
    assert set(names) <= set(templates)
    add_models(window.home, tmp_path)

    async def run_all():
        results = {}
        for name in names:
            tab = window.workflows.new_from_template(templates[name].id)
            for field, value in inputs_for(name, server, tmp_path, "editor").items():
                window.run_panel.inputs.fields[field].setText(value)
            results[name] = await window.runs.run_tab(tab)
        return results

    results = on_loop(window, run_all)
    for name, result in results.items():
        assert result is not None and result.status == "succeeded", (name, result and result.error)
        check_outputs(name, {k: read_value(v) for k, v in result.outputs.items()})


def test_every_template_runs_from_the_command_line(server, tmp_path):
    def run(numbered):
        n, name = numbered  # each in a data folder of its own (every one holds the templates): four at a time
        args = [a for k, v in inputs_for(name, server, tmp_path, "cli").items() for a in ("-i", f"{k}={v}")]
        return subprocess.run([sys.executable, "-m", "app.cli", "--home", str(tmp_path / f"home{n}"), "run", name,
                               "--json", "-q", *args], capture_output=True, text=True, timeout=180)

    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    pytest.importorskip("cv2")
    names = template_names()
    add_models(tmp_path / f"home{names.index(MODELS_NEEDED)}", tmp_path)
    with ThreadPoolExecutor(4) as pool:
        finished = list(pool.map(run, enumerate(names)))
    for name, done in zip(names, finished):
        assert done.returncode == 0, (name, done.stderr[-2000:])
        run = json.loads(done.stdout)
        assert run["status"] == "succeeded", (name, run.get("error"))
        if name not in ("Image pipeline", "Watermark an image"):  # (images print as summaries)
            check_outputs(name, run["outputs"])


def test_templates_added_in_a_newer_version_reach_an_existing_data_folder(tmp_path):
    from engine.model import load_workflow
    from engine.store import Store
    from engine.store.models import SettingRow

    store = Store(tmp_path / "old", install_templates=False)  # as an older Nodeloom left it: three templates
    for file in ("condition_merge.json", "image_pipeline.json", "parallel_foreach.json"):
        store.workflows.create(load_workflow(templates_dir() / file), is_template=True, source=f"resource:{file}")
    with store.db.write() as s:
        s.add(SettingRow(key="templates_installed", value=1700000000.0))
    store.close()
    store = Store(tmp_path / "old")
    names = [i.name for i in store.workflows.list(templates=True, limit=100).items]
    assert sorted(names) == template_names()  # the new ones added, none twice
    store.workflows.delete(store.workflows.resolve("Square a number").id)
    store.close()
    store = Store(tmp_path / "old")
    with store.db.write() as s:  # a flag from before the list: the rows say what is installed
        s.get(SettingRow, "templates_installed").value = 1700000000.0
    store.close()
    store = Store(tmp_path / "old")  # a template the user deleted stays deleted, and none comes twice
    names = [i.name for i in store.workflows.list(templates=True, limit=100).items]
    assert sorted(names) == [n for n in template_names() if n != "Square a number"]
    store.close()


def test_a_users_copy_is_called_rather_than_the_template_of_the_same_name(tmp_path):
    from engine.store import Store

    store = Store(tmp_path / "home")
    template = store.workflows.resolve("Square a number")
    mine = store.workflows.new_from_template(template.id)
    assert store.workflows.resolve("Square a number").id == mine.id
    store.close()
