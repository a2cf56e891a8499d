"""Paths a node may touch: resolved with realpath, kept inside a folder the user chose when there is one."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import BlockError

__all__ = ["inside", "confined"]


def inside(path: Path, folder: Path) -> bool:
    """Whether real ``path`` lies in real ``folder`` (symlinks followed on both sides)."""
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
        return True
    except ValueError:
        return False


def confined(ctx, path: str, folder: str = "") -> Path:
    """``path`` resolved (relative to ``folder`` when given, else to the workflow's folder) and made real.
    With a ``folder``, a path that leads outside it (``..``, an absolute path, a symlink) is refused."""
    if not folder.strip():
        return Path(os.path.realpath(ctx.resolve_path(path)))
    root = Path(os.path.realpath(ctx.resolve_path(folder)))
    target = Path(os.path.realpath(root / Path(path).expanduser()))
    if not inside(target, root):
        raise BlockError(f"{path!r} leads outside the folder {str(root)!r} this node may write to")
    return target
