"""The block registry: built-in blocks, ``nodeloom.blocks`` entry points, the user's plugins folder, and
reported plugin problems.

An entry point in the group ``nodeloom.blocks`` may point at a :class:`Block` subclass, a module (every
Block subclass defined in it is registered), or a callable returning an iterable of Block subclasses.
The plugins folder (``plugins/`` in the data folder) holds modules (``name.py``) and packages
(``name/__init__.py``); every Block subclass they define is registered. Anything that fails to import or
register is recorded in :attr:`BlockRegistry.problems` and skipped.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import sys
import traceback
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Iterable

from ..errors import PluginError
from .base import Block

__all__ = ["BlockRegistry", "default_registry", "plugins_folder", "ENTRY_POINT_GROUP"]

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "nodeloom.blocks"


class BlockRegistry:
    def __init__(self, blocks: Iterable[type[Block]] = (), *, checked: bool = False):
        """``checked``: ``blocks`` are known to have valid Config models (the built-in ones, whose schemas the
        tests build; a registry's own blocks when copied) — their JSON schemas are not built now (~25 ms of a
        cold start), only when asked for."""
        self._blocks: dict[str, type[Block]] = {}
        self._legacy: dict[str, str] = {}
        self.problems: list[PluginError] = []
        for b in blocks:
            self.register(b, checked=checked)

    def register(self, cls: type[Block], source: str = "builtin", *, checked: bool = False) -> type[Block]:
        if not (inspect.isclass(cls) and issubclass(cls, Block)) or not isinstance(getattr(cls, "type", None), str):
            raise PluginError(source, f"{cls!r} is not a Block subclass with a 'type'")
        if cls.type in self._blocks and self._blocks[cls.type] is not cls:
            raise PluginError(source, f"block type {cls.type!r} is already registered")
        try:
            if not checked:
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
        other = BlockRegistry(self._blocks.values(), checked=True)
        other.problems = list(self.problems)
        return other

    def describe(self) -> list[dict]:
        return [b.describe() for b in self]

    # -- plugins --------------------------------------------------------------------------------------------

    def load_object(self, obj: object, source: str) -> int:
        """Register the blocks ``obj`` provides; returns how many."""
        if isinstance(obj, ModuleType):
            def own(cls) -> bool:  # defined in the module, or (a package) in one of its modules
                return cls.__module__ == obj.__name__ or (
                    hasattr(obj, "__path__") and cls.__module__.startswith(obj.__name__ + "."))

            found = [v for v in vars(obj).values()
                     if inspect.isclass(v) and issubclass(v, Block) and own(v)
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

    def load_folder(self, folder: Path) -> None:
        """Every module and package in ``folder``, imported as ``nodeloom_plugins.<name>``."""
        if not folder.is_dir():
            return
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith((".", "_")):
                continue
            if entry.is_dir() and (entry / "__init__.py").is_file():
                name, init = entry.name, entry / "__init__.py"
            elif entry.is_file() and entry.suffix == ".py":
                name, init = entry.stem, entry
            else:
                continue
            source = f"plugins/{entry.name}"
            if not name.isidentifier():
                self._report(PluginError(source, f"{name!r} is not a valid Python module name"))
                continue
            try:
                self.load_object(_import_file(f"nodeloom_plugins.{name}", init, entry.is_dir()), source)
            except PluginError as e:
                self._report(e)
            except BaseException as e:  # noqa: BLE001 - a plugin that raises anything at all is reported
                if isinstance(e, KeyboardInterrupt):
                    raise
                mine = [f for f in traceback.extract_tb(e.__traceback__) if f.filename.startswith(str(folder))]
                where = "" if isinstance(e, SyntaxError) or not mine else (
                    f" ({Path(mine[-1].filename).name}, line {mine[-1].lineno})")
                self._report(PluginError(source, f"{type(e).__name__}: {e}{where}"))

    def _report(self, err: PluginError) -> None:
        log.warning("block plugin skipped: %s", err)
        self.problems.append(err)


def _import_file(module_name: str, path: Path, package: bool):
    if "nodeloom_plugins" not in sys.modules:  # a namespace for the folder's modules
        spec = importlib.util.spec_from_loader("nodeloom_plugins", loader=None, is_package=True)
        ns = importlib.util.module_from_spec(spec)
        ns.__path__ = []
        sys.modules["nodeloom_plugins"] = ns
    spec = importlib.util.spec_from_file_location(
        module_name, path, submodule_search_locations=[str(path.parent)] if package else None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


_defaults: dict[tuple[Path, bool], BlockRegistry] = {}


def plugins_folder(home: str | Path | None = None) -> Path:
    """``plugins/`` in the data folder ``home`` (default: NODELOOM_HOME or the user data folder), made if
    missing so that users find where to put their plugins."""
    from ..folders import home as data_folder

    folder = data_folder(home) / "plugins"
    try:
        folder.mkdir(exist_ok=True)
    except OSError:
        pass
    return folder


def default_registry(*, plugins: bool = True, home: str | Path | None = None) -> BlockRegistry:
    """The built-in blocks plus installed plugins and the plugins folder of the data folder ``home``
    (default: NODELOOM_HOME or the user data folder), loaded once per process and folder."""
    folder = plugins_folder(home) if plugins else Path()
    reg = _defaults.get((folder, plugins))
    if reg is None:
        from .builtin import BUILTIN_BLOCKS

        reg = BlockRegistry(BUILTIN_BLOCKS, checked=True)
        if plugins:
            reg.load_entry_points()
            reg.load_folder(folder)
        _defaults[(folder, plugins)] = reg
    return reg
