"""The block registry: built-in blocks, ``nodeloom.blocks`` entry points, and reported plugin problems.

An entry point in the group ``nodeloom.blocks`` may point at a :class:`Block` subclass, a module (every
Block subclass defined in it is registered), or a callable returning an iterable of Block subclasses.
Anything that fails to import or register is recorded in :attr:`BlockRegistry.problems` and skipped.
"""

from __future__ import annotations

import inspect
import logging
from importlib.metadata import entry_points
from types import ModuleType
from typing import Iterable

from ..errors import PluginError
from .base import Block

__all__ = ["BlockRegistry", "default_registry", "ENTRY_POINT_GROUP"]

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "nodeloom.blocks"


class BlockRegistry:
    def __init__(self, blocks: Iterable[type[Block]] = ()):
        self._blocks: dict[str, type[Block]] = {}
        self._legacy: dict[str, str] = {}
        self.problems: list[PluginError] = []
        for b in blocks:
            self.register(b)

    def register(self, cls: type[Block], source: str = "builtin") -> type[Block]:
        if not (inspect.isclass(cls) and issubclass(cls, Block)) or not isinstance(getattr(cls, "type", None), str):
            raise PluginError(source, f"{cls!r} is not a Block subclass with a 'type'")
        if cls.type in self._blocks and self._blocks[cls.type] is not cls:
            raise PluginError(source, f"block type {cls.type!r} is already registered")
        try:
            cls.config_schema()
        except Exception as e:  # a broken Config model must not break the palette
            raise PluginError(source, f"block {cls.type!r} has an invalid Config: {e}") from None
        self._blocks[cls.type] = cls
        for old in cls.legacy_types:
            self._legacy[old] = cls.type
        return cls

    def resolve_type(self, type_name: str) -> str:
        return type_name if type_name in self._blocks else self._legacy.get(type_name, type_name)

    def get(self, type_name: str) -> type[Block] | None:
        return self._blocks.get(self.resolve_type(type_name))

    def __contains__(self, type_name: str) -> bool:
        return self.get(type_name) is not None

    def __iter__(self):
        return iter(sorted(self._blocks.values(), key=lambda b: (b.category, b.type)))

    def __len__(self) -> int:
        return len(self._blocks)

    def copy(self) -> "BlockRegistry":
        other = BlockRegistry(self._blocks.values())
        other.problems = list(self.problems)
        return other

    def describe(self) -> list[dict]:
        return [b.describe() for b in self]

    # -- plugins --------------------------------------------------------------------------------------------

    def load_object(self, obj: object, source: str) -> int:
        """Register the blocks ``obj`` provides; returns how many."""
        if isinstance(obj, ModuleType):
            found = [v for v in vars(obj).values()
                     if inspect.isclass(v) and issubclass(v, Block) and v.__module__ == obj.__name__
                     and isinstance(getattr(v, "type", None), str)]
        elif inspect.isclass(obj):
            found = [obj]
        elif callable(obj):
            found = list(obj())
        else:
            raise PluginError(source, f"entry point gives {type(obj).__name__}, not a block, module or factory")
        for cls in found:
            self.register(cls, source)
        return len(found)

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> None:
        for ep in entry_points(group=group):
            source = f"{ep.name} ({ep.value})"
            try:
                self.load_object(ep.load(), source)
            except PluginError as e:
                self._report(e)
            except Exception as e:  # noqa: BLE001 - any plugin failure is reported, never fatal
                self._report(PluginError(source, f"{type(e).__name__}: {e}"))

    def _report(self, err: PluginError) -> None:
        log.warning("block plugin skipped: %s", err)
        self.problems.append(err)


_default: BlockRegistry | None = None


def default_registry(*, plugins: bool = True) -> BlockRegistry:
    """The built-in blocks plus installed plugins, loaded once per process."""
    global _default
    if _default is None:
        from .builtin import BUILTIN_BLOCKS

        reg = BlockRegistry(BUILTIN_BLOCKS)
        if plugins:
            reg.load_entry_points()
        _default = reg
    return _default
