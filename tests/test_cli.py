"""The ``nodeloom`` command, run as a user runs it: a real subprocess."""

import json
import os
import subprocess
import sys

import pytest

from engine.folders import resources_dir

TEMPLATES = resources_dir() / "templates"


def nodeloom(*args, cwd=None):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd, env=env)


def run_json(*args):
    proc = nodeloom("run", *args, "--json")
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else None, proc.stderr


def test_condition_template_both_branches():
    code, out, _ = run_json(str(TEMPLATES / "condition_merge.json"))
    assert code == 0 and out["status"] == "succeeded"
    assert out["outputs"] == {"verdict": "small", "result": 107, "message": "107 came out of the branch"}
    assert out["nodes"]["double"]["status"] == "skipped"
    code, out, _ = run_json(str(TEMPLATES / "condition_merge.json"), "-i", "number=12")
    assert out["outputs"] == {"verdict": "big", "result": 24, "message": "24 came out of the branch"}
    assert {"run_id", "status", "duration_ms", "outputs", "nodes", "error"} <= set(out) and out["id"] == out["run_id"]
    assert out["nodes"]["add"] == {"status": "skipped", "duration_ms": 0.0, "attempts": 0, "error": None}


def test_parallel_foreach_template():
    code, out, _ = run_json(str(TEMPLATES / "parallel_foreach.json"), "-i", "numbers=[3, 1, 4]")
    assert code == 0
    assert out["outputs"] == {
        "squares": [{"n": 3, "square": 9, "index": 0}, {"n": 1, "square": 1, "index": 1},
                    {"n": 4, "square": 16, "index": 2}],
        "count": 3, "big": 1}
    code, out, _ = run_json(str(TEMPLATES / "parallel_foreach.json"))
    assert out["outputs"]["count"] == 8 and out["outputs"]["big"] == 5


def test_image_template_from_another_folder(tmp_path):
    proc = nodeloom("run", str(TEMPLATES / "image_pipeline.json"), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["outputs"]["width"] == 160 and out["outputs"]["height"] == 120
    annotated = out["outputs"]["annotated"]
    assert {k: annotated[k] for k in ("$type", "width", "height", "mode")} == {
        "$type": "image", "width": 160, "height": 120, "mode": "RGB"}
    import base64
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(base64.b64decode(annotated["png"])))
    assert img.size == (160, 120) and img.getpixel((28, 75)) == (255, 204, 0)
    assert out["outputs"]["mask"]["mode"] == "L"


def test_plain_output_and_progress_on_stderr():
    proc = nodeloom("run", str(TEMPLATES / "condition_merge.json"), "-i", "number=1")
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == ['verdict: "small"', "result: 101", 'message: "101 came out of the branch"']
    assert "succeeded in" in proc.stderr


