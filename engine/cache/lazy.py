"""Values read from the cache, decoded only when a node actually needs them.

A cache hit costs a lookup and a checksum; the PNG of an image is decoded only if a node that runs (or the
run's outputs) reads it, so a long cached prefix costs almost nothing.
"""

from __future__ import annotations

from typing import Any

from .codec import decode

__all__ = ["CachedEntry", "LazyValue", "materialize", "has_lazy"]


class CachedEntry:
    __slots__ = ("data", "_values")

    def __init__(self, data: bytes):
        self.data = data
        self._values: dict | None = None

    def values(self) -> dict:
        if self._values is None:
            self._values = decode(self.data, verified=True)
            self.data = b""
        return self._values


class LazyValue:
    __slots__ = ("entry", "port", "key")

    def __init__(self, entry: CachedEntry, port: str, key: str):
        self.entry, self.port, self.key = entry, port, key

    def get(self) -> Any:
        return self.entry.values().get(self.port)

    def __repr__(self) -> str:
        return f"<cached {self.port}>"


def has_lazy(values: dict) -> bool:
    return any(type(v) is LazyValue for v in values.values())


def materialize(value: Any) -> Any:
    """The real value behind a cached one (anything else unchanged)."""
    return value.get() if type(value) is LazyValue else value
