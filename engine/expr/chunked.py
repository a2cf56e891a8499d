"""Operations over long lists in pieces, so that no single C call keeps Python's GIL for long.

A transform over a large value runs on a worker thread, but a thread in one long C call — ``sorted`` of
400,000 strings is ~0.2 s — holds the GIL for all of it, and the event loop (the window) waits that long.
Done in pieces of :data:`PIECE` elements, each C call is a few milliseconds and the loop gets the GIL between
them (the GUI sets a 1 ms switch interval). Results are exactly those of the plain operations: the same
order for ties, the same first maximum, the same text.
"""

from __future__ import annotations

import heapq
import json
from typing import Any

__all__ = ["PIECE", "long", "sorted_", "extreme", "equal", "contains", "dumps"]

PIECE = 20_000


def long(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and len(value) > PIECE


def _pieces(seq):
    for i in range(0, len(seq), PIECE):
        yield seq[i:i + PIECE]


def sorted_(items: Any, reverse: bool = False) -> list:
    if not long(items):
        return sorted(items, reverse=reverse)
    runs = [sorted(piece, reverse=reverse) for piece in _pieces(items)]
    return list(heapq.merge(*runs, reverse=reverse))  # stable: ties come from the earlier run first


def extreme(fn, items: Any, **kwargs) -> Any:
    """``max`` or ``min`` of one long list: the first of the extremes, as the plain call returns."""
    if not long(items):
        return fn(items, **kwargs)
    best = fn(items[:PIECE])
    for piece in _pieces(items[PIECE:]):
        best = fn(best, fn(piece))  # (fn(a, b) keeps a on a tie)
    return best


def equal(a: Any, b: Any) -> bool:
    if not (long(a) or long(b)) or type(a) is not type(b):
        return a == b
    if len(a) != len(b):
        return False
    return all(a[i:i + PIECE] == b[i:i + PIECE] for i in range(0, len(a), PIECE))


def contains(needle: Any, haystack: Any) -> bool:
    if not long(haystack):
        return needle in haystack
    return any(needle in piece for piece in _pieces(haystack))


def dumps(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False)`` of JSON data, a long list or object an element at a time."""
    if isinstance(value, (list, tuple)) and len(value) > PIECE:
        return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
    if isinstance(value, dict) and len(value) > PIECE:
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                               for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)
