"""engine/ never imports Qt: checked in a fresh interpreter, for every engine module."""

import pkgutil
import subprocess
import sys

import engine


def test_engine_and_every_submodule_load_no_qt():
    names = sorted(m.name for m in pkgutil.walk_packages(engine.__path__, "engine."))
    assert len(names) > 40
    code = ("import importlib, sys\n"
            f"for name in {names!r}: importlib.import_module(name)\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'qasync', 'app'))\n"
            "print(bad)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
