"""A list of run inputs, as the CLI (--inputs-list) and the editor (Run over a list of inputs…) take it: JSON Lines,
one object of inputs per line (blank lines skipped), or one JSON array of objects."""

from __future__ import annotations

import json

__all__ = ["parse_inputs_list", "short_inputs", "MAX_TEXT"]

MAX_TEXT = 256 * 1024 * 1024


def parse_inputs_list(text: str) -> list[dict]:
    """JSON Lines or a JSON array of objects; ValueError naming the line (or item) that is wrong."""
    if len(text) > MAX_TEXT:
        raise ValueError(f"the list is larger than {MAX_TEXT // 2**20} MB")
    stripped = text.strip()
    if not stripped:
        raise ValueError("no inputs yet: one JSON object per line, e.g. {\"number\": 3}")
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except (ValueError, RecursionError) as e:
            raise ValueError(f"not a valid JSON array: {e}") from None
        if not isinstance(items, list):
            raise ValueError("expected a JSON array of objects")
        for i, item in enumerate(items, 1):
            if not isinstance(item, dict):
                raise ValueError(f"item {i} is not a JSON object of name: value")
        return items
    items = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except (ValueError, RecursionError) as e:
            raise ValueError(f"line {n} is not valid JSON: {e}") from None
        if not isinstance(item, dict):
            raise ValueError(f"line {n} is not a JSON object of name: value")
        items.append(item)
    return items


def short_inputs(inputs: dict, width: int = 60) -> str:
    """``n=3, name="x"``, cut to ``width``: which run is which, in a list of runs."""
    text = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False, default=str)}" for k, v in inputs.items())
    return text if len(text) <= width else text[:width - 1] + "…"
