"""SPEC §1's import rules: engine/ never imports Qt; the store never loads the executor or the run service; every
"never" rule as an import-linter contract (pyproject.toml)."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import engine

ROOT = Path(__file__).resolve().parents[1]


def _loaded_after(code_imports: str, prefixes: tuple[str, ...]) -> list[str]:
    code = (f"import importlib, sys\n{code_imports}\n"
            f"print(sorted(m for m in sys.modules if m.startswith({prefixes!r})))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return eval(proc.stdout)  # a list of module names printed by the line above


def test_engine_and_every_submodule_load_no_qt():
    names = sorted(m.name for m in pkgutil.walk_packages(engine.__path__, "engine."))
    assert len(names) > 40
    loaded = _loaded_after(f"for name in {names!r}: importlib.import_module(name)",
                           ("PySide6", "shiboken6", "qasync", "app"))
    assert loaded == []


def test_the_store_loads_neither_the_executor_nor_the_run_service():
    loaded = _loaded_after("import engine.store\nfrom engine.store import Store", ("engine.executor", "engine.runs"))
    assert loaded == []


def test_the_import_contracts_hold():
    proc = subprocess.run([str(Path(sys.executable).with_name("lint-imports"))], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "Contracts: 11 kept, 0 broken." in proc.stdout