def test_invalid_document_lists_every_problem(tmp_path):
    doc = {"format": "nodeloom.workflow", "schema_version": 1, "nodes": [
        {"id": "a", "type": "constant"}, {"id": "b", "type": "mystery"}, {"id": "t", "type": "transform"}],
        "edges": [{"id": "e1", "source": "a", "source_port": "value", "target": "ghost", "target_port": "x"}]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    for cmd in ("run", "validate"):
        proc = nodeloom(cmd, str(path))
        assert proc.returncode == 2
        assert "node 'b': unknown block type 'mystery'" in proc.stderr
        assert "node 't': required config 'expression' is missing" in proc.stderr
        assert "edge 'e1': edge refers to missing node 'ghost'" in proc.stderr
        assert "Traceback" not in proc.stderr
    proc = nodeloom("validate", str(path), "--json")
    assert {i["code"] for i in json.loads(proc.stdout)["issues"]} == {"unknown_block", "missing_config", "dangling_edge"}


@pytest.mark.parametrize("content,message", [
    ('{"nodes": [', "not valid JSON"),
    ("[" * 100_000, "nested too deeply"),
    ('{"format": "nodeloom.workflow", "schema_version": 99, "nodes": []}', "newer Nodeloom"),
])
def test_bad_documents_exit_2_without_traceback(tmp_path, content, message):
    path = tmp_path / "doc.json"
    path.write_text(content)
    proc = nodeloom("run", str(path))
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def test_bad_arguments_exit_2(tmp_path):
    proc = nodeloom("run", str(tmp_path / "missing.json"))
    assert proc.returncode == 2 and "no such file" in proc.stderr
    proc = nodeloom("run", str(TEMPLATES / "condition_merge.json"), "-i", "number=seven")
    assert proc.returncode == 2 and "must be a number" in proc.stderr
    proc = nodeloom("run", str(TEMPLATES / "condition_merge.json"), "-i", "novalue")
    assert proc.returncode == 2 and "NAME=VALUE" in proc.stderr
    (tmp_path / "inputs.json").write_text('{"number": 50}')
    code, out, _ = run_json(str(TEMPLATES / "condition_merge.json"), "--inputs", str(tmp_path / "inputs.json"))
    assert out["outputs"]["result"] == 100


def test_failed_run_exits_1(tmp_path):
    doc = {"format": "nodeloom.workflow", "schema_version": 1, "nodes": [
        {"id": "t", "type": "transform", "config": {"expression": "1 / 0"}},
        {"id": "o", "type": "output", "config": {"name": "o"}}],
        "edges": [{"id": "e", "source": "t", "source_port": "result", "target": "o", "target_port": "value"}]}
    path = tmp_path / "fails.json"
    path.write_text(json.dumps(doc))
    code, out, err = run_json(str(path))
    assert code == 1 and out["status"] == "failed"
    assert out["error"] == "node 't' failed: division by zero in '1 / 0'"
    assert out["nodes"]["t"]["error"] == "division by zero in '1 / 0'"


def test_blocks_lists_the_catalogue():
    proc = nodeloom("blocks")
    assert proc.returncode == 0
    for kind in ("condition", "foreach", "image_draw_boxes", "transform"):
        assert kind in proc.stdout
    data = json.loads(nodeloom("blocks", "--json").stdout)
    resize = next(b for b in data["blocks"] if b["type"] == "image_resize")
    assert resize["config_schema"]["properties"]["width"]["type"] == "integer"


def test_store_commands(tmp_path):
    home = {"NODELOOM_HOME": str(tmp_path / "home")}

    def cli(*args):
        env = {**os.environ, **home}
        return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True,
                              timeout=60, env=env)

    listed = json.loads(cli("list", "--templates", "--json").stdout)
    assert {w["name"] for w in listed["items"]} >= {"Big or small", "Parallel squares", "Image pipeline"}
    new_id = cli("import", str(TEMPLATES / "condition_merge.json")).stdout.strip()
    assert len(new_id) == 32
    out = json.loads(cli("run", new_id, "-i", "number=11", "--json", "-q").stdout)
    assert out["outputs"]["result"] == 22
    again = json.loads(cli("run", new_id, "-i", "number=11", "--json", "-q").stdout)
    assert {n["status"] for n in again["nodes"].values()} <= {"cached", "skipped", "succeeded"}
    assert again["nodes"]["double"]["status"] == "cached"
    fresh = json.loads(cli("run", new_id, "-i", "number=11", "--json", "-q", "--no-cache").stdout)
    assert fresh["nodes"]["double"]["status"] == "succeeded"
    assert cli("run", "Parallel squares", "--json", "-q").returncode == 0  # by its unique name
    # the template and the imported copy share the name: the user's own copy is the one a name means
    assert json.loads(cli("run", "Big or small", "--json", "-q").stdout)["status"] == "succeeded"
    second_id = cli("import", str(TEMPLATES / "condition_merge.json")).stdout.strip()
    ambiguous = cli("run", "Big or small")  # two of the user's own: which one is not guessed
    assert ambiguous.returncode == 2 and "workflows are named 'Big or small'" in ambiguous.stderr
    assert second_id in ambiguous.stderr
    history = json.loads(cli("history", new_id, "--json").stdout)
    assert [v["number"] for v in history["versions"]] == [1]
    runs = json.loads(cli("runs", new_id, "--json").stdout)
    assert [r["status"] for r in runs] == ["succeeded"] * 4 and {r["trigger"] for r in runs} == {"cli"}
    assert "RUN" in cli("runs").stdout
    exported = tmp_path / "out.json"
    assert cli("export", new_id, str(exported)).returncode == 0
    assert json.loads(exported.read_text())["name"] == "Big or small"
    missing = cli("export", "no-such-workflow", str(exported))
    assert missing.returncode == 2 and "no workflow" in missing.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"nodes": [{"id": "x", "type": "nope"}]}')
    refused = cli("import", str(bad))
    assert refused.returncode == 2 and "unknown block type 'nope'" in refused.stderr


def test_output_piped_into_a_reader_that_stops_early_ends_quietly(tmp_path):
    """`nodeloom blocks --json | head -1` (found by an outside tester with `run --json | head`): the reader closes the
    pipe; the command stops without a BrokenPipeError traceback."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "NODELOOM_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "blocks", "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    proc.stdout.read(10)
    proc.stdout.close()  # as head does after its line
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_a_failed_item_of_a_loop_is_named_with_its_index_on_stderr(tmp_path):
    doc = {"format": "nodeloom.workflow", "schema_version": 1, "nodes": [
        {"id": "xs", "type": "constant", "config": {"value": [1, 0, 2]}},
        {"id": "each", "type": "foreach", "settings": {"on_error": "continue"}},
        {"id": "div", "type": "transform", "config": {"expression": "1 / data"}},
        {"id": "col", "type": "collect"}],
        "edges": [{"id": "e1", "source": "xs", "source_port": "value", "target": "each", "target_port": "items"},
                  {"id": "e2", "source": "each", "source_port": "item", "target": "div", "target_port": "data"},
                  {"id": "e3", "source": "div", "source_port": "result", "target": "col", "target_port": "value"}]}
    path = tmp_path / "loop.json"
    path.write_text(json.dumps(doc))
    proc = nodeloom("run", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "✗ div[1]: division by zero in '1 / data'" in proc.stderr
