"""The twelve comparison operators shared by ``condition`` and ``filter_list``.

``matches`` runs on RE2 (``google-re2``): matching takes time linear in the text whatever the pattern, so a
pattern from config or from run time (``compare_to``) cannot backtrack for ever (``^(a+)+$``). RE2 refuses what
needs backtracking (backreferences, lookaround): that is a clear error naming the pattern.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from ..errors import BlockError
from ..expr.templates import MISSING, resolve_path

__all__ = ["Operator", "OPERATORS", "compare", "field_value"]

Operator = Literal["eq", "neq", "gt", "gte", "lt", "lte", "in", "nin", "contains", "matches", "exists", "empty"]
OPERATORS = ("eq", "neq", "gt", "gte", "lt", "lte", "in", "nin", "contains", "matches", "exists", "empty")


MAX_PATTERN = 10_000  # characters
_RE2_MEMORY = 8 << 20  # bytes an RE2 program may use; a pattern that needs more is refused


@lru_cache(maxsize=256)
def _regex(pattern: str):
    import re2

    if len(pattern) > MAX_PATTERN:
        raise BlockError(f"regular expression too long ({len(pattern)} characters, at most {MAX_PATTERN})")
    options = re2.Options()
    options.log_errors = False  # (RE2 would print each refused pattern on stderr)
    options.max_mem = _RE2_MEMORY
    try:
        return re2.compile(pattern, options)
    except re2.error as e:
        why = e.args[0].decode("utf-8", "replace") if e.args and isinstance(e.args[0], bytes) else str(e)
        raise BlockError(f"invalid regular expression {pattern!r}: {why} (patterns are RE2's syntax: no "
                         "backreferences or lookaround)") from None


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
