"""The safe expression language and ``{{path}}`` templates of SPEC §5."""

from .evaluator import FUNCTIONS, compile_expression, evaluate
from .templates import parse_path, render_template, resolve_path

__all__ = ["FUNCTIONS", "compile_expression", "evaluate", "parse_path", "resolve_path", "render_template"]
