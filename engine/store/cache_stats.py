"""What the result cache holds and how well it serves (issue 27), in one shape for every front — ``nodeloom cache
stats``, ``GET /api/v1/cache`` and Edit ▸ Settings ▸ Cache:

- the cache itself: its folder, the bytes it takes on disk, its size limit, its entries;
- how well it served the runs that ended in the last ``days`` (7): their cache hits and misses, counted by each
  run as it ran and kept on its record (runs recorded before that was counted are left out of the sums);
- per workflow: its runs in those days with their hits and misses, and the entries its runs wrote (each entry is
  tagged with the stored workflow whose run wrote it; drafts' and node tests' entries have no workflow: ``other``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import func, select

from ..events import hit_rate
from .models import RunRow, WorkflowRow
from .runs import RUN_FINISHED

__all__ = ["CacheStats", "WorkflowCacheUse", "cache_stats", "DAYS", "size_text", "rate_text"]

DAYS = 7


@dataclass(frozen=True)
class WorkflowCacheUse:
    workflow_id: str
    name: str
    runs: int          # its runs that ended in the last days
    hits: int          # their cache hits …
    misses: int        # … and misses
    entries: int       # cache entries its runs wrote (still there)
    bytes: int         # the bytes of those entries' values
    deleted: bool = False  # the workflow is in the trash (or gone)
    is_template: bool = False

    @property
    def hit_rate(self) -> float | None:
        return hit_rate(self.hits, self.misses)

    def to_json(self) -> dict:
        return {"workflow_id": self.workflow_id, "name": self.name, "runs": self.runs, "hits": self.hits,
                "misses": self.misses, "hit_rate": self.hit_rate, "entries": self.entries, "bytes": self.bytes,
                "deleted": self.deleted, "is_template": self.is_template}


@dataclass(frozen=True)
class CacheStats:
    directory: str
    size_bytes: int        # what the cache takes on disk (what its limit holds)
    size_limit_bytes: int
    entries: int
    days: int              # the runs counted below ended in the last ``days`` days
    runs: int
    hits: int
    misses: int
    workflows: tuple[WorkflowCacheUse, ...]  # the largest first
    other_entries: int     # entries written by drafts and node tests (no stored workflow)
    other_bytes: int

    @property
    def hit_rate(self) -> float | None:
        return hit_rate(self.hits, self.misses)

    def to_json(self) -> dict:
        return {"directory": self.directory, "size_bytes": self.size_bytes, "size_limit_bytes": self.size_limit_bytes,
                "entries": self.entries, "days": self.days, "runs": self.runs, "hits": self.hits,
                "misses": self.misses, "hit_rate": self.hit_rate,
                "workflows": [w.to_json() for w in self.workflows],
                "other": {"entries": self.other_entries, "bytes": self.other_bytes}}


def _runs_by_workflow(db, since: float) -> dict[str | None, tuple[int, int, int]]:
    """workflow id (None: drafts, node tests) → (runs, hits, misses) of the runs that ended since ``since``."""
    with db.read() as s:
        rows = s.execute(select(RunRow.workflow_id, func.count(), func.coalesce(func.sum(RunRow.cache_hits), 0),
                                func.coalesce(func.sum(RunRow.cache_misses), 0))
                         .where(RunRow.finished_at >= since, RunRow.status.in_(RUN_FINISHED))
                         .group_by(RunRow.workflow_id)).all()
    return {wid: (n, int(hits), int(misses)) for wid, n, hits, misses in rows}


def _names(db, ids: set[str]) -> dict[str, tuple[str, bool, bool]]:
    """workflow id → (name, deleted, is_template)."""
    if not ids:
        return {}
    with db.read() as s:
        rows = s.execute(select(WorkflowRow.id, WorkflowRow.name, WorkflowRow.deleted_at, WorkflowRow.is_template)
                         .where(WorkflowRow.id.in_(list(ids)))).all()
    return {wid: (name, deleted is not None, bool(template)) for wid, name, deleted, template in rows}


def cache_stats(db, cache, *, days: int = DAYS, now: float | None = None) -> CacheStats:
    """The stats of ``cache`` (a ResultCache) and of the runs recorded in ``db``. Reads the disk: call it off the GUI
    thread and off the event loop."""
    since = (time.time() if now is None else now) - days * 86400
    runs = _runs_by_workflow(db, since)
    usage = cache.usage()
    ids = {w for w in runs if w is not None} | {t for t in usage if t is not None}
    names = _names(db, ids)
    workflows = []
    for wid in ids:
        n, hits, misses = runs.get(wid, (0, 0, 0))
        entries, size = usage.get(wid, (0, 0))
        name, deleted, template = names.get(wid, (wid, True, False))
        workflows.append(WorkflowCacheUse(wid, name, n, hits, misses, entries, size, deleted, template))
    workflows.sort(key=lambda w: (-w.bytes, -w.runs, w.name.lower(), w.workflow_id))
    other_entries, other_bytes = usage.get(None, (0, 0))
    return CacheStats(str(cache.directory), cache.volume(), cache.size_limit, len(cache), days,
                      sum(r[0] for r in runs.values()), sum(r[1] for r in runs.values()),
                      sum(r[2] for r in runs.values()), tuple(workflows), other_entries, other_bytes)


def size_text(n: int) -> str:
    """A size in bytes as the fronts show it: "1.5 MB", "312 B"."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n} B"


def rate_text(rate: float | None) -> str:
    """A hit rate as the fronts show it: "83%", or "—" when nothing was looked up."""
    return "—" if rate is None else f"{rate:.0%}"
