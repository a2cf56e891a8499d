"""The shapes of data Nodeloom accepts where data enters it: documents (every field, config values included)
and run inputs. One rule for all of them, checked without recursion, every problem named by where it is:

- nesting at most :data:`MAX_DEPTH` levels (deeper data made Python's own parsers and walkers raise
  RecursionError somewhere later — a crash in ``import`` or ``run`` instead of a message);
- integers of at most :data:`MAX_INT_DIGITS` digits (Python cannot print longer ones as text);
- text that is valid Unicode: a lone surrogate (``"\\ud800"``, possible in JSON escapes) is refused, since it
  cannot be written as UTF-8. Text a block makes at run time with one is written as a ``\\uXXXX`` escape in
  every JSON that leaves Nodeloom (records, the CLI, exports), so what leaves is always valid UTF-8.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_INT_DIGITS", "shape_problems", "has_lone_surrogate"]

MAX_DEPTH = 100
MAX_INT_DIGITS = 4_300
_MAX_INT_BITS = int(MAX_INT_DIGITS * 3.3219280948873626)  # digits → bits, so no int is ever printed to check it


def has_lone_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _where(path: list) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "the top"


def shape_problems(value: Any, what: str, limit: int = 20) -> list[str]:
    """What is wrong with ``value`` (JSON-like data) by the rules above, each naming ``what`` and the path
    inside it; at most ``limit`` problems. One pass without recursion; paths are made only for problems."""
    problems: list[str] = []

    def scalar(item: Any, path: list) -> None:
        kind = type(item)
        if kind is str:
            if not item.isascii() and has_lone_surrogate(item):
                problems.append(f"{what}: the text at {_where(path)} has a lone surrogate, which is not valid "
                                "Unicode")
        elif kind is int and item.bit_length() > _MAX_INT_BITS:
            problems.append(f"{what}: the integer at {_where(path)} has more than {MAX_INT_DIGITS:,} digits")

    if not isinstance(value, (list, tuple, dict)):
        scalar(value, [])
        return problems
    stack: list[tuple[Any, int, list]] = [(value, 0, [])]
    containers = (list, tuple, dict)
    while stack and len(problems) < limit:
        v, depth, path = stack.pop()
        if depth >= MAX_DEPTH:
            problems.append(f"{what}: nested deeper than {MAX_DEPTH} levels (at {_where(path)})")
            continue
        if type(v) is dict:
            for k, item in v.items():
                if type(k) is str and not k.isascii() and has_lone_surrogate(k):
                    problems.append(f"{what}: a key at {_where(path)} has a lone surrogate, which is not valid "
                                    "Unicode")
                if type(item) in containers:
                    stack.append((item, depth + 1, path + [k if isinstance(k, str) else str(k)]))
                elif type(item) is str or type(item) is int:
                    scalar(item, path + [k])
        else:
            for i, item in enumerate(v):
                kind = type(item)
                if kind in containers:
                    stack.append((item, depth + 1, path + [i]))
                elif kind is str:
                    if not item.isascii() and has_lone_surrogate(item):
                        scalar(item, path + [i])
                elif kind is int and item.bit_length() > _MAX_INT_BITS:
                    scalar(item, path + [i])
    return problems[:limit]


def json_limits_error(exc: ValueError) -> str | None:
    """A readable message for the ValueError Python's JSON parser raises on an integer too long to read."""
    text = str(exc)
    if "integer string conversion" in text or "Exceeds the limit" in text:
        return f"a number has more than {sys.get_int_max_str_digits() or MAX_INT_DIGITS:,} digits"
    return None
