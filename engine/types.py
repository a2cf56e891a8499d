"""Port types (SPEC §3) and the rule for which output may feed which input."""

from __future__ import annotations

import re

__all__ = ["PORT_TYPES", "is_valid_type", "can_feed", "check_value"]

PORT_TYPES = ("any", "boolean", "number", "integer", "string", "object", "list", "bytes", "image")
_LIST = re.compile(r"^list\[(.+)\]$")


def _split(t: str) -> tuple[str, str | None]:
    m = _LIST.match(t)
    return ("list", m.group(1)) if m else (t, None)


def is_valid_type(t: str) -> bool:
    base, inner = _split(t)
    if inner is not None:
        return is_valid_type(inner)
    return base in PORT_TYPES


def can_feed(source: str, target: str) -> bool:
    """True when an output of type ``source`` may connect to an input of type ``target``.

    ``any`` feeds and accepts everything, ``integer`` feeds ``number``, ``list[T]`` feeds ``list`` and
    ``list`` feeds ``list[T]`` (an untyped list is a list of ``any``), ``list[A]`` feeds ``list[B]`` when A feeds B.
    """
    if source == target or source == "any" or target == "any":
        return True
    s, s_in = _split(source)
    t, t_in = _split(target)
    if s == "integer" and t == "number":
        return True
    if s == "list" and t == "list":
        return can_feed(s_in or "any", t_in or "any")
    return False


def check_value(t: str, value) -> bool:
    """Whether a run-time ``value`` fits port type ``t`` (used for workflow inputs)."""
    base, _ = _split(t)
    if base == "any":
        return True
    if base == "boolean":
        return isinstance(value, bool)
    if base == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if base == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if base == "string":
        return isinstance(value, str)
    if base == "object":
        return isinstance(value, dict)
    if base == "list":
        return isinstance(value, list)
    if base == "bytes":
        return isinstance(value, (bytes, bytearray))
    if base == "image":
        from PIL import Image

        return isinstance(value, Image.Image)
    return False
