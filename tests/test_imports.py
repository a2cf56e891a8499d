"""SPEC §1's import rules: engine/ never imports Qt; the store never loads the executor or the run service; every
"never" rule as an import-linter contract (pyproject.toml), each shown to break on an import it forbids."""

import copy
import pkgutil
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.independence import IndependenceContract

import engine

ROOT = Path(__file__).resolve().parents[1]
CONFIG = read_configuration(str(ROOT / "pyproject.toml"))
CONTRACT_TYPES = {"forbidden": ForbiddenContract, "independence": IndependenceContract,
                  "acyclic_siblings": AcyclicSiblingsContract}

# every contract, with imports it must refuse (importer, imported): a contract no bad import breaks proves nothing
BAD_IMPORTS = {
    "engine never imports Qt or the app": [("engine.model", "PySide6"), ("engine.server.app", "app.main_window")],
    "the store is persistence only: it never imports the executor or the run service": [
        ("engine.store.runs", "engine.executor"), ("engine.store.db", "engine.runs.service")],
    "the executor never imports the store or the run service": [
        ("engine.executor.state", "engine.store"), ("engine.executor.runner", "engine.runs")],
    "the executor never imports the server": [("engine.executor.runner", "engine.server"),
                                              ("engine.executor.state", "engine.server.errors")],
    "the executor never imports Dask or its backend (it sees engine.executor.remote's interface)": [
        ("engine.executor.remote", "distributed"), ("engine.executor.remote", "engine.distributed")],
    "the model library is a leaf: engine.models never imports the blocks, the executor, the store, the runs or "
    "the server": [("engine.models.library", "engine.blocks.base"), ("engine.models.infer", "engine.runs")],
    "only engine.distributed imports Dask": [("engine.runs.service", "dask"), ("engine.server.app", "distributed")],
    "blocks see the BlockContext protocol, never the executor, the store or the run service": [
        ("engine.blocks.core.transform", "engine.executor.runner"), ("engine.blocks.base", "engine.store")],
    "fronts start runs through engine.runs: the app never reaches into the executor or the cache": [
        ("app.window.runs", "engine.executor"), ("app.cli.commands", "engine.cache")],
    "the server sees engine.runs, engine.store, engine.graph and the shared leaf modules only (never the executor)": [
        ("engine.server.routes_runs", "engine.executor"), ("engine.server.routes_runs", "engine.runs.service"),
        ("engine.server.routes_misc", "engine.store.runs"), ("engine.server.routes_misc", "engine.graph.plan"),
        ("engine.server.errors", "engine.cache"), ("engine.server.app", "engine.blocks.registry")],
    "the server never imports the engine package itself (a name it re-exports hides the module it comes from)": [
        ("engine.server.routes_runs", "engine")],  # `from engine import Executor`
    "the executor's and the graph's modules import one another without a circle": [
        ("engine.executor.state", "engine.executor.runner"), ("engine.graph.analysis", "engine.graph.checks")],
    "the run service holds no SQL: engine.runs never imports SQLAlchemy (its statements are engine.store's)": [
        ("engine.runs.recorder", "sqlalchemy"), ("engine.runs.service", "sqlalchemy")],
    "the CLI never imports Qt or the editor (nodeloom with no command opens the window through app.main_window)": [
        ("app.cli.common", "PySide6"), ("app.cli.store", "app.window")],
    "the canvas, the panels, the dialogs and the document never import the window": [
        ("app.canvas.scene", "app.window.shell"), ("app.panels.inspector", "app.main_window")],
    "the document is the model: it never imports how it is drawn or edited (canvas, panels, dialogs)": [
        ("app.document.model", "app.canvas")],
    "the canvas and the panels share their look through app.look, never import each other": [
        ("app.canvas.scene", "app.panels.inspector")],
}


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


def test_the_engine_package_hands_out_only_what_it_imports():
    """No names given on first use (a module ``__getattr__`` hides the import from import-linter): what ``engine``
    exports it has imported, and the executor and the validator are imported from their own packages."""
    assert "__getattr__" not in vars(engine)
    assert [name for name in engine.__all__ if name not in vars(engine)] == []
    for name in ("Executor", "Execution", "RunResult", "Subscription", "check", "validate"):
        assert not hasattr(engine, name), name
    assert _loaded_after("import engine", ("engine.executor", "engine.graph", "engine.runs", "engine.store")) == []


def test_the_run_service_holds_no_sql():
    """engine.runs records, queues and claims runs through engine.store's functions: no SQL statement in its text
    (its SQLAlchemy-free imports are a contract; a statement sent on a raw cursor needs no import)."""
    statements = []
    for path in sorted((ROOT / "engine" / "runs").glob("*.py")):
        with path.open("rb") as f:
            for tok in tokenize.tokenize(f.readline):
                if tok.type == tokenize.STRING and re.search(r"\b(INSERT|UPDATE|DELETE|SELECT)\b", tok.string):
                    statements.append(f"{path.name}:{tok.start[0]}")
    assert statements == []


def test_the_import_contracts_hold():
    proc = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert f"Contracts: {len(BAD_IMPORTS)} kept, 0 broken." in proc.stdout


@pytest.fixture(scope="module")
def import_graph():
    session = CONFIG["session_options"]
    return grimp.build_graph(*session["root_packages"], include_external_packages=session["include_external_packages"],
                             cache_dir=None)


def test_every_contract_has_imports_that_break_it():
    assert sorted(c["name"] for c in CONFIG["contracts_options"]) == sorted(BAD_IMPORTS)


@pytest.mark.parametrize("name", sorted(BAD_IMPORTS), ids=lambda name: name[:40])
def test_the_contract_breaks_on_each_import_it_forbids(name, import_graph):
    options = next((c for c in CONFIG["contracts_options"] if c["name"] == name), None)
    assert options is not None, f"pyproject.toml has no contract {name!r}"
    contract = CONTRACT_TYPES[options["type"]](name=name, session_options=CONFIG["session_options"],
                                               contract_options=options)
    assert contract.check(copy.deepcopy(import_graph), verbose=False).kept
    for importer, imported in BAD_IMPORTS[name]:
        assert importer in import_graph.modules, importer
        graph = copy.deepcopy(import_graph)  # (a contract may change the graph it checks)
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
        assert not contract.check(graph, verbose=False).kept, f"{importer} -> {imported} does not break it"
