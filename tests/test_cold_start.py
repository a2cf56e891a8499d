"""Cold start (issue 28): ``nodeloom --help`` and a bad argument load neither the engine nor its heavy libraries,
and ``nodeloom run`` loads what a run needs and not the server, Qt or Alembic — read from ``python -X importtime``
of the real command in a fresh interpreter."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine import save_workflow
from tests.builder import Flow

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sqlalchemy", "networkx", "PIL", "PySide6", "httpx", "fastapi", "pydantic", "engine")


def imported(*args: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess, set[str]]:
    """The command's result and every module its interpreter imported (the top-level package names)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "app.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, env=env)
    names = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", proc.stderr, re.M)
    assert len(names) > 20, proc.stderr[-2000:]  # (the option worked: the interpreter's own imports are there)
    return proc, {n.split(".")[0] for n in names}


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["queue", "--bogus"], ["frobnicate"]])
def test_help_and_argument_errors_load_no_heavy_package(args):
    proc, packages = imported(*args)
    assert proc.returncode == (0 if "--help" in args else 2), proc.stderr[-2000:]
    assert "usage: nodeloom" in proc.stdout + proc.stderr
    assert sorted(packages & set(HEAVY)) == []


def test_a_run_loads_neither_the_server_nor_qt_nor_alembic(tmp_path):
    path = tmp_path / "t.nodeloom"
    save_workflow(Flow("T").node("i", "input", name="x").node("t", "transform", expression="data + 1")
                  .node("o", "output", name="y").edge("i.value", "t.data").edge("t.result", "o.value").build(), path)
    args = ("--home", str(tmp_path / "home"), "run", str(path), "-i", "x=41", "--json")
    first, _ = imported(*args)  # the first run creates the database (Alembic migrates it)
    assert first.returncode == 0, first.stderr[-2000:]
    proc, packages = imported(*args)
    assert proc.returncode == 0 and '"y": 42' in proc.stdout, proc.stderr[-2000:]
    assert {"engine", "sqlalchemy"} <= packages  # (it did run, and record)
    assert sorted(packages & {"fastapi", "uvicorn", "starlette", "PySide6", "shiboken6", "alembic", "httpx",
                              "dask", "distributed", "networkx", "croniter", "standardwebhooks"}) == []


WINDOW_CHILD = """
import os, sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj.isWidgetType() and obj.isWindow():
            loaded = sorted(m for m in ("engine", "sqlalchemy", "networkx", "pydantic", "app.window.shell")
                            if m in sys.modules)
            print(obj.objectName(), loaded, flush=True)
            os._exit(0)
        return False

app = QApplication(sys.argv[:1])  # (the window takes it: the filter sees its first paint)
spy = FirstPaint()
app.installEventFilter(spy)
from app.cli import main
main(["--home", sys.argv[1]])
os._exit(1)
"""


def test_the_window_paints_a_frame_before_the_editor_and_the_engine_load(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-c", WINDOW_CHILD, str(tmp_path)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.splitlines()[0] == "splash []"


def test_a_run_of_a_file_leaves_the_templates_alone_but_a_template_s_name_still_runs(tmp_path):
    from engine.folders import resources_dir
    from engine.store import Store

    home = tmp_path / "home"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    template = resources_dir() / "templates" / "square_number.json"
    ran = subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), "run", str(template), "-i", "n=3"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert ran.returncode == 0 and "9" in ran.stdout, ran.stderr[-2000:]
    store = Store(home, install_templates=False)
    try:  # (no write for the templates on the way: a run of a file reads none of them)
        assert store.workflows.list(templates=True).total == 0
    finally:
        store.close()
    named = subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), "run", "Square a number",
                            "-i", "n=4"], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert named.returncode == 0 and "16" in named.stdout, named.stderr[-2000:]
