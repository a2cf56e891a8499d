"""The persistent result cache (SPEC §6): keys, our own value codec, lazy cached values, diskcache storage."""

from .keys import content_key, derive, node_key, port_key
from .lazy import NOT_READ, CachedEntry, LazyValue, has_lazy, in_memory, materialize
from .store import ResultCache

__all__ = ["ResultCache", "CachedEntry", "LazyValue", "materialize", "has_lazy", "in_memory", "NOT_READ", "content_key", "derive",
           "node_key", "port_key"]
