"""Nodeloom's engine: everything that is not GUI. Never imports Qt (a test proves it).

The public surface most callers need::

    from engine import load_workflow, validate
    from engine.runs import RunService           # how fronts start, queue and record runs
    from engine.store import Store               # workflows, versions, runs (persistence only)

``Executor`` (the dataflow scheduler, no store, no records) is here for tests and benchmarks. Names are
imported on first use, so ``import engine.store`` does not load the executor (SPEC §1; a test proves it).
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import (BlockError, DocumentError, ExpressionError, InputError, Issue, NodeloomError, NotFound,
                     PluginError, WorkflowInvalid)
from .model import Edge, Node, Workflow, load_workflow, parse_document, save_workflow, semantic_hash

__version__ = "0.1.0"

_LAZY = {"Executor": ".executor", "Execution": ".executor", "RunResult": ".executor", "Subscription": ".executor",
         "check": ".graph", "validate": ".graph"}

__all__ = [
    "BlockError", "DocumentError", "ExpressionError", "InputError", "Issue", "NodeloomError", "NotFound",
    "PluginError", "WorkflowInvalid", "Edge", "Node", "Workflow", "load_workflow", "parse_document",
    "save_workflow", "semantic_hash", "__version__", *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
