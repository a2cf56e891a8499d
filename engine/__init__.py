"""Nodeloom's engine: everything that is not GUI. Never imports Qt (a test proves it).

The public surface most callers need::

    from engine import load_workflow, WorkflowInvalid  # the document model and the errors (this package)
    from engine.graph import validate                   # every problem of a workflow at once
    from engine.runs import RunService                  # how fronts start, queue and record runs
    from engine.store import Store                      # workflows, versions, runs (persistence only)

This package hands out only what it imports: the document model and the errors, which every part of the engine
uses anyway. It re-exports neither the executor nor the validator, lazily or not. A name given on first use (a
module ``__getattr__``) hides its import from import-linter — ``from engine import Executor`` would reach the
executor while every contract (SPEC §1) still looked kept — and importing them plainly here would make ``import
engine.store`` load the executor (a test proves it does not). So the executor (for tests and benchmarks; fronts
run workflows through :mod:`engine.runs`) is imported from :mod:`engine.executor`, validation from
:mod:`engine.graph`.
"""

from __future__ import annotations

from .errors import (BlockError, DocumentError, ExpressionError, InputError, Issue, NodeloomError, NotFound,
                     PluginError, WorkflowInvalid)
from .model import Edge, Node, Workflow, load_workflow, parse_document, save_workflow, semantic_hash

__version__ = "0.1.0"

__all__ = [
    "BlockError", "DocumentError", "ExpressionError", "InputError", "Issue", "NodeloomError", "NotFound",
    "PluginError", "WorkflowInvalid", "Edge", "Node", "Workflow", "load_workflow", "parse_document",
    "save_workflow", "semantic_hash", "__version__",
]
