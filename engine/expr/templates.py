"""Paths like ``a.b[0].c`` and templates with ``{{path}}`` placeholders.

Paths walk dicts and lists only: no attribute access on Python objects and no calls, so a template can
never reach an object's internals. Templates are rendered in one pass: values substituted into the text are
never read as templates again (data arriving at run time is never evaluated).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from ..errors import ExpressionError

__all__ = ["MISSING", "parse_path", "resolve_path", "lookup", "render_template", "as_text"]

MISSING = object()
_TOKEN = re.compile(r"""\s*(?:\.?\s*([A-Za-z_$][\w$-]*)|\[\s*(-?\d+)\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*'([^']*)'\s*\])""")
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
MAX_TEMPLATE_OUTPUT = 1_000_000


@lru_cache(maxsize=4096)
def parse_path(path: str) -> tuple[str | int, ...]:
    """``'a.b[0]["x y"]'`` → ``('a', 'b', 0, 'x y')``; the empty path is ``()`` (the whole value)."""
    path = path.strip()
    parts: list[str | int] = []
    pos = 0
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"invalid path {path!r} at position {pos}")
        name, index, dq, sq = m.groups()
        if name is not None:
            if pos > 0 and path[pos:m.end()].lstrip()[:1] != ".":
                raise ExpressionError(f"invalid path {path!r}: expected '.' before {name!r}")
            parts.append(name)
        elif index is not None:
            parts.append(int(index))
        else:
            parts.append(dq.encode().decode("unicode_escape") if dq is not None else sq)
        pos = m.end()
    for p in parts:
        if isinstance(p, str) and p.startswith("__"):
            raise ExpressionError(f"invalid path {path!r}: names starting with '__' are not allowed")
    return tuple(parts)


def resolve_path(value: Any, path: str | tuple, default: Any = None) -> Any:
    """Walk ``path`` through dicts and lists; anything that does not resolve gives ``default``."""
    parts = parse_path(path) if isinstance(path, str) else path
    for part in parts:
        if isinstance(value, dict):
            if part in value:
                value = value[part]
            elif isinstance(part, int) and str(part) in value:
                value = value[str(part)]
            else:
                return default
        elif isinstance(value, (list, tuple)) and isinstance(part, int):
            if -len(value) <= part < len(value):
                value = value[part]
            else:
                return default
        else:
            return default
    return value


def lookup(scope: dict, path: str, default: Any = None) -> Any:
    """Resolve ``path`` in a template scope: ``data`` and ``loop`` are roots; other names look into data."""
    parts = parse_path(path)
    if not parts:
        return scope.get("data", default)
    head = parts[0]
    if head in ("data", "loop") and head in scope:
        return resolve_path(scope[head], parts[1:], default)
    return resolve_path(scope.get("data"), parts, default)


def as_text(value: Any) -> str:
    """How a value reads inside text: itself, true/false, numbers, JSON for lists and objects, a summary else."""
    if value is None or value is MISSING:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dict, list)):
        from ..values import to_json

        return json.dumps(to_json(value), ensure_ascii=False)
    from ..values import summarize

    return summarize(value)


def render_template(template: str, scope: dict) -> Any:
    """Render ``{{path}}`` placeholders. A template that is exactly one placeholder keeps the value's type;
    missing paths render as an empty string (or ``None`` for a lone placeholder)."""
    whole = _PLACEHOLDER.fullmatch(template.strip()) if template.strip().startswith("{{") else None
    if whole and "{{" not in whole.group(1):
        return lookup(scope, whole.group(1))
    out: list[str] = []
    size = 0
    pos = 0
    for m in _PLACEHOLDER.finditer(template):
        piece = template[pos:m.start()] + as_text(lookup(scope, m.group(1), MISSING))
        size += len(piece)
        if size > MAX_TEMPLATE_OUTPUT:
            raise ExpressionError(f"template output exceeds {MAX_TEMPLATE_OUTPUT} characters")
        out.append(piece)
        pos = m.end()
    out.append(template[pos:])
    return "".join(out)
