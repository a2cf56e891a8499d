"""The work an expression may do: a budget of steps per evaluation.

Size limits alone do not bound work: ``[[0]*10**4]*10**4`` is two small lists, but comparing, printing or
sorting it walks 10**8 elements. Every operation that walks a value is charged, *before* it runs, for the
elements it will touch — counting a shared sub-value each time it is reached, as the walk would — so an
expression ends with a result or with an :class:`~engine.errors.OverBudget` (an ``ExpressionError``) naming the
limit, never with a walk that does not end. Normal expressions spend a few steps per syntax node.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import ExpressionError, OverBudget

__all__ = ["Budget", "MAX_STEPS", "TEXT_CHUNK"]

MAX_STEPS = 10_000_000   # element steps per evaluation: far beyond normal work, ~1 s of the slowest kind
TEXT_CHUNK = 64          # characters of text that count as one step (strings are compared and copied in C)


class Budget:
    __slots__ = ("left", "limit", "_weights")

    def __init__(self, limit: int = MAX_STEPS):
        self.left = self.limit = limit
        self._weights: dict[int, tuple[Any, int]] = {}  # id → (the value, kept alive; its weight)

    def charge(self, steps: int) -> None:
        self.left -= steps
        if self.left < 0:
            raise OverBudget(f"the expression does too much work: over {self.limit:,} steps, the limit for one "
                             "evaluation (a large value compared, printed, sorted or repeated?)")

    def weight(self, value: Any) -> int:
        """How many elements a full walk of ``value`` touches (shared sub-values counted each time). Stops with
        :class:`OverBudget` as soon as the count passes what is left, so it never costs more than that."""
        if isinstance(value, str):
            return 1 + len(value) // TEXT_CHUNK
        if not isinstance(value, (list, tuple, dict)):
            return 1
        known = self._weights.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        left = self.left
        total = 1
        items = value.items() if isinstance(value, dict) else value
        for item in items:
            if isinstance(value, dict):
                k, v = item
                total += self.weight(k) + self.weight(v)
            elif isinstance(item, (list, tuple, dict, str)):
                total += self.weight(item)
            else:
                total += 1
            if total > left:
                self.charge(total)  # raises: the walk alone would spend what is left
        self._weights[id(value)] = (value, total)
        return total

    # -- the cost of operations, charged before they run ----------------------------------------------------

    def compare(self, a: Any, b: Any) -> None:
        """==, !=, <, ... : at worst both sides are walked."""
        if isinstance(a, (list, tuple, dict, str)) or isinstance(b, (list, tuple, dict, str)):
            self.charge(self.weight(a) + self.weight(b))

    def contains(self, needle: Any, haystack: Any) -> None:
        """``needle in haystack``: every element may be compared with the needle."""
        if isinstance(haystack, (list, tuple)):
            self.charge(self.weight(haystack) + len(haystack) * self.weight(needle))
        elif isinstance(haystack, (dict, str)):
            self.charge(self.weight(needle) + (len(haystack) // TEXT_CHUNK if isinstance(haystack, str) else 1))

    def copy(self, length: int, text: bool = False) -> None:
        """A new sequence of ``length`` (concatenation, repetition, slices): its references are copied."""
        self.charge(1 + (length // TEXT_CHUNK if text else length))

    def sort(self, items: Any) -> None:
        n = len(items) if isinstance(items, (list, tuple, dict, str)) else 1
        self.charge(self.weight(items) * max(1, math.ceil(math.log2(n + 1))))


# numbers that make Python itself do unbounded work
MAX_ROUND_DIGITS = 1_000


def check_round(args: tuple) -> None:
    if len(args) > 1 and isinstance(args[1], int) and abs(args[1]) > MAX_ROUND_DIGITS:
        raise ExpressionError(f"round() to {args[1]} digits is out of range (at most {MAX_ROUND_DIGITS} either way)")
