"""The bundle `make package` builds (issue 16; marked `packaging`: `make package` runs these, `make test` does
not): its one binary runs a template and a python block headless, serves HTTP, and opens and closes the window
offscreen — on a data folder of its own, finding its templates, migrations and worker inside the bundle."""

import json
import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = Path(os.environ.get("NODELOOM_BUNDLE", ROOT / "dist" / "nodeloom"))
BINARY = BUNDLE / "nodeloom"


@pytest.fixture(scope="module")
def binary():
    if not BINARY.is_file():
        pytest.fail(f"no bundle at {BUNDLE}: build it with `make package`")
    size = sum(p.stat().st_size for p in BUNDLE.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"\nthe bundle weighs {size / 2**20:.0f} MB ({BUNDLE})")
    return BINARY


def nodeloom(binary, home, *args, timeout=120):
    env = {**os.environ, "NODELOOM_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=timeout, env=env,
                          cwd="/")


def test_the_bundle_runs_a_template_and_a_python_block_headless(binary, tmp_path):
    done = nodeloom(binary, tmp_path, "run", "Square a number", "-i", "n=7", "--json", "-q")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outputs"] == {"square": 49}
    done = nodeloom(binary, tmp_path, "run", "A Python step", "--json", "-q")  # its worker: the bundle itself
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outputs"] == {"stats": {"mean": 3.875, "median": 3.5, "stdev": 2.748}}
    thumbs = tmp_path / "thumbs"
    done = nodeloom(binary, tmp_path, "run", "Thumbnail a folder", "-i", f"out={thumbs}", "--json", "-q")
    assert done.returncode == 0 and json.loads(done.stdout)["outputs"]["count"] >= 1, done.stderr
    listed = nodeloom(binary, tmp_path, "triggers", "add", "Square a number", "--cron", "@daily")
    assert listed.returncode == 0, listed.stderr


def test_the_bundle_serves_http_and_stops_on_sigterm(binary, tmp_path):
    env = {**os.environ, "NODELOOM_HOME": str(tmp_path)}
    proc = subprocess.Popen([str(binary), "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert "Nodeloom serves http://127.0.0.1:" in line, proc.stderr.read() if proc.poll() is not None else line
        url = line.split()[2]
        token = (tmp_path / "server-token").read_text().strip()
        r = httpx.get(f"{url}/workflows", params={"templates": True},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 200 and r.json()["total"] >= 10
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_the_bundle_opens_the_window_and_closes_it_cleanly(binary, tmp_path):
    from .window_process import open_and_close

    open_and_close([str(binary)], tmp_path, {"NODELOOM_HOME": str(tmp_path)})
