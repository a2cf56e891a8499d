"""Every error the engine raises on purpose is defined in engine.errors and drawn in its docstring's tree (one
exceptions module, STYLE "Public surface"); the public modules that listed one still hand it out."""

import importlib
import inspect
import pkgutil
import re

import pytest

import engine
from engine import errors

# defined elsewhere on purpose: an HTTP answer of the server (a status and a problem document), not an engine error
NOT_ENGINE_ERRORS = {"engine.server.errors.HTTPProblem"}


def _exception_classes(module) -> list[type]:
    return [v for v in vars(module).values()
            if inspect.isclass(v) and issubclass(v, BaseException) and v.__module__ == module.__name__]


def test_every_exception_class_under_engine_is_defined_in_engine_errors():
    elsewhere = []
    for info in pkgutil.walk_packages(engine.__path__, "engine."):
        module = importlib.import_module(info.name)
        if module is errors:
            continue
        for cls in _exception_classes(module):
            name = f"{module.__name__}.{cls.__qualname__}"
            if not cls.__name__.startswith("_") and name not in NOT_ENGINE_ERRORS:
                elsewhere.append(name)
    assert elsewhere == []


def _tree() -> dict[str, str | None]:
    """Each error the docstring draws, with its parent in the drawing (None at the root of a tree)."""
    drawn: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for line in errors.__doc__.splitlines():
        if not line.startswith("    "):  # (text between the drawings)
            stack = []
            continue
        m = re.match(r"^( *(?:[│ ]   )*(?:[├└]── )?)([A-Z]\w+)\s", line + " ")
        if m is None:
            continue
        column = len(m.group(1))
        while stack and stack[-1][0] >= column:
            stack.pop()
        drawn[m.group(2)] = stack[-1][1] if stack else None
        stack.append((column, m.group(2)))
    return drawn


def test_the_docstring_draws_every_error_of_the_module_under_its_base():
    classes = {c.__name__: c for c in _exception_classes(errors)}
    drawn = _tree()
    assert sorted(drawn) == sorted(classes)
    assert sorted(set(errors.__all__) & set(classes)) == sorted(classes)
    for name, parent in drawn.items():
        if parent is not None:
            assert classes[parent] in classes[name].__bases__, f"{name} is drawn under {parent}"


def test_the_errors_that_moved_keep_their_bases_and_their_public_names():
    import engine.runs
    from engine.distributed import parse_executor
    from engine.runs import Schedule

    for name in ("ClusterError", "ScheduleError", "TriggerError"):
        assert getattr(engine.runs, name) is getattr(errors, name) and name in engine.runs.__all__
    for cls in (errors.ClusterError, errors.ScheduleError, errors.TriggerError, errors.OverBudget, errors.Refused):
        assert issubclass(cls, errors.NodeloomError), cls
    assert issubclass(errors.ScheduleError, ValueError) and issubclass(errors.TriggerError, ValueError)
    assert issubclass(errors.OverBudget, errors.ExpressionError)
    with pytest.raises(errors.ClusterError, match="local:N wants N worker processes"):
        parse_executor("local:0")
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Base'"):
        Schedule("@hourly", "Mars/Base")
