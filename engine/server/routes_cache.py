"""The result cache: ``GET /api/v1/cache`` — the numbers ``nodeloom cache stats --json`` prints and Edit ▸ Settings
▸ Cache shows (:meth:`engine.store.Store.cache_stats`)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from .errors import answers

__all__ = ["cache_routes", "CacheStats", "WorkflowCacheUse"]

_RATE = "hits / (hits + misses); null when nothing was looked up"


class WorkflowCacheUse(BaseModel):
    workflow_id: str
    name: str
    runs: int = Field(ge=0, description="its runs that ended in the last `days` days")
    hits: int = Field(ge=0, description="their cache hits: nodes whose result came from the cache")
    misses: int = Field(ge=0, description="their cache misses: cacheable nodes that looked and had to compute")
    hit_rate: float | None = Field(ge=0, le=1, description=_RATE)
    entries: int = Field(ge=0, description="cache entries its runs wrote (still there)")
    bytes: int = Field(ge=0, description="the bytes of those entries' values")
    deleted: bool = Field(description="the workflow is in the trash (or gone)")
    is_template: bool


class OtherEntries(BaseModel):
    entries: int = Field(ge=0)
    bytes: int = Field(ge=0)


class CacheStats(BaseModel):
    """The result cache: its size on disk, its limit and entries; how well it served the runs that ended in the last
    `days` days (from their records); the same per workflow, with the entries each workflow's runs wrote."""

    directory: str = Field(description="the cache's folder")
    size_bytes: int = Field(ge=0, description="what the cache takes on disk (what its limit holds)")
    size_limit_bytes: int = Field(ge=0)
    entries: int = Field(ge=0)
    days: int = Field(ge=1, description="the runs counted ended in the last `days` days")
    runs: int = Field(ge=0)
    hits: int = Field(ge=0)
    misses: int = Field(ge=0)
    hit_rate: float | None = Field(ge=0, le=1, description=_RATE)
    workflows: list[WorkflowCacheUse] = Field(description="the largest first")
    other: OtherEntries = Field(description="entries written by drafts and node tests (no stored workflow)")


def cache_routes(service) -> APIRouter:
    r = APIRouter(tags=["cache"])
    store = service.store

    @r.get("/api/v1/cache", operation_id="getCacheStats", response_model=CacheStats, responses=answers())
    async def cache_stats():
        """The result cache's size, entries and limit, its hit rate over the last 7 days, and per workflow."""
        stats = await service.run_blocking(store.cache_stats)
        return stats.to_json()

    return r
