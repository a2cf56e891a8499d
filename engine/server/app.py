"""The FastAPI application on a run service (no module-level app, no globals): ``create_app(service, ...)``.

Routes so far: health and the workflow list; the rest of SPEC §9 follows on the same service.
"""

from __future__ import annotations

from typing import Literal

from fastapi import FastAPI, Query

from .guard import HEALTH, Guard
from .settings import ServerSettings

__all__ = ["create_app", "VERSION"]

VERSION = "0.1"

#: what the guard answers before a route sees the request: every route documents it
GUARD_RESPONSES = {
    400: {"description": "a malformed request"},
    401: {"description": "no valid 'Authorization: Bearer <token>' header"},
    403: {"description": "a Host not served here, or a cross-site request"},
    413: {"description": "a body over the limit"},
    429: {"description": "too many requests from this client; see Retry-After"},
}


def create_app(service, settings: ServerSettings, token: str):
    """The ASGI app: the guard in front of a FastAPI app whose routes use ``service`` (a RunService)."""
    api = FastAPI(title="Nodeloom", version=VERSION, openapi_url="/api/v1/openapi.json", docs_url=None,
                  redoc_url=None, responses=GUARD_RESPONSES)
    store = service.store

    @api.get(HEALTH, operation_id="health", tags=["server"])
    async def health() -> dict:
        """Liveness and version (the only route without a token)."""
        return {"status": "ok", "version": VERSION}

    @api.get("/api/v1/workflows", operation_id="listWorkflows", tags=["workflows"])
    async def list_workflows(search: str | None = Query(None, max_length=200), tag: str | None = Query(None, max_length=100),
                             templates: bool | None = None, sort: Literal["updated", "created", "name"] = "updated",
                             limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10**9)) -> dict:
        """Stored workflows, newest first (search by name, filter by tag or template)."""
        page = await service.run_blocking(lambda: store.workflows.list(
            search=search, tag=tag, templates=templates, sort=sort, limit=limit, offset=offset))
        return {"total": page.total, "items": [i.to_json() for i in page.items]}

    return Guard(api, settings, token)
