"""The twelve comparison operators shared by ``condition`` and ``filter_list``."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal

from ..errors import BlockError
from ..expr.templates import MISSING, resolve_path

__all__ = ["Operator", "OPERATORS", "compare", "field_value"]

Operator = Literal["eq", "neq", "gt", "gte", "lt", "lte", "in", "nin", "contains", "matches", "exists", "empty"]
OPERATORS = ("eq", "neq", "gt", "gte", "lt", "lte", "in", "nin", "contains", "matches", "exists", "empty")


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as e:
        raise BlockError(f"invalid regular expression {pattern!r}: {e}") from None


def field_value(value: Any, field: str) -> Any:
    """The value at dot path ``field`` (the whole value for an empty path); MISSING when it does not resolve."""
    return resolve_path(value, field, MISSING) if field else value


def _order(op: str, left: Any, right: Any) -> bool:
    numbers = (int, float)
    ok = (isinstance(left, numbers) and isinstance(right, numbers) and not isinstance(left, bool)
          and not isinstance(right, bool)) or (isinstance(left, str) and isinstance(right, str))
    if not ok:
        raise BlockError(f"cannot compare {type(left).__name__} with {type(right).__name__} using {op!r}")
    return {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}[op]


def _contains(container: Any, item: Any, op: str) -> bool:
    if isinstance(container, str):
        if not isinstance(item, str):
            item = str(item)
        return item in container
    if isinstance(container, (list, tuple, dict)):
        return item in container
    raise BlockError(f"operator {op!r} needs a list, object or string, not {type(container).__name__}")


def compare(left: Any, operator: str, right: Any) -> bool:
    """Apply ``operator``; ``left`` may be MISSING (a field that does not exist)."""
    if operator == "exists":
        return left is not MISSING and left is not None
    if operator == "empty":
        return left is MISSING or left is None or (isinstance(left, (str, list, dict, tuple)) and len(left) == 0)
    if left is MISSING:
        if operator in ("gt", "gte", "lt", "lte", "contains", "matches"):
            return False  # a field that is not there never passes an ordering or text test
        left = None
    if operator == "eq":
        return left == right
    if operator == "neq":
        return left != right
    if operator in ("gt", "gte", "lt", "lte"):
        return _order(operator, left, right)
    if operator == "in":
        return _contains(right, left, operator)
    if operator == "nin":
        return not _contains(right, left, operator)
    if operator == "contains":
        return _contains(left, right, operator)
    if operator == "matches":
        if not isinstance(right, str):
            raise BlockError("operator 'matches' needs a regular expression as its value")
        return _regex(right).search("" if left is None else str(left)) is not None
    raise BlockError(f"unknown operator {operator!r}")
