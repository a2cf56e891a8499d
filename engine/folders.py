"""Where Nodeloom keeps its files: ``NODELOOM_HOME`` if set, else the platform's user folders."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["home", "resources_dir", "templates_dir"]


def home(override: str | os.PathLike | None = None) -> Path:
    """The data folder (database, cache, settings, plugins), created if missing."""
    chosen = override or os.environ.get("NODELOOM_HOME")
    path = Path(chosen).expanduser() if chosen else Path(platformdirs.user_data_dir("nodeloom", "Nodeloom"))
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def resources_dir() -> Path:
    """``resources/`` beside the packages (an editable install or a source checkout)."""
    return Path(__file__).resolve().parent.parent / "resources"


def templates_dir() -> Path:
    return resources_dir() / "templates"
