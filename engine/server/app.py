"""The FastAPI application on a run service (no module-level app, no globals): ``create_app(service, ...)``.

Every route of SPEC §9. The app is wrapped in the guard (:mod:`engine.server.guard`), and behind it a sync run's
request takes a shorter way to the same route functions (:mod:`engine.server.fastrun`); ``app.closing`` is the
event every open stream watches, set by :meth:`Server.stop` so shutdown never waits for a client.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from .errors import GUARD_RESPONSES, JSON, install_handlers
from .fastrun import FastRun
from .guard import HEALTH, Guard
from .routes_cache import cache_routes
from .routes_models import model_routes
from .routes_misc import misc_routes
from .routes_runs import run_routes
from .routes_triggers import trigger_routes
from .routes_workflows import workflow_routes
from .settings import ServerSettings

__all__ = ["create_app", "VERSION"]

VERSION = "0.1"


def create_app(service, settings: ServerSettings, token: str) -> Guard:
    """The ASGI app: the guard in front of a FastAPI app whose routes use ``service`` (a RunService)."""
    api = FastAPI(title="Nodeloom", version=VERSION, openapi_url="/api/v1/openapi.json", docs_url=None,
                  redoc_url=None, responses=GUARD_RESPONSES, default_response_class=JSON,
                  description="Run, queue and watch Nodeloom workflows. Every route but /api/v1/health and the "
                              "webhook (POST /api/v1/hooks/{workflow_id}, signed per Standard Webhooks instead) needs "
                              "`Authorization: Bearer <token>` (the token is in the data folder's server-token); a "
                              "WebSocket may send it as its subprotocols instead: `nodeloom.bearer, <token>`.")
    install_handlers(api)
    closing = asyncio.Event()
    service.launcher.limit_runs(settings.runs_per_minute)  # on every route that starts a run

    @api.get(HEALTH, operation_id="health", tags=["server"])
    async def health() -> dict:
        """Liveness and version (the only route without a token)."""
        return {"status": "ok", "version": VERSION}

    api.include_router(workflow_routes(service))
    api.include_router(run_routes(service, closing, settings.stream_buffer))
    api.include_router(misc_routes(service))
    api.include_router(trigger_routes(service))
    api.include_router(cache_routes(service))
    api.include_router(model_routes(service))
    guard = Guard(FastRun(api, service, closing), settings, token)
    guard.closing = closing
    return guard
