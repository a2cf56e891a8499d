"""Where Nodeloom keeps its files: ``NODELOOM_HOME`` if set, else the platform's user folders."""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs

__all__ = ["home", "resources_dir", "templates_dir", "config_file", "configured_home", "configure_home"]


def config_file() -> Path:
    """Where the choice of data folder is kept (it cannot live in the data folder itself)."""
    return Path(platformdirs.user_config_dir("nodeloom", "Nodeloom")) / "config.json"


def configured_home(config: Path | None = None) -> Path | None:
    """The data folder chosen in the editor's settings, if any (an unreadable file counts as no choice)."""
    try:
        chosen = json.loads((config or config_file()).read_text(encoding="utf-8")).get("home")
    except (OSError, ValueError, AttributeError):
        return None
    return Path(chosen).expanduser() if isinstance(chosen, str) and chosen.strip() else None


def configure_home(folder: str | os.PathLike | None, config: Path | None = None) -> Path:
    """Choose the data folder for the next start (None: the default again); written atomically."""
    target = config or config_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps({"home": str(Path(folder).expanduser()) if folder else None}), encoding="utf-8")
    os.replace(tmp, target)
    return target


def home(override: str | os.PathLike | None = None) -> Path:
    """The data folder (database, cache, settings, plugins), created if missing: ``override`` (``--home``), else
    ``NODELOOM_HOME``, else the one chosen in the editor's settings, else the platform's user data folder."""
    chosen = override or os.environ.get("NODELOOM_HOME") or configured_home()
    path = Path(chosen).expanduser() if chosen else Path(platformdirs.user_data_dir("nodeloom", "Nodeloom"))
    _make_private(path)
    return path.resolve()


def _make_private(path: Path) -> None:
    """Create the data folder, if missing, for its owner only (0700: it holds the server token, webhook secrets
    and every run's data). Its parents are made as usual, and a folder that exists keeps its mode (its owner's)."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:  # made meanwhile by another process (or a file there: the next line says so)
        if not path.is_dir():
            raise
        return
    if os.name == "posix":
        os.chmod(path, 0o700)  # (mkdir's mode is masked by the umask: never wider, but maybe narrower than usable)


def resources_dir() -> Path:
    """``resources/`` beside the packages (an editable install or a source checkout)."""
    return Path(__file__).resolve().parent.parent / "resources"


def templates_dir() -> Path:
    return resources_dir() / "templates"
