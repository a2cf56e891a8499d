"""The crash journal: unsaved edits of each tab, written on every change, dropped on save.

Files live in ``<data folder>/journal/``; each is written atomically (temp file + rename), so a crash leaves
either the previous or the new journal, never half of one. On start, the window offers to restore them — only
those whose writer is gone: another window open on the same data folder keeps its own unsaved work.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from pathlib import Path

from engine.model import Workflow
from engine.store.leases import process_alive, process_identity

__all__ = ["Journal", "JournalEntry"]


class JournalEntry:
    def __init__(self, path: Path, data: dict):
        self.path = path
        self.workflow_id: str | None = data.get("workflow_id")
        self.version: int | None = data.get("version")
        self.saved_at: float = data.get("saved_at", 0)
        writer = data.get("writer")  # (host, pid, process start) of the window that wrote it
        ok = (isinstance(writer, list) and len(writer) == 3 and isinstance(writer[0], str)
              and type(writer[1]) is int and (writer[2] is None or isinstance(writer[2], str)))
        self.writer = tuple(writer) if ok else None
        self.document = Workflow.model_validate(data["document"])

    @property
    def orphaned(self) -> bool:
        """Whether the process that wrote it is gone (a crash, a session ended): only then is it offered."""
        if self.writer is None:
            return True
        host, pid, started = self.writer
        return (host, pid, started) == process_identity() or process_alive(host, pid, started) is False


class Journal:
    def __init__(self, home: Path):
        self.folder = Path(home) / "journal"
        self.folder.mkdir(parents=True, exist_ok=True)

    def key(self) -> str:
        return uuid.uuid4().hex

    def write(self, key: str, workflow: Workflow, workflow_id: str | None, version: int | None) -> Path:
        path = self.folder / f"{key}.json"
        data = {"workflow_id": workflow_id, "version": version, "saved_at": time.time(),
                "writer": list(process_identity()),
                "document": workflow.model_dump(mode="json")}
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        return path

    def drop(self, key: str) -> None:
        (self.folder / f"{key}.json").unlink(missing_ok=True)

    def entries(self, orphaned_only: bool = False) -> list[JournalEntry]:
        """The journaled drafts (``orphaned_only``: those whose window is gone)."""
        found = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                found.append(JournalEntry(path, json.loads(path.read_text(encoding="utf-8"))))
            except (ValueError, KeyError, OSError):
                path.unlink(missing_ok=True)  # a journal that cannot be read cannot be offered
        return [e for e in found if e.orphaned] if orphaned_only else found
