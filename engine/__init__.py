"""Nodeloom's engine: everything that is not GUI. Never imports Qt (a test proves it).

The public surface most callers need::

    from engine import load_workflow, validate, Executor
    wf = load_workflow("flow.json")
    result = await Executor().run(wf, {"name": "value"})
"""

from .errors import (BlockError, DocumentError, ExpressionError, InputError, Issue, NodeloomError, PluginError,
                     WorkflowInvalid)
from .executor import Executor, RunHandle, RunResult, Subscription
from .model import Edge, Node, Workflow, load_workflow, parse_document, save_workflow, semantic_hash
from .validate import check, validate

__version__ = "0.1.0"

__all__ = [
    "BlockError", "DocumentError", "ExpressionError", "InputError", "Issue", "NodeloomError", "PluginError",
    "WorkflowInvalid", "Executor", "RunHandle", "RunResult", "Subscription", "Edge", "Node", "Workflow",
    "load_workflow", "parse_document", "save_workflow", "semantic_hash", "check", "validate", "__version__",
]
