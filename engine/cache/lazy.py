"""Values read from the cache, read and decoded only when a node actually needs them.

A cache hit costs a lookup and reading the entry's header; the entry itself is read, checked and decoded only
if a node that runs (or the run's outputs) needs it, so a long cached prefix costs almost nothing. If the entry
turns out to be unreadable then, :attr:`CachedEntry.recompute` (set by the executor) computes it again.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from .codec import CorruptEntry, decode

__all__ = ["CachedEntry", "LazyValue", "materialize", "has_lazy", "in_memory", "NOT_READ"]


class CachedEntry:
    __slots__ = ("_read", "_values", "recompute")

    def __init__(self, read: Callable[[], bytes] | bytes):
        self._read = read
        self._values: dict | None = None
        self.recompute: Callable[[], Awaitable[dict]] | None = None

    @property
    def loaded(self) -> bool:
        return self._values is not None

    def values(self) -> dict:
        """Read, verify and decode (raises :class:`CorruptEntry` when the stored bytes are damaged or gone)."""
        if self._values is None:
            try:
                data = self._read if isinstance(self._read, bytes) else self._read()
            except OSError as e:
                raise CorruptEntry(f"stored value unreadable: {e}") from None
            self._values = decode(data)
            self._read = b""
        return self._values

    def set_values(self, values: dict) -> None:
        self._values = values


class LazyValue:
    __slots__ = ("entry", "port", "key")

    def __init__(self, entry: CachedEntry, port: str, key: str):
        self.entry, self.port, self.key = entry, port, key

    def get(self) -> Any:
        return self.entry.values().get(self.port)

    def __repr__(self) -> str:
        return f"<cached {self.port}>"


NOT_READ = object()


def in_memory(value: Any, missing: Any = NOT_READ) -> Any:
    """The value when it is at hand without reading the disk (any value, or a cached one already read), else
    ``missing``: what the GUI thread may look at."""
    if type(value) is LazyValue:
        return value.get() if value.entry.loaded else missing
    return value


def has_lazy(values: dict) -> bool:
    return any(type(v) is LazyValue for v in values.values())


def materialize(value: Any) -> Any:
    """The real value behind a cached one (anything else unchanged)."""
    return value.get() if type(value) is LazyValue else value
