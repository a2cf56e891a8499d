from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import Field

from ...errors import BlockError
from ..fence import inside
from ..base import Block, BlockConfig, Port


def _natural(path: str) -> list:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", path)]


def _list(root: Path, pattern: str, recursive: bool, limit: int) -> list[str]:
    found = []
    for p in (root.rglob(pattern) if recursive else root.glob(pattern)):
        if not p.is_file() or not inside(p, root):  # a symlink out of the folder is not listed
            continue
        found.append(os.path.realpath(p))
        if len(found) > limit:
            raise BlockError(f"more than max_files = {limit} files match {pattern!r} in {root}; "
                             "narrow the pattern or raise max_files")
    return sorted(set(found), key=_natural)


class ListFilesBlock(Block):
    """The files in a folder that match a glob pattern (real paths, in natural order)."""

    type = "list_files"
    category = "files"
    keywords = ("folder", "directory", "glob", "find files", "scan")
    deterministic = False  # the folder's contents change under us
    inputs = (Port("folder", "string"),)
    outputs = (Port("paths", "list"), Port("count", "integer"))

    class Config(BlockConfig):
        folder: str = Field("", description="relative paths resolve against the workflow's folder",
                            json_schema_extra={"format": "folder"})
        pattern: str = Field("*", description="glob, e.g. *.png or **/*.jpg")
        recursive: bool = False
        max_files: int = Field(10_000, ge=1, le=1_000_000)

    async def run(self, ctx, inputs, config):
        if not config.folder.strip():
            raise BlockError("no folder given")
        pattern = config.pattern.strip() or "*"
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            raise BlockError(f"the pattern {pattern!r} may not leave the folder (no absolute paths or ..)")
        root = Path(os.path.realpath(ctx.resolve_path(config.folder)))
        if not root.is_dir():
            raise BlockError(f"{root} is not a folder")
        try:
            paths = await ctx.run_blocking(_list, root, pattern, config.recursive, config.max_files)
        except (OSError, ValueError) as e:
            raise BlockError(f"cannot list {root}: {e}") from None
        return {"paths": paths, "count": len(paths)}
